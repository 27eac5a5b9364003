//! Whether a notification that fell due goes out: a pure function of what the store knows.

use chrono::{DateTime, Utc};
use palaver_domain::notification::{
    Channel, EmailNotifications, NotificationLevel, RecipientFacts,
};

/// Why a notification is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The member's level for the conversation is `none`.
    LevelNone,
    /// The member muted the conversation until later.
    Muted,
    /// Their level is `mentions` (or their mail preference is) and nothing mentions them.
    NotMentioned,
    /// They read up to the last message.
    Read,
    /// Their devices received up to the last message.
    Delivered,
    /// One of their devices is connected.
    Online,
    /// Mail: they want none, or have no address.
    NoMail,
}

/// What the decision looks at, for one member and one pending notification.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub channel: Channel,
    pub member: &'a RecipientFacts,
    /// The last message's seq the notification is about.
    pub last_seq: i64,
    /// Whether one of its messages mentions the member.
    pub mentioned: bool,
    /// Whether a device of theirs is connected to some node.
    pub online: bool,
    pub now: DateTime<Utc>,
}

/// Sends unless one of [`Skip`]'s reasons holds (checked in that order). The sender is
/// never a candidate: the pipeline does not enqueue them.
pub fn decide(facts: &Facts<'_>) -> Result<(), Skip> {
    let member = facts.member;
    let settings = member.settings;
    if settings.level == NotificationLevel::None {
        return Err(Skip::LevelNone);
    }
    if settings.muted_until.is_some_and(|until| until > facts.now) {
        return Err(Skip::Muted);
    }
    if settings.level == NotificationLevel::Mentions && !facts.mentioned {
        return Err(Skip::NotMentioned);
    }
    if member.last_read_seq >= facts.last_seq {
        return Err(Skip::Read);
    }
    if member.last_delivered_seq >= facts.last_seq {
        return Err(Skip::Delivered);
    }
    if facts.online {
        return Err(Skip::Online);
    }
    if facts.channel == Channel::Mail {
        match member.preferences.email_notifications {
            _ if member.email.is_none() => return Err(Skip::NoMail),
            EmailNotifications::Never => return Err(Skip::NoMail),
            EmailNotifications::Mentions if !facts.mentioned => return Err(Skip::NotMentioned),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use palaver_domain::notification::{ConversationNotifications, Preferences};
    use palaver_domain::user::UserId;

    fn member() -> RecipientFacts {
        RecipientFacts {
            user_id: UserId::generate(),
            username: "ann".into(),
            email: Some("ann@example.org".into()),
            last_read_seq: 3,
            last_delivered_seq: 0,
            settings: ConversationNotifications::default(),
            preferences: Preferences::default(),
        }
    }

    #[test]
    fn the_table() {
        let now = Utc::now();
        let with = |f: fn(&mut RecipientFacts)| {
            let mut m = member();
            f(&mut m);
            m
        };
        let plain = member();
        let none = with(|m| m.settings.level = NotificationLevel::None);
        let mentions = with(|m| m.settings.level = NotificationLevel::Mentions);
        let mut muted = member();
        muted.settings.muted_until = Some(now + Duration::hours(1));
        let mut mute_over = member();
        mute_over.settings.muted_until = Some(now - Duration::hours(1));
        let read = with(|m| m.last_read_seq = 5);
        let delivered = with(|m| m.last_delivered_seq = 5);
        let no_email = with(|m| m.email = None);
        let mail_never = with(|m| m.preferences.email_notifications = EmailNotifications::Never);
        let mail_all = with(|m| m.preferences.email_notifications = EmailNotifications::All);

        use Channel::{Mail, Push};
        // (channel, member, mentioned, online, expected)
        type Row<'a> = (Channel, &'a RecipientFacts, bool, bool, Result<(), Skip>);
        let table: Vec<Row> = vec![
            (Push, &plain, false, false, Ok(())),
            (Push, &plain, false, true, Err(Skip::Online)),
            (Push, &none, true, false, Err(Skip::LevelNone)),
            (Push, &mentions, false, false, Err(Skip::NotMentioned)),
            (Push, &mentions, true, false, Ok(())),
            (Push, &muted, true, false, Err(Skip::Muted)),
            (Push, &mute_over, false, false, Ok(())),
            (Push, &read, true, false, Err(Skip::Read)),
            (Push, &delivered, true, false, Err(Skip::Delivered)),
            (Push, &no_email, false, false, Ok(())),
            // Mail: the default preference is mentions only.
            (Mail, &plain, false, false, Err(Skip::NotMentioned)),
            (Mail, &plain, true, false, Ok(())),
            (Mail, &plain, true, true, Err(Skip::Online)),
            (Mail, &mail_all, false, false, Ok(())),
            (Mail, &mail_never, true, false, Err(Skip::NoMail)),
            (Mail, &no_email, true, false, Err(Skip::NoMail)),
            (Mail, &read, true, false, Err(Skip::Read)),
        ];
        for (row, (channel, member, mentioned, online, expected)) in table.into_iter().enumerate() {
            let facts = Facts {
                channel,
                member,
                last_seq: 5,
                mentioned,
                online,
                now,
            };
            assert_eq!(decide(&facts), expected, "row {row}");
        }
    }
}
