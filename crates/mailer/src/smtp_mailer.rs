use crate::delivery::{QueuedMail, deliver_queued_mail};
use crate::{MailerError, SmtpSettings, SmtpTls};
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, Tokio1Executor};
use palaver_domain::error::BoxError;
use palaver_domain::ports::{Mailer, OutgoingMail};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

const QUEUE_CAPACITY: usize = 1024;

/// Sends mail over SMTP. `send` only queues the mail; a background task delivers it, so
/// callers never wait for the mail server. Mail still queued when the mailer is dropped
/// is delivered only as long as the runtime keeps running.
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    from: Mailbox,
    queue: mpsc::Sender<QueuedMail>,
}

impl SmtpMailer {
    /// Validates the settings and starts the delivery task. Must be called from inside a
    /// tokio runtime; the task runs on that runtime.
    pub fn new(settings: SmtpSettings) -> Result<SmtpMailer, MailerError> {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|source| MailerError::InvalidFrom {
                mailbox: settings.from.clone(),
                source,
            })?;
        let transport = build_transport(settings)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MailerError::NoRuntime)?;
        let (queue, queued) = mpsc::channel(QUEUE_CAPACITY);
        runtime.spawn(deliver_queued_mail(transport, queued));
        Ok(SmtpMailer { from, queue })
    }

    fn build_message(&self, mail: OutgoingMail) -> Result<Message, MailerError> {
        let recipient = mail
            .to
            .as_str()
            .parse::<Address>()
            .map_err(MailerError::InvalidRecipient)?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, recipient))
            .subject(mail.subject);
        let message = match mail.html {
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.body)?,
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.body, html))?,
        };
        Ok(message)
    }
}

