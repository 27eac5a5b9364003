//! The `palaver-server` binary's library half: wiring the adapters into the use-cases and
//! serving them. Black-box tests start the real server through [`start`].

mod attachment_wiring;
mod error_shape;
pub mod metrics_recorder;
mod notifications;
pub mod telemetry;
mod wiring;

pub use wiring::{Components, build};

use actix_web::App;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use anyhow::Context;
use palaver_application::accounts::PurgeExpiredCredentials;
use palaver_settings::Settings;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// A server accepting connections, and the means to stop it.
pub struct RunningServer {
    pub address: SocketAddr,
    handle: ServerHandle,
    /// How long a graceful stop waits for WebSockets to close and requests to finish.
    shutdown_timeout: Duration,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Stops the server gracefully on SIGINT or SIGTERM ([`Signals::Handle`] only).
    signal_watcher: Option<tokio::task::JoinHandle<()>>,
    /// Deletes expired tokens and dead sessions every [`PURGE_INTERVAL`].
    purger: tokio::task::JoinHandle<()>,
    /// Keeps the metrics recorder's memory bounded between scrapes.
    metrics_upkeep: tokio::task::JoinHandle<()>,
    components: Components,
}

/// How a server learns it should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signals {
    /// SIGINT and SIGTERM stop it gracefully (the binary): new connections are refused and
    /// requests in flight get `server.shutdown_timeout_secs` to finish.
    Handle,
    /// Only [`RunningServer::stop`] does (tests, embedding).
    Ignore,
}

/// Connects, migrates if configured, binds `server.bind` and starts serving.
pub async fn start(settings: &Settings, signals: Signals) -> anyhow::Result<RunningServer> {
    let components = build(settings).await?;
    // Signals are taken over only now: until here Ctrl-C still ends a slow connect or
    // migration the ordinary way.
    let listening = listen(settings, &components, signals);
    let (address, server, shutdown_signals) = match listening {
        Ok(listening) => listening,
        Err(error) => {
            components.close().await;
            return Err(error);
        }
    };
    let handle = server.handle();
    let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout_secs);
    let signal_watcher = shutdown_signals.map(|shutdown_signals| {
        let handle = handle.clone();
        let hub = components.state.hub.clone();
        tokio::spawn(async move {
            let signal = shutdown_signals.recv().await;
            tracing::info!(signal, "stopping gracefully");
            stop_gracefully(&hub, &handle, shutdown_timeout).await;
        })
    });
    tracing::info!(%address, "palaver is serving");
    Ok(RunningServer {
        address,
        handle,
        shutdown_timeout,
        serving: tokio::spawn(server),
        signal_watcher,
        metrics_upkeep: tokio::spawn(metrics_recorder::upkeep_periodically()),
        purger: tokio::spawn(purge_periodically(
            components.purge_expired_credentials.clone(),
        )),
        components,
    })
}

/// Closes every WebSocket (1001) and waits for their tasks to send the close frames and for
/// the presence changes they made to be handled (each user's `last_seen_at` recorded while
/// the database pool is still open), then stops the HTTP server, which lets requests in
/// flight finish. WebSockets run as tasks of their own once upgraded, so the HTTP server's
/// graceful stop does not wait for them.
async fn stop_gracefully(hub: &palaver_web::Hub, handle: &ServerHandle, timeout: Duration) {
    hub.shut_down();
    let closed = async {
        hub.socket_tasks_ended().await;
        hub.presence_settled().await;
    };
    if tokio::time::timeout(timeout, closed).await.is_err() {
        tracing::warn!(
            "WebSockets still closing, or their users' last_seen_at not recorded, at the shutdown timeout"
        );
    }
    handle.stop(true).await;
}

/// How often expired tokens and the sessions they leave behind are deleted.
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Purges at start-up and then every [`PURGE_INTERVAL`]; several nodes doing the same is
/// harmless. A failed purge is logged and tried again next time.
async fn purge_periodically(purge: std::sync::Arc<PurgeExpiredCredentials>) {
    let mut ticks = tokio::time::interval(PURGE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match purge.execute().await {
            Ok(purged) => tracing::debug!(
                sessions = purged.sessions,
                reset_tokens = purged.reset_tokens,
                "expired credentials purged"
            ),
            Err(error) => tracing::warn!(%error, "purging expired credentials failed"),
        }
    }
}

/// Binds the listener, registers the signal handlers if asked to and builds the server,
/// which starts when first polled.
fn listen(
    settings: &Settings,
    components: &Components,
    signals: Signals,
) -> anyhow::Result<(SocketAddr, Server, Option<ShutdownSignals>)> {
    let listener = TcpListener::bind(&settings.server.bind)
        .with_context(|| format!("binding {}", settings.server.bind))?;
    let address = listener.local_addr()?;
    let shutdown_signals = match signals {
        Signals::Handle => Some(ShutdownSignals::register().context("handling signals")?),
        Signals::Ignore => None,
    };
    let state = components.state.clone();
    let operations = palaver_web::Operations {
        metrics: metrics_recorder::endpoint(components.database().clone()),
        cors: palaver_web::CorsPolicy::new(settings.server.cors_origins.as_slice()),
    };
    // actix-server's own handling stops at once on SIGINT; ours stops gracefully on both.
    // The request trace is outermost but for the note that the application owes a response
    // (see error_shape), so that every answer (CORS refusals too) carries X-Request-Id and
    // is counted.
    let options = error_shape::ServerOptions {
        workers: settings.server.workers,
        shutdown_timeout_secs: settings.server.shutdown_timeout_secs,
    };
    let server = error_shape::serve(listener, &options, move || {
        App::new()
            .wrap(from_fn(palaver_web::apply_cors))
            .wrap(from_fn(palaver_web::trace_request))
            .wrap(from_fn(error_shape::note_app_response))
            .configure(palaver_web::operations(operations.clone()))
            .configure(palaver_web::configure(state.clone()))
    })?;
    Ok((address, server, shutdown_signals))
}

/// SIGINT and SIGTERM, registered up front so that one arriving before the watcher task
/// first runs is not lost.
#[cfg(unix)]
struct ShutdownSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl ShutdownSignals {
    fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the first of them and names it.
    async fn recv(mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
struct ShutdownSignals;

#[cfg(not(unix))]
impl ShutdownSignals {
    fn register() -> std::io::Result<Self> {
        Ok(Self)
    }

    /// Waits for Ctrl-C and names it; never returns if it cannot be listened for.
    async fn recv(self) -> &'static str {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C; stop the server another way");
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}

impl RunningServer {
    /// The use-cases and state the server was built from.
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// Serves until a signal (or [`stop`](Self::stop) elsewhere) ends it, then closes the
    /// database pool.
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.serving.await;
        if let Some(signal_watcher) = self.signal_watcher {
            signal_watcher.abort();
        }
        self.purger.abort();
        self.metrics_upkeep.abort();
        self.components.close().await;
        served??;
        tracing::info!("palaver stopped");
        Ok(())
    }

    /// Stops accepting connections, lets requests in flight finish, closes the pool.
    pub async fn stop(self) -> anyhow::Result<()> {
        stop_gracefully(
            &self.components.state.hub,
            &self.handle,
            self.shutdown_timeout,
        )
        .await;
        self.wait().await
    }
}
