//! `has=attachment` in message search, in one place.

/// The SQL condition "the message aliased `alias` has at least one attachment that is not
/// deleted".
pub fn has_attachment(alias: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = {alias}.id \
         AND a.deleted_at IS NULL)"
    )
}
