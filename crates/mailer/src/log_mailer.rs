use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{Mailer, OutgoingMail};

/// Writes every mail to the log instead of sending it. The development default: reset
/// links show up in the server output.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), BoxError> {
        tracing::info!(
            to = %mail.to,
            subject = %mail.subject,
            body = %mail.body,
            "email not sent: the log mailer only logs it"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::user::EmailAddress;

    #[tokio::test]
    async fn logging_a_mail_succeeds() {
        let mail = OutgoingMail {
            to: EmailAddress::parse("ada@example.org").unwrap(),
            subject: "Hello".into(),
            body: "Hi Ada".into(),
        };

        LogMailer.send(mail).await.unwrap();
    }
}
