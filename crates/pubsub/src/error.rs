use thiserror::Error;

/// Why a bus could not be set up or subscribed. URLs in these messages have their
/// credentials replaced by `***`.
#[derive(Debug, Error)]
pub enum BusError {
    #[error("invalid cluster bus namespace {namespace:?}: {reason}")]
    InvalidNamespace {
        namespace: String,
        reason: &'static str,
    },

    #[error("unsupported cluster bus URL scheme {scheme:?} in {url}: use redis:// or nats://")]
    UnsupportedScheme { scheme: String, url: String },

    #[error(
        "{url}: rediss:// (Redis over TLS) is not supported by this build; use redis:// on a \
         trusted network, or NATS"
    )]
    RedisTlsUnsupported { url: String },

    #[error("invalid cluster bus URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("the cluster bus needs a Tokio runtime to run its background tasks")]
    NoRuntime,

    #[error("this cluster bus is already subscribed; subscribe is called once per bus")]
    AlreadySubscribed,

    #[error("cluster bus: {0}")]
    Nats(String),
}
