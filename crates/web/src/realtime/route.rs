//! `GET /api/ws`: authenticates and answers `101`; the connection itself runs once the
//! server hands over the socket (see [`WebSocketTakeover`]).

use super::connection::Connection;
use super::socket::Socket;
use crate::error::ApiError;
use crate::extract::{Credential, authenticate, credential};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use palaver_application::AuthFailure;
use palaver_domain::auth::Actor;
use palaver_realtime::{Registration, SocketTask};
use serde::Deserialize;
use tokio::net::TcpStream;
use tracing::Instrument;

#[derive(Debug, Deserialize)]
pub(crate) struct UpgradeQuery {
    access_token: Option<String>,
}

/// A WebSocket accepted by `GET /api/ws`, waiting for its socket. It rides in the `101`
/// response's extensions; the HTTP server (`palaver-server`'s upgrade service) sends the
/// response head, takes the TCP socket back from the HTTP/1 dispatcher and calls
/// [`run`](Self::run), so that no HTTP machinery (nor its buffers) stays in between.
///
/// Dropped without running (the client left before the `101` went out), it leaves the hub
/// (its [`SocketTask`] does).
pub struct WebSocketTakeover {
    accepted: (web::Data<AppState>, Actor, Registration, SocketTask),
    span: tracing::Span,
}

impl WebSocketTakeover {
    /// Serves the WebSocket on `socket` until it closes. `read_ahead`: whatever the HTTP
    /// server read past the request head.
    pub async fn run(self, socket: TcpStream, read_ahead: BytesMut) {
        let (state, actor, registration, task) = self.accepted;
        let socket = Socket::new(socket, read_ahead, state.gateway.max_frame_bytes);
        let connection = Connection::new(state, actor, registration, socket, task);
        connection.run().instrument(self.span).await;
    }
}

/// Browsers cannot set headers on a WebSocket, so the token may come in the query instead.
/// Bots send `Authorization: Bot <token>`. A bad token is answered with 401 before the
/// upgrade.
pub(crate) async fn upgrade(
    request: HttpRequest,
    query: web::Query<UpgradeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let credential = match (credential(&request), query.into_inner().access_token) {
        (Ok(credential), _) => credential,
        (Err(AuthFailure::MissingToken), Some(token)) => Credential::Bearer(token),
        (Err(failure), _) => return Err(failure.into()),
    };
    let actor = authenticate(&state, &credential).await?;
    let mut handshake = actix_http::ws::handshake(request.head())
        .map_err(|error| ApiError::bad_request(format!("expected a WebSocket upgrade: {error}")))?;
    let mut response = HttpResponse::from(handshake.finish().map_into_boxed_body());
    let registration = state.hub.register(&actor);
    // Leaves the hub when dropped, whenever that is from here on.
    let task = state.hub.socket_task(actor.user_id, registration.id);
    // A logout between the check above and the registration would have found no socket
    // to close: check once more now that the hub knows this one.
    authenticate(&state, &credential).await?;
    let span = tracing::info_span!(
        "ws",
        user_id = %actor.user_id.as_uuid(),
        session_id = %actor.session_id.as_uuid(),
        connection = registration.id,
    );
    response.extensions_mut().insert(WebSocketTakeover {
        accepted: (state.clone(), actor, registration, task),
        span,
    });
    Ok(response)
}
