//! `has=attachment` in message search, in one place.
//!
//! Attachments (a table `attachments` with a nullable `message_id`) are built on another
//! branch. Until that table is in the schema no message has an attachment, so the
//! condition is false. Once it is, this becomes
//! `EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = {alias}.id)`; nothing else
//! changes.

/// The SQL condition "the message aliased `alias` has at least one attachment".
pub fn has_attachment(_alias: &str) -> &'static str {
    "1 = 0"
}
