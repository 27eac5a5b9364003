//! The HTTP server, built from actix-server and actix-http's HTTP/1 service rather than
//! actix-web's `HttpServer`, so that each connection is a [`ShapedStream`]: the answers the
//! HTTP/1 dispatcher gives by itself (a request head too large, malformed or too slow) carry
//! the contract's error body like every other error.
//!
//! WebSocket upgrades go to [`upgrade`], which gives an accepted WebSocket the bare socket.
//!
//! Everything else is as `HttpServer` sets it up: the same time limits, the graceful
//! shutdown signal (idle keep-alive connections close at once), `TCP_NODELAY`, one
//! application per worker.

mod responses;
mod stream;
mod upgrade;

#[cfg(test)]
mod tests;

pub use responses::AppResponses;
pub use stream::ShapedStream;

use actix_http::{HttpService, Request, Response};
use actix_service::{
    IntoServiceFactory, ServiceFactory, ServiceFactoryExt, fn_service, map_config,
};
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, Service, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;
use tokio::net::TcpStream;

/// How the server runs; the rest is actix-web's defaults.
pub struct ServerOptions {
    /// 0: one per CPU.
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
}

/// actix-web's `HttpServer` default: how long a closing connection may take to shut down.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves the applications `factory` makes (one per worker) on `listener`; signals are left
/// to the caller. The server starts when first polled.
pub fn serve<F, I, S, B>(
    listener: TcpListener,
    options: &ServerOptions,
    factory: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let address: SocketAddr = listener.local_addr()?;
    let mut builder = actix_server::Server::build()
        .shutdown_timeout(options.shutdown_timeout_secs)
        .disable_signals();
    if options.workers > 0 {
        builder = builder.workers(options.workers);
    }
    let shutdown_signal = builder.graceful_shutdown_signal();
    let server = builder.listen("palaver-http", listener, move || {
        let shutdown_signal = shutdown_signal.clone();
        let application = factory()
            .into_factory()
            .map_err(|error| error.into().error_response());
        let app_config = move || AppConfig::__priv_test_new(false, address.to_string(), address);
        let upgrades = upgrade::upgrades(
            {
                let factory = factory.clone();
                move || factory().into_factory()
            },
            app_config(),
        );
        let http = HttpService::<ShapedStream<TcpStream>, _, _>::build()
            .graceful_shutdown_signal(move || {
                let signal = shutdown_signal.clone();
                async move { signal.notified().await }
            })
            .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
            .local_addr(address)
            .on_connect_ext(|stream: &ShapedStream<TcpStream>, data| {
                data.insert(stream.app_responses());
            })
            .upgrade(upgrades)
            .h1(map_config(application, move |()| app_config()));
        fn_service(|stream: TcpStream| async move {
            // Small frames (an ack, a live event) go out at once rather than waiting for the
            // client's next packet (Nagle's algorithm with delayed ACKs).
            let _ = stream.set_nodelay(true);
            let peer = stream.peer_addr().ok();
            Ok((ShapedStream::new(stream), peer))
        })
        .and_then(http)
    })?;
    Ok(server.run())
}

/// The outermost middleware: notes on the connection that the application owes a response,
/// so that it is never mistaken for one the dispatcher wrote.
pub async fn note_app_response(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    if let Some(responses) = request.request().conn_data::<AppResponses>() {
        responses.expect(request.method() == actix_web::http::Method::HEAD);
    }
    next.call(request).await
}
