//! The WebSocket gateway, black-box: every frame type, every error, and the delivery
//! guarantees, against a real server with a fresh database.

mod basics;
