//! Notifications for people who are offline, fed by the committed events.
//!
//! # Design, and why
//!
//! - **A tap on the committed events.** [`NotificationTap`] wraps the [`Notifier`] the
//!   writers already announce to (the real-time hub): it forwards every notification
//!   unchanged and, for a logged event, drops a copy of the event into a bounded queue
//!   with `try_send`. It never awaits and never blocks, so the send path costs one
//!   channel push more. A full queue only sets a flag: the event is not needed, because ...
//! - **... the event log is the source of truth.** Each consumer of committed events has a
//!   durable cursor per conversation in the database (`event_cursors`). A wake-up brings
//!   the events just committed on this node; the [`Dispatcher`] hands a consumer those
//!   that follow on from its cursor without a gap, and reads the rest from the log (the
//!   same `list_events` the clients' recovery uses, so in seq order): events committed on
//!   another node, or after a dropped wake-up. It moves the cursor with a compare-and-set
//!   UPDATE. A lost wake-up (full queue, a node that died, a restart) is made good by a
//!   scan for conversations whose `last_seq` is beyond the cursor, at start and every
//!   `poll_interval_ms`.
//! - **At least once, idempotent consumers.** A consumer that fails, or a node that dies
//!   between handling a batch and moving the cursor, gets the batch again; the
//!   compare-and-set keeps two nodes from both moving it, and each consumer's writes are
//!   idempotent (the notification pipeline upserts one row per user, conversation and
//!   channel). This is the extension point webhooks use: implement [`EventConsumer`] and
//!   pass it to [`Pipeline::start`].
//! - **Pending notifications live in the database** (`pending_notifications`, due at
//!   message time + `delay_secs`), so a restart loses none. Nodes claim due ones with a
//!   conditional UPDATE that moves them a lease ahead: one node sends each; a node dying
//!   mid-send leaves it to be claimed again when the lease ends.
//! - **The decision is a pure function** ([`decision::decide`]) of what the store knows when
//!   the notification falls due: presence (cluster-wide), read marker, level and mute,
//!   mentions, preferences.
//! - Work runs on the pipeline's own tasks: ingesting events on one, sending on another,
//!   so a slow push service never delays the cursor nor the send path.

pub mod consumer;
pub mod decision;
mod delivery;
pub mod digest;
mod dispatcher;
mod enqueue;
pub mod pipeline;
pub mod push;
mod tap;
pub mod targets;
pub mod unsubscribe;
pub mod webhooks;

pub use consumer::EventConsumer;
pub use dispatcher::Dispatcher;
pub use enqueue::NOTIFICATIONS_CONSUMER;
pub use pipeline::{Pipeline, PipelinePorts, PipelineSettings};
pub use tap::{NotificationTap, Wakeups};

use palaver_domain::ports::Notifier;
