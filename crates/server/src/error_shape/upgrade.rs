//! WebSocket upgrades. The HTTP/1 dispatcher hands every `Upgrade: websocket` request
//! here with the connection itself; the request still goes through the application (the
//! middleware, the route, its authentication) like any other. A `101` that carries a
//! [`WebSocketTakeover`] then gets the bare `TcpStream` once its head is sent, so the
//! WebSocket runs with no HTTP dispatcher, and none of its buffers, in between. Any other
//! answer is sent as it is and the connection closed.

use super::ShapedStream;
use actix_codec::{Encoder, Framed};
use actix_http::body::{BodySize, BoxBody, MessageBody};
use actix_http::h1::{Codec, Message};
use actix_http::{ConnectionType, Request, Response, StatusCode};
use actix_service::{Service, ServiceFactory, fn_factory, fn_service};
use actix_web::Error;
use actix_web::dev::AppConfig;
use palaver_web::WebSocketTakeover;
use std::io;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

type Connection = Framed<ShapedStream<TcpStream>, Codec>;

/// How long one write of an answer may wait for a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// One upgrade service per worker, over an application of its own made by `application`.
pub(super) fn upgrades<F, S, B>(
    application: F,
    config: AppConfig,
) -> impl ServiceFactory<(Request, Connection), Config = (), Response = (), Error = Error, InitError = ()>
where
    F: Fn() -> S + 'static,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    fn_factory(move || {
        let factory = application();
        let config = config.clone();
        async move {
            let service = factory.new_service(config).await.map_err(|error| {
                tracing::error!(
                    ?error,
                    "the application for WebSocket upgrades did not start"
                );
            })?;
            let service = Rc::new(service);
            Ok::<_, ()>(fn_service(move |(request, connection)| {
                let service = service.clone();
                async move {
                    // A client gone mid-answer is not the server's error.
                    if let Err(error) = serve(service, request, connection).await {
                        tracing::debug!(%error, "a WebSocket upgrade ended early");
                    }
                    Ok::<_, Error>(())
                }
            }))
        }
    })
}

async fn serve<S, B>(application: Rc<S>, request: Request, connection: Connection) -> io::Result<()>
where
    S: Service<Request>,
    S::Error: Into<Error>,
    S::Response: Into<Response<B>>,
    B: MessageBody + 'static,
{
    let mut response: Response<BoxBody> = match application.call(request).await {
        Ok(response) => response.into().map_into_boxed_body(),
        Err(error) => error.into().error_response().into(),
    };
    let takeover = if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        response.extensions_mut().remove::<WebSocketTakeover>()
    } else {
        None
    };
    let parts = connection.into_parts();
    let (mut codec, mut io, read_ahead) = (parts.codec, parts.io, parts.read_buf);
    let mut out = parts.write_buf;
    match takeover {
        Some(takeover) => {
            let (head, _) = response.into_parts();
            codec.encode(Message::Item((head, BodySize::None)), &mut out)?;
            write_within(&mut io, &out).await?;
            // The WebSocket runs as a task of its own, so that the dispatcher's task, and
            // everything of the HTTP side, is freed now rather than held per socket.
            actix_web::rt::spawn(takeover.run(io.into_inner(), read_ahead));
        }
        None => {
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            let (head, body) = response.into_parts();
            codec.encode(Message::Item((head, body.size())), &mut out)?;
            // Streamed as the dispatcher would, a chunk at a time: a large body (an
            // attachment asked for with an upgrade header) is never held whole.
            let mut body = std::pin::pin!(body);
            loop {
                write_within(&mut io, &out).await?;
                out.clear();
                match std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
                    Some(Ok(chunk)) => codec.encode(Message::Chunk(Some(chunk)), &mut out)?,
                    Some(Err(error)) => return Err(io::Error::other(error.to_string())),
                    None => {
                        codec.encode(Message::Chunk(None), &mut out)?;
                        write_within(&mut io, &out).await?;
                        break;
                    }
                }
            }
            tokio::time::timeout(WRITE_TIMEOUT, io.shutdown())
                .await
                .map_err(|_| io::ErrorKind::TimedOut)??;
        }
    }
    Ok(())
}

/// Writes and flushes `bytes`, giving up on a client that does not take them in time.
async fn write_within(io: &mut ShapedStream<TcpStream>, bytes: &[u8]) -> io::Result<()> {
    let write = async {
        io.write_all(bytes).await?;
        io.flush().await
    };
    tokio::time::timeout(WRITE_TIMEOUT, write)
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}
