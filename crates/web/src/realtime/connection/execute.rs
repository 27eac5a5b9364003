//! Commands other than pipelined sends, run through their use-cases.

use super::super::commands::Command;
use crate::state::AppState;
use palaver_application::ApplicationError;
use palaver_application::messages::SendMessageInput;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::Message;

/// Runs a command through its use-case; the message it touched goes into the `ack`.
pub(super) async fn execute(
    state: &AppState,
    actor: &Actor,
    command: &Command,
) -> Result<Option<Message>, ApplicationError> {
    match command {
        Command::Send {
            conversation_id,
            content,
            client_id,
            reply_to_id,
            attachment_ids,
            thread_root_id,
        } => {
            let input = SendMessageInput {
                conversation_id: *conversation_id,
                content: content.clone(),
                client_id: Some(client_id.clone()),
                reply_to_id: *reply_to_id,
                attachment_ids: attachment_ids.clone(),
                thread_root_id: *thread_root_id,
            };
            Ok(Some(
                state.send_message.execute(actor, input).await?.message,
            ))
        }
        Command::Edit {
            message_id,
            content,
        } => Ok(Some(
            state
                .edit_message
                .execute(actor, *message_id, content.clone())
                .await?,
        )),
        Command::Delete { message_id } => {
            state.delete_message.execute(actor, *message_id).await?;
            Ok(None)
        }
        Command::Read {
            conversation_id,
            seq,
        } => {
            state
                .mark_read
                .execute(actor, *conversation_id, *seq)
                .await?;
            Ok(None)
        }
        Command::Delivered {
            conversation_id,
            seq,
        } => {
            state
                .mark_delivered
                .execute(actor, *conversation_id, *seq)
                .await?;
            Ok(None)
        }
        Command::Typing {
            conversation_id,
            is_typing,
        } => {
            state
                .set_typing
                .execute(actor, *conversation_id, *is_typing)
                .await?;
            Ok(None)
        }
        Command::Ping | Command::Sync { .. } => Ok(None),
    }
}
