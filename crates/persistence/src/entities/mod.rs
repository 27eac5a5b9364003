//! Table shapes, one module per table, as sea-orm entities.

pub mod password_reset_tokens;
pub mod refresh_tokens;
pub mod sessions;
pub mod users;
