//! Security adapters: bcrypt password hashing, HS256 JWT access tokens, random secrets,
//! per-user send rate limits, in-memory attempt counters and the system clock.

mod bcrypt_hasher;
mod jwt_issuer;
mod memory_attempts;
mod random_secrets;
mod send_limiter;
mod system_clock;

pub use bcrypt_hasher::BcryptHasher;
pub use jwt_issuer::JwtIssuer;
pub use memory_attempts::MemoryAttemptCounter;
pub use random_secrets::RandomSecrets;
pub use send_limiter::{GovernorSendLimiter, SendLimitsByKind};
pub use system_clock::SystemClock;
