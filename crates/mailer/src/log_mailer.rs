use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{Mailer, OutgoingMail};

/// Writes mail to the log instead of sending it (`mail.transport = "log"`).
///
/// Mail bodies carry secrets such as password-reset tokens, so whether the body is logged
/// is a choice every caller must make; there is deliberately no `Default`:
///
/// - [`LogMailer::revealing`], for development and tests, logs recipient, subject and body
///   at INFO, so reset links show up in the server output.
/// - [`LogMailer::redacting`], for anything else, logs a warning naming the recipient and the
///   subject of the mail that was not delivered, and never the body: anyone who can read the
///   logs of such a server could otherwise take over accounts.
#[derive(Debug, Clone, Copy)]
pub struct LogMailer {
    reveal_body: bool,
}

impl LogMailer {
    /// Logs whole mails, body included, at INFO. For development and tests only.
    pub fn revealing() -> Self {
        Self { reveal_body: true }
    }

    /// Warns that a mail was not delivered, naming its recipient and subject but never its
    /// body.
    pub fn redacting() -> Self {
        Self { reveal_body: false }
    }
}

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), BoxError> {
        if self.reveal_body {
            tracing::info!(
                to = %mail.to,
                subject = %mail.subject,
                body = %mail.body,
                "email not sent: the log mailer only logs it"
            );
        } else {
            tracing::warn!(
                to = %mail.to,
                subject = %mail.subject,
                "email not delivered because mail.transport is \"log\"; its body is withheld"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::user::EmailAddress;
    use std::io;
    use std::sync::{Arc, Mutex};

    const SECRET_BODY: &str = "Open https://chat.example.org/reset?token=S3CR3T-T0K3N";

    fn reset_mail() -> OutgoingMail {
        OutgoingMail {
            to: EmailAddress::parse("ada@example.org").unwrap(),
            subject: "Reset your password".into(),
            body: SECRET_BODY.into(),
            html: None,
        }
    }

    /// A log sink that keeps everything written to it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// Sends `mail` through `mailer` and returns the result and everything logged meanwhile,
    /// at every level.
    async fn send_capturing_logs(
        mailer: LogMailer,
        mail: OutgoingMail,
    ) -> (Result<(), BoxError>, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // Single-threaded test runtime: the thread-local default covers the whole send.
        let result = {
            let _guard = tracing::subscriber::set_default(subscriber);
            mailer.send(mail).await
        };
        (result, captured.text())
    }

    #[tokio::test]
    async fn revealing_logs_the_whole_mail_at_info() {
        let (result, logs) = send_capturing_logs(LogMailer::revealing(), reset_mail()).await;

        result.unwrap();
        assert!(logs.contains("INFO"), "{logs}");
        assert!(logs.contains("ada@example.org"), "{logs}");
        assert!(logs.contains("Reset your password"), "{logs}");
        assert!(logs.contains(SECRET_BODY), "{logs}");
    }

    #[tokio::test]
    async fn redacting_warns_of_the_undelivered_mail_without_its_body() {
        let (result, logs) = send_capturing_logs(LogMailer::redacting(), reset_mail()).await;

        result.unwrap();
        assert!(logs.contains("WARN"), "{logs}");
        assert!(logs.contains("ada@example.org"), "{logs}");
        assert!(logs.contains("Reset your password"), "{logs}");
        assert!(logs.contains(r#"mail.transport is "log""#), "{logs}");
        assert!(!logs.contains("S3CR3T"), "{logs}");
        assert!(!logs.contains("reset?token"), "{logs}");
    }

    #[tokio::test]
    async fn both_constructors_accept_mail_without_a_subscriber() {
        LogMailer::revealing().send(reset_mail()).await.unwrap();
        LogMailer::redacting().send(reset_mail()).await.unwrap();
    }
}
