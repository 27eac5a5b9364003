//! Conversations and their members.

mod access;
mod add_members;
mod change_member_role;
mod create_conversation;
mod delete_conversation;
mod get_conversation;
mod leave_all;
mod list_conversations;
mod list_events;
mod list_members;
mod markers;
mod remove_member;
mod rename_conversation;
mod set_typing;

pub(crate) use access::{membership, visible};
pub use add_members::AddMembers;
pub use change_member_role::ChangeMemberRole;
pub use create_conversation::{CreateConversation, CreateConversationInput, Created};
pub use delete_conversation::DeleteConversation;
pub use get_conversation::{ConversationView, GetConversation};
pub use leave_all::LeaveAllConversations;
pub use list_conversations::ListConversations;
pub use list_events::{EventPage, ListEvents};
pub use list_members::{ListMembers, MemberProfile};
pub use markers::{Marker, MoveMarker};
pub use remove_member::RemoveMember;
pub(crate) use remove_member::announce;
pub use rename_conversation::RenameConversation;
pub use set_typing::SetTyping;
