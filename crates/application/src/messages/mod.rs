//! Messages: sending, reading, editing, deleting and searching.

mod delete_message;
mod edit_message;
mod list_messages;
mod list_pins;
mod list_thread;
mod mentions;
mod pin_message;
mod react;
mod search_messages;
mod send_message;

pub use delete_message::DeleteMessage;
pub use edit_message::EditMessage;
pub use list_messages::ListMessages;
pub use list_pins::ListPins;
pub use list_thread::ListThread;
pub use pin_message::PinMessage;
pub use react::React;
pub use search_messages::{SearchHit, SearchMessages};
pub use send_message::{SendMessage, SendMessageInput, Sent};

use crate::ApplicationError;
use crate::conversations::membership;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{Conversation, Member, Message, MessageId};
use palaver_domain::ports::{ConversationRepository, MessageRepository};

/// A message with its conversation and the caller's membership; `NotFound("message")` for
/// a message that does not exist or sits in a conversation the caller is not in.
pub(crate) async fn message_in_reach(
    messages: &dyn MessageRepository,
    conversations: &dyn ConversationRepository,
    id: MessageId,
    actor: &Actor,
) -> Result<(Message, Conversation, Member), ApplicationError> {
    let message = messages
        .find(id)
        .await?
        .ok_or(ApplicationError::NotFound("message"))?;
    let (conversation, member) = membership(conversations, message.conversation_id, actor)
        .await
        .map_err(|e| match e {
            ApplicationError::NotFound(_) => ApplicationError::NotFound("message"),
            other => other,
        })?;
    Ok((message, conversation, member))
}
