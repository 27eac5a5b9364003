//! `palaver-migrate`: applies, reverts and reports schema migrations against the
//! configured database (or `--database-url`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use palaver_migrations::{ConnectSettings, Migrator, MigratorTrait, connect};
use palaver_settings::Settings;
use sea_orm_migration::MigrationStatus;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "palaver-migrate", about = "Manage Palaver's database schema")]
struct Cli {
    /// Overrides the configured database (PALAVER__DATABASE__URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations (all, or the next N).
    Up {
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Revert applied migrations (the last one, or the last N).
    Down {
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied.
    Status,
    /// Drop every table, then apply all migrations.
    Fresh,
    /// Revert all applied migrations, then apply them all again.
    Refresh,
    /// Revert all applied migrations.
    Reset,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load().context("loading configuration")?;
    let url = cli
        .database_url
        .unwrap_or_else(|| settings.database.url.expose().to_owned());
    let db = connect(&ConnectSettings {
        url,
        max_connections: 1,
        min_connections: 1,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs),
    })
    .await
    .context("connecting to the database")?;

    match cli.command {
        Command::Up { steps } => Migrator::up(&db, steps).await?,
        Command::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        Command::Fresh => Migrator::fresh(&db).await?,
        Command::Refresh => Migrator::refresh(&db).await?,
        Command::Reset => Migrator::reset(&db).await?,
        Command::Status => {}
    }
    print_status(&db).await
}

async fn print_status(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let migrations = Migrator::get_migration_with_status(db).await?;
    for migration in &migrations {
        println!("{:<8} {}", migration.status().to_string(), migration.name());
    }
    let pending = migrations
        .iter()
        .filter(|m| matches!(m.status(), MigrationStatus::Pending))
        .count();
    println!("{} migrations, {pending} pending", migrations.len());
    Ok(())
}
