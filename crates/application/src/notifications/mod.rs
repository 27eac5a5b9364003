//! Notifications for people who are offline: Web Push subscriptions, preferences,
//! per-conversation levels and unsubscribe links.

mod delete_push_subscription;
mod get_preferences;
mod set_conversation_notifications;
mod subscribe_push;
mod unsubscribe;
mod update_preferences;

pub use delete_push_subscription::DeletePushSubscription;
pub use get_preferences::GetPreferences;
pub use set_conversation_notifications::SetConversationNotifications;
pub use subscribe_push::{PushSubscriptionRequest, SubscribePush};
pub use unsubscribe::{Unsubscribe, Unsubscribed};
pub use update_preferences::{PreferencesPatch, UpdatePreferences};
