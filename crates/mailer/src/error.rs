use lettre::address::AddressError;

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("invalid sender mailbox {mailbox:?}: {source}")]
    InvalidFrom {
        mailbox: String,
        #[source]
        source: AddressError,
    },
    #[error("SMTP username and password must be given together")]
    IncompleteCredentials,
    #[error("could not set up the SMTP transport: {0}")]
    Transport(#[from] lettre::transport::smtp::Error),
    #[error("the SMTP mailer must be created inside a tokio runtime")]
    NoRuntime,
    #[error("invalid recipient address: {0}")]
    InvalidRecipient(#[source] AddressError),
    #[error("could not build the email: {0}")]
    InvalidMessage(#[from] lettre::error::Error),
    #[error("the mail queue is full")]
    QueueFull,
    #[error("the mail delivery task has stopped")]
    DeliveryStopped,
}
