//! POSTs the stored deliveries that are due, one per webhook and conversation at a time.

use super::schedule::RetrySchedule;
use super::signature::{SIGNATURE_HEADER, signature};
use crate::targets::check_target;
use chrono::{Duration, Utc};
use futures_util::future::join_all;
use palaver_domain::error::BoxError;
use palaver_domain::notification::{AttemptOutcome, DueDelivery, WebhookAttempt};
use palaver_domain::ports::WebhookRepository;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Deliveries claimed per round (each the head of its webhook and conversation, so they
/// are sent side by side).
const CLAIM_BATCH: u64 = 50;
/// The longest `Retry-After` taken as it is (a day); the schedule caps it further.
const MAX_ASKED_SECS: i64 = 86_400;
/// Longest error text kept in the log.
const ERROR_CHARS: usize = 300;

#[derive(Debug, Clone)]
pub struct WebhookSenderSettings {
    pub schedule: RetrySchedule,
    /// Failed attempts in a row that disable a webhook (0: never).
    pub disable_after: u32,
    pub timeout: std::time::Duration,
    pub allow_private_targets: bool,
    /// How often it looks for due retries and for deliveries stored by other nodes.
    pub poll_interval: std::time::Duration,
    /// How long delivered and given-up deliveries stay in the log.
    pub keep_finished: Duration,
}

/// How often the log is cleared of finished deliveries older than `keep_finished`.
const FORGET_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct WebhookSender {
    webhooks: Arc<dyn WebhookRepository>,
    http: reqwest::Client,
    settings: WebhookSenderSettings,
}

impl WebhookSender {
    pub fn new(
        webhooks: Arc<dyn WebhookRepository>,
        settings: WebhookSenderSettings,
    ) -> Result<Self, BoxError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            // A redirect could lead to an address the target rules refuse.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Palaver-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            webhooks,
            http,
            settings,
        })
    }

    /// Runs until aborted: a round when told that deliveries were stored, and every poll.
    pub fn spawn(self, stored: Arc<Notify>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_forgotten: Option<Instant> = None;
            loop {
                if last_forgotten.is_none_or(|at| at.elapsed() >= FORGET_EVERY) {
                    self.forget_finished().await;
                    last_forgotten = Some(Instant::now());
                }
                self.run_once().await;
                tokio::select! {
                    () = stored.notified() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        })
    }

    /// Sends everything due now. After a round that delivered something the next events
    /// of those conversations are due at once, so it goes on until a round sends nothing.
    pub async fn run_once(&self) {
        loop {
            let now = Utc::now();
            let lease = Duration::from_std(self.settings.timeout).unwrap_or(Duration::MAX)
                + Duration::seconds(30);
            let claimed = match self.webhooks.claim_due(now, now + lease, CLAIM_BATCH).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "claiming due webhook deliveries failed");
                    return;
                }
            };
            if claimed.is_empty() {
                return;
            }
            let delivered = join_all(claimed.into_iter().map(|due| self.attempt(due)))
                .await
                .into_iter()
                .filter(|delivered| *delivered)
                .count();
            if delivered == 0 {
                return;
            }
        }
    }

    /// Clears the log of what finished longer than `keep_finished` ago.
    async fn forget_finished(&self) {
        match self
            .webhooks
            .forget_finished(Utc::now() - self.settings.keep_finished)
            .await
        {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "old webhook deliveries deleted"),
            Err(error) => tracing::warn!(%error, "deleting old webhook deliveries failed"),
        }
    }

    /// One attempt at one delivery, recorded; whether it was delivered.
    async fn attempt(&self, due: DueDelivery) -> bool {
        let started = Instant::now();
        let attempted_at = Utc::now();
        let (status, error, asked) = match self.post(&due).await {
            Ok((status, _)) if (200..300).contains(&status) => (Some(status), None, None),
            Ok((status, asked)) => (
                Some(status),
                Some(format!("the receiver answered {status}")),
                asked,
            ),
            Err(error) => (None, Some(cut(&error.to_string())), None),
        };
        let attempt = WebhookAttempt {
            delivery_id: due.delivery.id,
            attempted_at,
            status,
            error,
            duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        };
        let delivered = attempt.succeeded();
        let outcome = if delivered {
            AttemptOutcome::Delivered
        } else {
            self.settings.schedule.after_failure(
                due.delivery.attempts + 1,
                due.delivery.created_at,
                Utc::now(),
                asked,
            )
        };
        let label = match outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::RetryAt(_) => "retry",
            AttemptOutcome::GiveUp => "given_up",
        };
        metrics::counter!("palaver_webhook_deliveries_total", "outcome" => label).increment(1);
        match self
            .webhooks
            .record_attempt(
                &due.delivery,
                &attempt,
                outcome,
                self.settings.disable_after,
            )
            .await
        {
            Ok(true) => tracing::warn!(webhook_id = %due.delivery.webhook_id,
                "webhook disabled after repeated failures"),
            Ok(false) => {}
            // The lease runs out and the delivery is tried again: at least once.
            Err(error) => tracing::warn!(%error, delivery_id = %due.delivery.id,
                "recording a webhook attempt failed"),
        }
        delivered
    }

    /// The receiver's status and its `Retry-After`, if any.
    async fn post(&self, due: &DueDelivery) -> Result<(u16, Option<Duration>), BoxError> {
        // Checked again at every send: a name may resolve elsewhere than when it was
        // registered.
        check_target(&due.url, self.settings.allow_private_targets)
            .await
            .map_err(|why| format!("the URL was refused: it {why}"))?;
        let body = due.delivery.body.as_bytes().to_vec();
        let response = self
            .http
            .post(&due.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&due.secret, &body))
            .header("X-Palaver-Delivery", due.delivery.id.to_string())
            .header("X-Palaver-Event", &due.delivery.event_type)
            .body(body)
            .send()
            .await?;
        let asked = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(retry_after);
        Ok((response.status().as_u16(), asked))
    }
}

/// A `Retry-After` in seconds, however large or small a receiver sends it.
fn retry_after(value: &str) -> Option<Duration> {
    let secs = value.trim().parse::<i64>().ok()?;
    Duration::try_seconds(secs.clamp(0, MAX_ASKED_SECS))
}

fn cut(text: &str) -> String {
    text.chars().take(ERROR_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_retry_after_is_a_bounded_wait() {
        assert_eq!(retry_after("120"), Some(Duration::seconds(120)));
        assert_eq!(retry_after(" 0 "), Some(Duration::zero()));
        assert_eq!(retry_after("-5"), Some(Duration::zero()));
        assert_eq!(
            retry_after("99999999999999999"),
            Some(Duration::seconds(MAX_ASKED_SECS))
        );
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
