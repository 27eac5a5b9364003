//! The background task that hands queued mail to the SMTP server.

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use tokio::sync::mpsc;

/// Pauses before the second and the third attempt; there is no fourth.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(200), Duration::from_secs(1)];

pub(crate) struct QueuedMail {
    pub recipient: String,
    pub message: Message,
}

/// Delivers mail one at a time until every sender of `queue` is gone.
pub(crate) async fn deliver_queued_mail(
    transport: AsyncSmtpTransport<Tokio1Executor>,
    mut queue: mpsc::Receiver<QueuedMail>,
) {
    while let Some(mail) = queue.recv().await {
        deliver_with_retries(&transport, &mail).await;
    }
}

async fn deliver_with_retries(transport: &AsyncSmtpTransport<Tokio1Executor>, mail: &QueuedMail) {
    let raw_message = mail.message.formatted();
    let mut retry_delays = RETRY_DELAYS.iter();
    let mut attempt = 1;
    loop {
        let error = match transport
            .send_raw(mail.message.envelope(), &raw_message)
            .await
        {
            Ok(_) => {
                tracing::debug!(recipient = %mail.recipient, attempt, "email delivered");
                return;
            }
            Err(error) => error,
        };
        // A permanent (5xx) refusal will not change by asking again.
        match retry_delays.next() {
            Some(delay) if !error.is_permanent() => {
                tracing::warn!(
                    recipient = %mail.recipient, attempt, %error,
                    "email delivery failed; will retry"
                );
                tokio::time::sleep(*delay).await;
                attempt += 1;
            }
            _ => {
                tracing::error!(
                    recipient = %mail.recipient, attempts = attempt, %error,
                    "email delivery failed; giving up"
                );
                return;
            }
        }
    }
}
