//! `GET /api/ws`: authenticates, upgrades, and hands the socket to a connection task.

use super::connection::Connection;
use super::frame_guard::FrameSizeGuard;
use super::outbound::outbound;
use crate::error::ApiError;
use crate::extract::{Credential, authenticate, credential};
use crate::state::AppState;
use actix_web::body::{BodyStream, MessageBody};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::Stream;
use palaver_application::AuthFailure;
use serde::Deserialize;
use std::pin::Pin;

#[derive(Debug, Deserialize)]
pub(crate) struct UpgradeQuery {
    access_token: Option<String>,
}

/// Browsers cannot set headers on a WebSocket, so the token may come in the query instead.
/// Bots send `Authorization: Bot <token>`. A bad token is answered with 401 before the
/// upgrade.
pub(crate) async fn upgrade(
    request: HttpRequest,
    body: web::Payload,
    query: web::Query<UpgradeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let credential = match (credential(&request), query.into_inner().access_token) {
        (Ok(credential), _) => credential,
        (Err(AuthFailure::MissingToken), Some(token)) => Credential::Bearer(token),
        (Err(failure), _) => return Err(failure.into()),
    };
    let actor = authenticate(&state, &credential).await?;
    let limit = state.gateway.max_frame_bytes;
    // Frames declared over the limit are refused as their header arrives (1009).
    let guarded: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(FrameSizeGuard::new(body, limit));
    let body = web::Payload::from_request(&request, &mut Payload::Stream { payload: guarded })
        .await
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    // actix-ws reads the socket; the frames going out skip its session channel and are
    // encoded straight into the response body (see `outbound`).
    let (_, _, stream) = actix_ws::handle(&request, body)
        .map_err(|error| ApiError::bad_request(format!("expected a WebSocket upgrade: {error}")))?;
    let (outbound, outbound_body) = outbound();
    let response = actix_http::ws::handshake(request.head())
        .map_err(|error| ApiError::bad_request(format!("expected a WebSocket upgrade: {error}")))?
        .message_body(BodyStream::new(outbound_body).boxed())
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    let registration = state.hub.register(&actor);
    // A logout between the check above and the registration would have found no socket
    // to close: check once more now that the hub knows this one.
    if let Err(error) = authenticate(&state, &credential).await {
        state.hub.unregister(actor.user_id, registration.id);
        return Err(error.into());
    }
    let span = tracing::info_span!(
        "ws",
        user_id = %actor.user_id.as_uuid(),
        session_id = %actor.session_id.as_uuid(),
        connection = registration.id,
    );
    let connection = Connection::new(state.get_ref().clone(), actor, outbound, registration);
    actix_web::rt::spawn(tracing::Instrument::instrument(
        connection.run(stream),
        span,
    ));
    Ok(response.into())
}
