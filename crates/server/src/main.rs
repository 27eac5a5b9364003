//! `palaver-server`: serves the API, or runs an operator command against its database.

use anyhow::Context;
use clap::{Parser, Subcommand};
use palaver_domain::user::{Role, Username};
use palaver_server::{Signals, build, start, telemetry};
use palaver_settings::Settings;

/// Frames are allocated on one thread and freed on others; glibc's malloc spent about 15 %
/// of the send path's core on that (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "palaver-server", version, about = "Palaver's chat server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Give a user the global admin role (how the first admin is made).
    GrantAdmin { username: String },
    /// Take the global admin role away from a user.
    RevokeAdmin { username: String },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    let settings = Settings::load().context("loading configuration")?;
    let audience = match command {
        Command::Serve => telemetry::Audience::Server,
        _ => telemetry::Audience::Command,
    };
    telemetry::init(&settings.log, audience);
    // Every command serves or changes a live deployment, so each needs a production-grade
    // JWT secret (palaver-migrate never handles tokens and does not ask for one).
    settings
        .check_ready_to_serve()
        .context("checking the configuration")?;
    match command {
        Command::Serve => start(&settings, Signals::Handle).await?.wait().await,
        Command::GrantAdmin { username } => set_role(&settings, &username, Role::Admin).await,
        Command::RevokeAdmin { username } => set_role(&settings, &username, Role::User).await,
    }
}

async fn set_role(settings: &Settings, username: &str, role: Role) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("{e}"))?;
    let components = build(settings).await?;
    let result = components.set_global_role.execute(&username, role).await;
    components.close().await;
    let user = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} ({}) now has the role {}",
        user.username,
        user.id,
        user.role.as_str()
    );
    Ok(())
}
