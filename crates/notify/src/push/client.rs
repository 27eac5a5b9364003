//! Sends one encrypted push to one subscription and says what the push service answered.

use super::vapid::VapidKeys;
use palaver_domain::error::BoxError;
use palaver_domain::notification::PushSubscription;
use reqwest::StatusCode;
use std::time::Duration;

/// What became of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    Delivered,
    /// 404 or 410: the subscription is gone and must be removed.
    Gone,
    /// 429 or 5xx (or the service could not be reached): try again, after the service's
    /// `Retry-After` when it sent one.
    Retry(Option<Duration>),
    /// Any other answer: the push is dropped.
    Rejected(u16),
}

/// Speaks RFC 8030 to push services over the workspace's rustls.
pub struct WebPushClient {
    http: reqwest::Client,
    keys: VapidKeys,
    subject: String,
    ttl_secs: u64,
}

impl WebPushClient {
    pub fn new(keys: VapidKeys, subject: String, ttl_secs: u64) -> Result<Self, BoxError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            // A push service never redirects; following one could reach a private address.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            keys,
            subject,
            ttl_secs,
        })
    }

    pub fn keys(&self) -> &VapidKeys {
        &self.keys
    }

    /// Encrypts `payload` for the subscription and POSTs it.
    pub async fn send(
        &self,
        subscription: &PushSubscription,
        payload: &[u8],
        urgent: bool,
    ) -> Result<PushOutcome, BoxError> {
        let url = reqwest::Url::parse(&subscription.endpoint)?;
        let origin = url.origin().ascii_serialization();
        let public = p256::PublicKey::from_sec1_bytes(&subscription.keys.p256dh)?;
        let auth: [u8; 16] = subscription.keys.auth.as_slice().try_into()?;
        let auth = web_push_native::Auth::from(auth);
        let body = web_push_native::encrypt(payload.to_vec(), &public, &auth)
            .map_err(|error| error.to_string())?;
        let sent = self
            .http
            .post(url)
            .header("TTL", self.ttl_secs.to_string())
            .header("Urgency", if urgent { "high" } else { "normal" })
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header(
                "Authorization",
                self.keys.authorization(&origin, &self.subject)?,
            )
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(%error, "push service unreachable");
                return Ok(PushOutcome::Retry(None));
            }
        };
        let status = response.status();
        Ok(match status {
            s if s.is_success() => PushOutcome::Delivered,
            StatusCode::NOT_FOUND | StatusCode::GONE => PushOutcome::Gone,
            s if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => {
                PushOutcome::Retry(retry_after(response.headers()))
            }
            s => PushOutcome::Rejected(s.as_u16()),
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from push services and ignored).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
