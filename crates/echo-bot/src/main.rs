//! `palaver-echo-bot`: an example bot for Palaver that uses only the public API.
//!
//! It reads its token and the server's address from the command line or the environment,
//! connects to `GET /api/ws` with `Authorization: Bot <token>`, and answers every message
//! that mentions it (`@its-username`), and every message in its direct conversations, with
//! an echo. It keeps the last `seq` it saw of each conversation; after a dropped
//! connection (or a restart, with `--state-file`) it sends `sync` with those cursors, so
//! messages sent meanwhile are answered too, each once.

mod api;
mod cursors;
mod mention;
mod session;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(version, about = "An example Palaver bot that echoes what it is told")]
struct Args {
    /// The server's base URL (http:// or https://).
    #[arg(long, env = "PALAVER_URL", default_value = "http://127.0.0.1:8080")]
    server_url: String,
    /// The bot's token, from `POST /api/bots`. Prefer the environment variable: command
    /// lines are visible to other users of the machine.
    #[arg(long, env = "PALAVER_BOT_TOKEN", hide_env_values = true)]
    token: String,
    /// Where to keep the last seq seen of each conversation, so that a restarted bot
    /// catches up on what it missed. Without it the bot starts from the present.
    #[arg(long, env = "PALAVER_BOT_STATE_FILE")]
    state_file: Option<PathBuf>,
}

/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let api = api::Api::new(&args.server_url, &args.token)?;
    let me = api
        .me()
        .await
        .context("asking the server who this bot is")?;
    eprintln!(
        "palaver-echo-bot: signed in as @{} ({})",
        me.username, me.id
    );
    let mut cursors = match &args.state_file {
        Some(path) => cursors::Cursors::load(path)?,
        None => cursors::Cursors::in_memory(),
    };
    if cursors.is_empty() {
        // A first start answers from now on, not the whole history.
        for (conversation, last_seq) in api.conversation_heads().await? {
            cursors.advance(&conversation, last_seq);
        }
        cursors.save()?;
    }
    let mut backoff = Duration::from_millis(250);
    loop {
        match session::run(&api, &me, &mut cursors).await {
            Ok(session::Ended::Revoked) => {
                anyhow::bail!("the bot's token was revoked or the bot was deleted");
            }
            Ok(session::Ended::Dropped) => {
                eprintln!("palaver-echo-bot: connection dropped; reconnecting");
                backoff = Duration::from_millis(250);
            }
            Err(error) => {
                eprintln!("palaver-echo-bot: {error:#}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
