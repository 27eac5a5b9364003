//! Palaver's configuration, in layers: the `config/default.toml` compiled into the binary
//! (so the binaries run from any directory), then `default.toml` and `$PALAVER_ENV.toml`
//! from the config directory (`PALAVER_CONFIG_DIR`, else `config`) when present, then
//! `PALAVER__SECTION__KEY` environment variables.

mod attachments;
mod cors;
mod environment;
mod notifications;
mod throttle;

pub use attachments::{AttachmentSettings, StorageSettings};
pub use cors::CorsOrigins;
pub use environment::Environment;
pub use notifications::{NotificationSettings, WebhookSettings};
pub use throttle::ThrottleSettings;

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// The JWT secret shipped in `config/default.toml`. Refused in production by
/// [`Settings::check_ready_to_serve`].
pub const DEVELOPMENT_JWT_SECRET: &str = "palaver-development-secret-do-not-use-in-production";
const MIN_PRODUCTION_SECRET_BYTES: usize = 32;
/// The longest lifetime accepted for a token or reset link: ten years, in seconds.
const MAX_TTL_SECS: u64 = 315_360_000;
const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub limits: LimitSettings,
    pub throttle: ThrottleSettings,
    pub log: LogSettings,
    pub pubsub: PubSubSettings,
    pub realtime: RealtimeSettings,
    pub storage: StorageSettings,
    pub attachments: AttachmentSettings,
    pub notifications: NotificationSettings,
    pub webhooks: WebhookSettings,
    /// `PALAVER_ENV`, not read from the files.
    #[serde(skip)]
    pub environment: Environment,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub shutdown_timeout_secs: u64,
    /// Origins allowed to call the API from a browser on another site.
    pub cors_origins: CorsOrigins,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub migrate_on_start: bool,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: Secret,
    pub bcrypt_cost: u32,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    pub password_reset_ttl_secs: u64,
    pub password_reset_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Log,
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub from: String,
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsMode {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Secret,
    pub tls: SmtpTlsMode,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LimitSettings {
    /// Messages a user may send per second on average; at least 1.
    pub sends_per_second: u32,
    /// Messages a user may send at once; at least 1.
    pub send_burst: u32,
    /// Messages a bot may send per second on average; at least 1. Bots have limits of
    /// their own, apart from people's.
    pub bot_sends_per_second: u32,
    /// Messages a bot may send at once; at least 1.
    pub bot_send_burst: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PubSubSettings {
    /// May carry a password, like the database URL.
    pub url: Secret,
    /// Prefixes the bus's channel or subject, so that several clusters can share one
    /// Redis or NATS server.
    pub namespace: String,
}

/// The WebSocket gateway and the hub behind it.
#[derive(Debug, Clone, Deserialize)]
pub struct RealtimeSettings {
    /// How often the server pings each connection; one that answers nothing for two
    /// intervals is closed.
    pub heartbeat_interval_ms: u64,
    /// Frames queued for one connection before it counts as too slow and is closed (1008).
    pub outbound_queue: usize,
    /// The largest frame a client may send, in bytes; a larger one closes with 1009.
    pub max_frame_bytes: usize,
    /// How long a `typing` lasts without renewal.
    pub typing_timeout_ms: u64,
    /// How often each node tells the others who is connected to it; a node not heard from
    /// for three intervals counts as gone, and its users as offline.
    pub presence_heartbeat_ms: u64,
}

/// A string that is never printed: database URLs carry passwords, secrets are secrets.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration could not be read: {0}")]
    Load(#[from] config::ConfigError),
    #[error(
        "PALAVER_ENV=production needs PALAVER__AUTH__JWT_SECRET set to a secret of your own of at least {MIN_PRODUCTION_SECRET_BYTES} bytes; refusing to start with the development secret"
    )]
    DevelopmentSecretInProduction,
    #[error(
        "PALAVER__AUTH__JWT_SECRET is {length} bytes long; production needs at least {MIN_PRODUCTION_SECRET_BYTES} (e.g. `openssl rand -base64 48`)"
    )]
    SecretTooShort { length: usize },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Where the layers come from. `Settings::load` reads the process's own environment.
#[derive(Debug, Clone)]
pub struct Sources {
    pub environment: String,
    pub config_dir: PathBuf,
    /// `(key, value)` pairs in `PALAVER__SECTION__KEY` form.
    pub variables: Vec<(String, String)>,
}

