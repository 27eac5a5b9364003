use palaver_settings::{LogFormat, LogSettings};
use std::io::IsTerminal;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

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
        LogFormat::Json => tracing::subscriber::set_global_default(
            builder
                .json()
                .flatten_event(true)
                .finish()
                .with(QuietParserRefusals),
        ),
        LogFormat::Pretty => {
            tracing::subscriber::set_global_default(builder.finish().with(QuietParserRefusals))
        }
    };
    // A second init (tests starting several servers) keeps the first subscriber.
    drop(installed);
}

/// Drops actix-http's ERROR line for a request head it could not parse ("stream error:
/// request parse error: ..."): that is the client's mistake, already answered 400 or 431 in
/// the error shape, and anyone can fill an ERROR log with it. Its other errors (a failing
/// response body, an I/O error) stay.
struct QuietParserRefusals;

const DISPATCHER_TARGET: &str = "actix_http::h1::dispatcher";

impl<S: Subscriber> Layer<S> for QuietParserRefusals {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let metadata = event.metadata();
        if metadata.target() != DISPATCHER_TARGET || *metadata.level() != Level::ERROR {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        !is_parser_refusal(&message.0)
    }
}

fn is_parser_refusal(message: &str) -> bool {
    message.starts_with("stream error: request parse error")
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
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
    fn only_the_parsers_refusals_are_dropped() {
        assert!(is_parser_refusal(
            "stream error: request parse error: invalid Header provided"
        ));
        assert!(!is_parser_refusal("stream error: I/O error: broken pipe"));
        assert!(!is_parser_refusal("Response payload stream error: boom"));
    }

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