fn build_transport(
    settings: SmtpSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailerError> {
    let builder = match settings.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
    };
    let builder = builder
        .port(settings.port)
        .timeout(Some(Duration::from_secs(settings.timeout_secs)));
    let builder = match (settings.username, settings.password) {
        (Some(username), Some(password)) => {
            builder.credentials(Credentials::new(username, password))
        }
        (None, None) => builder,
        _ => return Err(MailerError::IncompleteCredentials),
    };
    Ok(builder.build())
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), BoxError> {
        let recipient = mail.to.as_str().to_owned();
        let message = self.build_message(mail)?;
        let queued = QueuedMail { recipient, message };
        match self.queue.try_send(queued) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(mail)) => {
                tracing::error!(recipient = %mail.recipient, "mail queue is full; email dropped");
                Err(MailerError::QueueFull.into())
            }
            Err(TrySendError::Closed(mail)) => {
                tracing::error!(
                    recipient = %mail.recipient,
                    "mail delivery task has stopped; email dropped"
                );
                Err(MailerError::DeliveryStopped.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SmtpSink;
    use palaver_domain::user::EmailAddress;
    use std::net::SocketAddr;
    use std::time::Instant;
    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};

    const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(5);
    /// Far below any SMTP round trip, far above the cost of queueing.
    const ENQUEUE_BUDGET: Duration = Duration::from_millis(100);

    fn settings_for(addr: SocketAddr) -> SmtpSettings {
        SmtpSettings {
            host: addr.ip().to_string(),
            port: addr.port(),
            username: None,
            password: None,
            tls: SmtpTls::None,
            from: "Palaver <no-reply@example.org>".into(),
            timeout_secs: 5,
        }
    }

    fn mail_to(address: &str, subject: &str, body: &str) -> OutgoingMail {
        OutgoingMail {
            to: EmailAddress::parse(address).unwrap(),
            subject: subject.into(),
            body: body.into(),
            html: None,
        }
    }

    async fn unused_local_addr() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    }

    #[tokio::test]
    async fn delivers_the_mail_to_the_smtp_server() {
        let mut sink = SmtpSink::start().await.unwrap();
        let mailer = SmtpMailer::new(settings_for(sink.addr)).unwrap();
        let body = "Open https://chat.example.org/reset?token=AB12CD\nto choose a new password.";

        mailer
            .send(mail_to("ada@example.org", "Reset your password", body))
            .await
            .unwrap();

        let received = sink
            .next_mail(ARRIVAL_TIMEOUT)
            .await
            .expect("no mail arrived");
        assert_eq!(received.recipients, ["ada@example.org"]);
        assert_eq!(
            received.header("Subject").as_deref(),
            Some("Reset your password")
        );
        assert_eq!(received.header("To").as_deref(), Some("ada@example.org"));
        assert_eq!(
            received.header("From").as_deref(),
            Some("Palaver <no-reply@example.org>")
        );
        assert_eq!(received.text_body().trim_end(), body);
    }

    #[tokio::test]
    async fn delivers_a_non_ascii_body_intact() {
        let mut sink = SmtpSink::start().await.unwrap();
        let mailer = SmtpMailer::new(settings_for(sink.addr)).unwrap();
        let body = "Bonjour Zoë, voici votre lien : https://chat.example.org/reset?token=A=B";

        mailer
            .send(mail_to("zoe@example.org", "Salut", body))
            .await
            .unwrap();

        let received = sink
            .next_mail(ARRIVAL_TIMEOUT)
            .await
            .expect("no mail arrived");
        assert!(received.data.is_ascii(), "{}", received.data);
        assert_eq!(received.text_body().trim_end(), body);
    }

    #[tokio::test]
    async fn send_returns_at_once_when_the_server_is_unreachable() {
        let mailer = SmtpMailer::new(settings_for(unused_local_addr().await)).unwrap();

        let started = Instant::now();
        mailer
            .send(mail_to("ada@example.org", "Hi", "Hello"))
            .await
            .unwrap();

        assert!(
            started.elapsed() < ENQUEUE_BUDGET,
            "took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn send_returns_at_once_when_the_server_never_answers() {
        // Connections complete through the backlog but never get a greeting.
        let silent_server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mailer = SmtpMailer::new(settings_for(silent_server.local_addr().unwrap())).unwrap();

        let started = Instant::now();
        for _ in 0..3 {
            mailer
                .send(mail_to("ada@example.org", "Hi", "Hello"))
                .await
                .unwrap();
        }

        assert!(
            started.elapsed() < ENQUEUE_BUDGET,
            "took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn retries_after_a_transient_failure() {
        let mut sink = SmtpSink::start().await.unwrap();
        let busy_then_forwarding = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = busy_then_forwarding.local_addr().unwrap();
        let sink_addr = sink.addr;
        tokio::spawn(async move {
            let (mut first_client, _) = busy_then_forwarding.accept().await.unwrap();
            first_client
                .write_all(b"421 busy, try later\r\n")
                .await
                .unwrap();
            drop(first_client);
            loop {
                let (mut client, _) = busy_then_forwarding.accept().await.unwrap();
                let mut server = TcpStream::connect(sink_addr).await.unwrap();
                tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        let mailer = SmtpMailer::new(settings_for(front_addr)).unwrap();

        mailer
            .send(mail_to("ada@example.org", "Hi", "Hello"))
            .await
            .unwrap();

        let received = sink
            .next_mail(ARRIVAL_TIMEOUT)
            .await
            .expect("no retry arrived");
        assert_eq!(received.recipients, ["ada@example.org"]);
    }

    #[tokio::test]
    async fn send_refuses_a_recipient_smtp_cannot_carry() {
        let mailer = SmtpMailer::new(settings_for(unused_local_addr().await)).unwrap();

        let result = mailer
            .send(mail_to("ada..lovelace@example.org", "Hi", "Hello"))
            .await;

        let error = result.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(MailerError::InvalidRecipient(_))),
            "{error}"
        );
    }

    #[tokio::test]
    async fn new_refuses_an_invalid_sender() {
        let mut settings = settings_for(unused_local_addr().await);
        settings.from = "Palaver no-reply at example.org".into();

        let result = SmtpMailer::new(settings);

        assert!(
            matches!(result, Err(MailerError::InvalidFrom { .. })),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn new_refuses_a_username_without_a_password() {
        let mut settings = settings_for(unused_local_addr().await);
        settings.username = Some("mailer".into());

        let result = SmtpMailer::new(settings);

        assert!(
            matches!(result, Err(MailerError::IncompleteCredentials)),
            "{result:?}"
        );
    }

    #[test]
    fn new_outside_a_tokio_runtime_is_an_error_not_a_panic() {
        let settings = settings_for("127.0.0.1:25".parse().unwrap());

        let result = SmtpMailer::new(settings);

        assert!(matches!(result, Err(MailerError::NoRuntime)), "{result:?}");
    }
}
