//! Mailer adapters for the domain's `Mailer` port: `LogMailer`, which only logs mail
//! (the whole of it with `LogMailer::revealing()` in development and tests, never the body
//! with `LogMailer::redacting()` anywhere else), and `SmtpMailer`, which queues mail and
//! delivers it over SMTP in the background.

mod delivery;
mod error;
mod log_mailer;
mod smtp_mailer;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::MailerError;
pub use log_mailer::LogMailer;
pub use smtp_mailer::SmtpMailer;

use std::fmt;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text. Only for a relay on localhost or a trusted network.
    None,
    /// Connect in plain text, then upgrade with STARTTLS (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: SmtpTls,
    /// The sender mailbox, e.g. `Palaver <no-reply@example.org>`.
    pub from: String,
    pub timeout_secs: u64,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_the_password() {
        let settings = SmtpSettings {
            host: "smtp.example.org".into(),
            port: 587,
            username: Some("mailer".into()),
            password: Some("hunter2".into()),
            tls: SmtpTls::StartTls,
            from: "Palaver <no-reply@example.org>".into(),
            timeout_secs: 10,
        };

        let printed = format!("{settings:?}");

        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(printed.contains("smtp.example.org"), "{printed}");
    }
}
