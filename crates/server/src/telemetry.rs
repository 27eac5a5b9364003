use palaver_settings::{LogFormat, LogSettings};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Who the logs are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A serving node: everything the configured filter lets through.
    Server,
    /// An operator's one-off command (`grant-admin` ...): its answer is what matters, so the
    /// migrations it applies on the way are logged only when they go wrong.
    Command,
}

/// Structured logs to stdout. `RUST_LOG`, when set, overrides the configured filter (and
/// the quieting for commands).
pub fn init(settings: &LogSettings, audience: Audience) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(configured_filter(&settings.filter, audience)))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    let installed = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    // A second init (tests starting several servers) keeps the first subscriber.
    drop(installed);
}

fn configured_filter(filter: &str, audience: Audience) -> String {
    match audience {
        Audience::Server => filter.to_owned(),
        Audience::Command if filter.trim().is_empty() => "sea_orm_migration=warn".to_owned(),
        Audience::Command => format!("{filter},sea_orm_migration=warn"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quiet_the_migrations_only() {
        assert_eq!(configured_filter("info", Audience::Server), "info");
        assert_eq!(
            configured_filter("info,palaver=debug", Audience::Command),
            "info,palaver=debug,sea_orm_migration=warn"
        );
        assert_eq!(
            configured_filter("", Audience::Command),
            "sea_orm_migration=warn"
        );
    }
}
