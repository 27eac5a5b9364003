//! The `palaver-server` binary's library half: wiring the adapters into the use-cases and
//! serving them. Black-box tests start the real server through [`start`].

pub mod telemetry;
mod wiring;

pub use wiring::{Components, build};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use anyhow::Context;
use palaver_settings::Settings;
use std::net::{SocketAddr, TcpListener};

/// A server accepting connections, and the means to stop it.
pub struct RunningServer {
    pub address: SocketAddr,
    handle: ServerHandle,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    components: Components,
}

/// How a server learns it should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signals {
    /// SIGINT and SIGTERM stop it gracefully (the binary).
    Handle,
    /// Only [`RunningServer::stop`] does (tests, embedding).
    Ignore,
}

/// Connects, migrates if configured, binds `server.bind` and starts serving.
pub async fn start(settings: &Settings, signals: Signals) -> anyhow::Result<RunningServer> {
    let components = build(settings).await?;
    let listener = TcpListener::bind(&settings.server.bind)
        .with_context(|| format!("binding {}", settings.server.bind))?;
    let address = listener.local_addr()?;
    let state = components.state.clone();
    let mut server =
        HttpServer::new(move || App::new().configure(palaver_web::configure(state.clone())))
            .listen(listener)?
            .shutdown_timeout(settings.server.shutdown_timeout_secs);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    if signals == Signals::Ignore {
        server = server.disable_signals();
    }
    let server = server.run();
    let handle = server.handle();
    tracing::info!(%address, "palaver is serving");
    Ok(RunningServer {
        address,
        handle,
        serving: tokio::spawn(server),
        components,
    })
}

impl RunningServer {
    /// The use-cases and state the server was built from.
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// Serves until a signal (or [`stop`](Self::stop) elsewhere) ends it, then closes the
    /// database pool.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.serving.await??;
        self.components.close().await;
        tracing::info!("palaver stopped");
        Ok(())
    }

    /// Stops accepting connections, lets requests in flight finish, closes the pool.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.handle.stop(true).await;
        self.wait().await
    }
}
