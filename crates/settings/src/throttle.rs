//! `[throttle]`: how often logins and password-reset requests may be tried, and which
//! peers are proxies whose `X-Forwarded-For` names the client.

use crate::SettingsError;
use serde::{Deserialize, Deserializer};
use std::net::IpAddr;

/// The longest window accepted: one day, in seconds.
const MAX_WINDOW_SECS: u64 = 86_400;

#[derive(Debug, Clone, Deserialize)]
pub struct ThrottleSettings {
    /// Login attempts per account in each login window.
    pub login_per_account: u64,
    /// Login attempts per client address in each login window.
    pub login_per_address: u64,
    pub login_window_secs: u64,
    /// Password-reset requests per email address in each reset window.
    pub reset_per_email: u64,
    /// Password-reset requests per client address in each reset window.
    pub reset_per_address: u64,
    pub reset_window_secs: u64,
    /// Peers whose `X-Forwarded-For` is believed: a comma-separated list of IP addresses.
    #[serde(deserialize_with = "comma_separated_addresses")]
    pub trusted_proxies: Vec<IpAddr>,
}

impl ThrottleSettings {
    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        for (key, value) in [
            ("throttle.login_per_account", self.login_per_account),
            ("throttle.login_per_address", self.login_per_address),
            ("throttle.reset_per_email", self.reset_per_email),
            ("throttle.reset_per_address", self.reset_per_address),
        ] {
            if value == 0 {
                return Err(SettingsError::Invalid(format!("{key} must be at least 1")));
            }
        }
        for (key, secs) in [
            ("throttle.login_window_secs", self.login_window_secs),
            ("throttle.reset_window_secs", self.reset_window_secs),
        ] {
            if !(1..=MAX_WINDOW_SECS).contains(&secs) {
                return Err(SettingsError::Invalid(format!(
                    "{key} must be 1 to {MAX_WINDOW_SECS} seconds, not {secs}"
                )));
            }
        }
        Ok(())
    }
}

fn comma_separated_addresses<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<IpAddr>, D::Error> {
    let raw = String::deserialize(deserializer)?;
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpAddr>().map_err(|_| {
                serde::de::Error::custom(format!(
                    "throttle.trusted_proxies: {part:?} is not an IP address"
                ))
            })
        })
        .collect()
}