impl Sources {
    pub fn from_process() -> Self {
        Self {
            environment: std::env::var("PALAVER_ENV").unwrap_or_else(|_| "development".into()),
            config_dir: std::env::var_os("PALAVER_CONFIG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("config")),
            variables: std::env::vars()
                .filter(|(key, _)| key.starts_with("PALAVER__"))
                .collect(),
        }
    }
}

impl Settings {
    pub fn load() -> Result<Self, SettingsError> {
        Self::load_from(Sources::from_process())
    }

    pub fn load_from(sources: Sources) -> Result<Self, SettingsError> {
        let environment = Environment::parse(&sources.environment)?;
        let default_file = sources.config_dir.join("default.toml");
        let env_file = sources.config_dir.join(environment.as_str());
        let variables = sources
            .variables
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>();
        let config = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::from(default_file).required(false))
            .add_source(config::File::from(env_file).required(false))
            .add_source(
                config::Environment::with_prefix("PALAVER")
                    .prefix_separator("__")
                    .separator("__")
                    .source(Some(variables)),
            )
            .build()?;
        let mut settings: Settings = config.try_deserialize()?;
        settings.environment = environment;
        settings.validate()?;
        Ok(settings)
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// The checks for a process that serves or changes a live deployment, on top of those
    /// every load makes: in production the JWT secret must be one of your own, of at least
    /// 32 bytes. Tools that never touch tokens (migrations) skip it.
    pub fn check_ready_to_serve(&self) -> Result<(), SettingsError> {
        let secret = self.auth.jwt_secret.expose();
        if !self.is_production() {
            return Ok(());
        }
        if secret == DEVELOPMENT_JWT_SECRET {
            return Err(SettingsError::DevelopmentSecretInProduction);
        }
        if secret.len() < MIN_PRODUCTION_SECRET_BYTES {
            return Err(SettingsError::SecretTooShort {
                length: secret.len(),
            });
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let secret = self.auth.jwt_secret.expose();
        if secret.is_empty() {
            return Err(SettingsError::Invalid(
                "auth.jwt_secret must not be empty".into(),
            ));
        }
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            return Err(SettingsError::Invalid(
                "auth.bcrypt_cost must be 4 to 31".into(),
            ));
        }
        for (key, secs) in [
            ("auth.access_ttl_secs", self.auth.access_ttl_secs),
            ("auth.refresh_ttl_secs", self.auth.refresh_ttl_secs),
            (
                "auth.password_reset_ttl_secs",
                self.auth.password_reset_ttl_secs,
            ),
        ] {
            if !(1..=MAX_TTL_SECS).contains(&secs) {
                return Err(SettingsError::Invalid(format!(
                    "{key} must be 1 to {MAX_TTL_SECS} seconds (ten years), not {secs}"
                )));
            }
        }
        if self.limits.sends_per_second == 0 || self.limits.send_burst == 0 {
            return Err(SettingsError::Invalid(
                "limits.sends_per_second and limits.send_burst must be at least 1".into(),
            ));
        }
        if self.limits.bot_sends_per_second == 0 || self.limits.bot_send_burst == 0 {
            return Err(SettingsError::Invalid(
                "limits.bot_sends_per_second and limits.bot_send_burst must be at least 1".into(),
            ));
        }
        let realtime = &self.realtime;
        for (key, value) in [
            (
                "realtime.heartbeat_interval_ms",
                realtime.heartbeat_interval_ms,
            ),
            ("realtime.typing_timeout_ms", realtime.typing_timeout_ms),
            (
                "realtime.presence_heartbeat_ms",
                realtime.presence_heartbeat_ms,
            ),
        ] {
            if !(10..=3_600_000).contains(&value) {
                return Err(SettingsError::Invalid(format!(
                    "{key} must be 10 to 3600000 milliseconds, not {value}"
                )));
            }
        }
        if realtime.outbound_queue == 0 || realtime.max_frame_bytes < 1024 {
            return Err(SettingsError::Invalid(
                "realtime.outbound_queue must be at least 1 and realtime.max_frame_bytes at least 1024".into(),
            ));
        }
        self.throttle.validate()?;
        self.attachments.validate()?;
        if self.database.max_connections == 0 {
            return Err(SettingsError::Invalid(
                "database.max_connections must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(environment: &str, variables: &[(&str, &str)]) -> Sources {
        Sources {
            environment: environment.into(),
            config_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config")),
            variables: variables
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The compiled-in defaults alone: no config directory to add to them.
    fn built_in_only() -> Sources {
        Sources {
            config_dir: PathBuf::from("/nonexistent/palaver-config"),
            ..sources("development", &[])
        }
    }

    #[test]
    fn throttle_limits_and_trusted_proxies_are_read_and_checked() {
        let defaults = Settings::load_from(built_in_only()).unwrap();
        assert_eq!(defaults.throttle.login_per_account, 10);
        assert!(defaults.throttle.trusted_proxies.is_empty());
        let proxies = Settings::load_from(sources(
            "development",
            &[("PALAVER__THROTTLE__TRUSTED_PROXIES", "10.0.0.1, ::1")],
        ))
        .unwrap();
        assert_eq!(
            proxies.throttle.trusted_proxies,
            [
                "10.0.0.1".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        for (key, value) in [
            ("PALAVER__THROTTLE__TRUSTED_PROXIES", "10.0.0.0/8"),
            ("PALAVER__THROTTLE__LOGIN_PER_ACCOUNT", "0"),
            ("PALAVER__THROTTLE__RESET_WINDOW_SECS", "0"),
            ("PALAVER__THROTTLE__LOGIN_WINDOW_SECS", "999999"),
        ] {
            assert!(
                Settings::load_from(sources("development", &[(key, value)])).is_err(),
                "{key}={value}"
            );
        }
    }

    #[test]
    fn defaults_match_the_contract() {
        let settings = Settings::load_from(built_in_only()).unwrap();
        assert_eq!(settings.server.bind, "127.0.0.1:8080");
        assert!(settings.database.url.expose().starts_with("sqlite://data/"));
        assert!(settings.database.migrate_on_start);
        assert_eq!(settings.auth.bcrypt_cost, 12);
        assert_eq!(settings.auth.access_ttl_secs, 900);
        assert_eq!(settings.mail.transport, MailTransport::Log);
        assert!(settings.pubsub.url.expose().is_empty());
    }

    #[test]
    fn the_environment_file_and_variables_override_in_that_order() {
        let settings = Settings::load_from(sources(
            "test",
            &[
                ("PALAVER__SERVER__BIND", "0.0.0.0:9999"),
                ("PALAVER__AUTH__ACCESS_TTL_SECS", "60"),
                ("PALAVER__DATABASE__MIGRATE_ON_START", "false"),
            ],
        ))
        .unwrap();
        assert_eq!(settings.auth.bcrypt_cost, 4, "from config/test.toml");
        assert_eq!(settings.server.bind, "0.0.0.0:9999");
        assert_eq!(settings.auth.access_ttl_secs, 60);
        assert!(!settings.database.migrate_on_start);
    }

    #[test]
    fn cors_origins_come_from_one_variable_and_bad_ones_stop_the_load() {
        assert!(
            Settings::load_from(sources("test", &[]))
                .unwrap()
                .server
                .cors_origins
                .is_empty()
        );
        let settings = Settings::load_from(sources(
            "test",
            &[(
                "PALAVER__SERVER__CORS_ORIGINS",
                "https://chat.example.org,http://localhost:3000",
            )],
        ))
        .unwrap();
        assert_eq!(
            settings.server.cors_origins.as_slice(),
            ["https://chat.example.org", "http://localhost:3000"]
        );
        let error = Settings::load_from(sources(
            "test",
            &[("PALAVER__SERVER__CORS_ORIGINS", "https://chat.example.org/")],
        ))
        .unwrap_err();
        assert!(error.to_string().contains("cors_origins"), "{error}");
    }

    #[test]
    fn production_loads_with_the_development_secret_but_refuses_to_serve_with_it() {
        // Loading succeeds: palaver-migrate reads the same settings and needs no secret.
        let development = Settings::load_from(sources("production", &[])).unwrap();
        assert!(development.is_production());
        assert_eq!(development.auth.jwt_secret.expose(), DEVELOPMENT_JWT_SECRET);
        assert!(matches!(
            development.check_ready_to_serve(),
            Err(SettingsError::DevelopmentSecretInProduction)
        ));

        let short = Settings::load_from(sources(
            "production",
            &[("PALAVER__AUTH__JWT_SECRET", "short")],
        ))
        .unwrap();
        let refused = short.check_ready_to_serve();
        assert!(
            matches!(refused, Err(SettingsError::SecretTooShort { length: 5 })),
            "{refused:?}"
        );
        let message = refused.unwrap_err().to_string();
        assert!(
            message.contains("5 bytes") && !message.contains("development"),
            "{message}"
        );

        // Any spelling of production is production; a typo is no environment at all.
        let shouting = Settings::load_from(sources("PRODUCTION", &[])).unwrap();
        assert!(shouting.check_ready_to_serve().is_err());
        assert!(Settings::load_from(sources("prodcution", &[])).is_err());

        let own = "a-real-production-secret-with-enough-bytes";
        let ok = Settings::load_from(sources("production", &[("PALAVER__AUTH__JWT_SECRET", own)]))
            .unwrap();
        assert!(ok.is_production());
        ok.check_ready_to_serve().unwrap();
    }

    #[test]
    fn outside_production_the_development_secret_may_serve() {
        let settings = Settings::load_from(sources("development", &[])).unwrap();
        settings.check_ready_to_serve().unwrap();
    }

    /// A config directory of its own under the system temp dir, removed on drop.
    struct TempConfigDir(PathBuf);

    impl TempConfigDir {
        fn with_default_toml(contents: &str) -> Self {
            static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let unique = format!(
                "palaver-settings-test-{}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            let dir = std::env::temp_dir().join(unique);
            std::fs::create_dir(&dir).unwrap();
            let dir = Self(dir);
            std::fs::write(dir.0.join("default.toml"), contents).unwrap();
            dir
        }
    }

    impl Drop for TempConfigDir {
        fn drop(&mut self) {
            std::fs::remove_dir_all(&self.0).ok();
        }
    }

    #[test]
    fn the_config_dirs_default_toml_overrides_the_built_in_defaults() {
        let dir = TempConfigDir::with_default_toml("[server]\nbind = \"127.0.0.1:9\"\n");
        let settings = Settings::load_from(Sources {
            environment: "development".into(),
            config_dir: dir.0.clone(),
            variables: Vec::new(),
        })
        .unwrap();
        assert_eq!(settings.server.bind, "127.0.0.1:9");
        assert_eq!(
            settings.auth.access_ttl_secs, 900,
            "the rest stays built in"
        );
    }

    #[test]
    fn variables_are_not_reinterpreted_but_still_convert_where_typed() {
        let settings = Settings::load_from(sources(
            "test",
            &[
                ("PALAVER__AUTH__JWT_SECRET", "007123"),
                ("PALAVER__AUTH__ACCESS_TTL_SECS", "60"),
                ("PALAVER__DATABASE__MIGRATE_ON_START", "false"),
            ],
        ))
        .unwrap();
        assert_eq!(settings.auth.jwt_secret.expose(), "007123");
        assert_eq!(settings.auth.access_ttl_secs, 60);
        assert!(!settings.database.migrate_on_start);
    }

    #[test]
    fn lifetimes_are_bounded() {
        for key in [
            "ACCESS_TTL_SECS",
            "REFRESH_TTL_SECS",
            "PASSWORD_RESET_TTL_SECS",
        ] {
            let variable = format!("PALAVER__AUTH__{key}");
            let name = format!("auth.{}", key.to_lowercase());
            for bad in ["0", "315360001", "18446744073709551615"] {
                let error = Settings::load_from(sources("test", &[(&variable, bad)])).unwrap_err();
                match error {
                    SettingsError::Invalid(message) => {
                        assert!(message.contains(&name), "{message}")
                    }
                    other => panic!("{variable}={bad}: {other:?}"),
                }
            }
            for good in ["1", "315360000"] {
                let settings = Settings::load_from(sources("test", &[(&variable, good)])).unwrap();
                let value = match key {
                    "ACCESS_TTL_SECS" => settings.auth.access_ttl_secs,
                    "REFRESH_TTL_SECS" => settings.auth.refresh_ttl_secs,
                    _ => settings.auth.password_reset_ttl_secs,
                };
                assert_eq!(value.to_string(), good);
            }
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let settings = Settings::load_from(sources("test", &[])).unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains(DEVELOPMENT_JWT_SECRET));
        assert!(!printed.contains("sqlite://"));
    }

    #[test]
    fn send_limits_must_let_something_through() {
        for key in [
            "PALAVER__LIMITS__SENDS_PER_SECOND",
            "PALAVER__LIMITS__SEND_BURST",
            "PALAVER__LIMITS__BOT_SENDS_PER_SECOND",
            "PALAVER__LIMITS__BOT_SEND_BURST",
        ] {
            assert!(
                Settings::load_from(sources("test", &[(key, "0")])).is_err(),
                "{key}"
            );
        }
        let defaults = Settings::load_from(built_in_only()).unwrap();
        assert_eq!(
            (defaults.limits.sends_per_second, defaults.limits.send_burst),
            (10, 30)
        );
        assert_eq!(
            (
                defaults.limits.bot_sends_per_second,
                defaults.limits.bot_send_burst
            ),
            (5, 20)
        );
    }

    #[test]
    fn nonsense_values_are_refused() {
        assert!(
            Settings::load_from(sources("test", &[("PALAVER__AUTH__BCRYPT_COST", "2")])).is_err()
        );
        assert!(
            Settings::load_from(sources("test", &[("PALAVER__MAIL__TRANSPORT", "pigeon")]))
                .is_err()
        );
    }
}
