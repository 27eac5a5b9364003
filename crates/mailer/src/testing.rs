//! A throwaway SMTP server for tests: it accepts every message and hands it to the test.
//! It speaks just enough SMTP for lettre: no TLS, no authentication.

mod received_mail;
mod transfer_decoding;

pub use received_mail::ReceivedMail;

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Listens on `addr` (127.0.0.1, a free port) until dropped.
#[derive(Debug)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    received: mpsc::UnboundedReceiver<ReceivedMail>,
    accept_loop: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (deliver, received) = mpsc::unbounded_channel();
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_connection(stream, deliver.clone()));
            }
        });
        Ok(SmtpSink {
            addr,
            received,
            accept_loop,
        })
    }

    /// The next message received, or `None` if none arrives within `timeout`.
    pub async fn next_mail(&mut self, timeout: Duration) -> Option<ReceivedMail> {
        tokio::time::timeout(timeout, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Serves one client until it quits or disconnects. I/O errors just end the session.
async fn serve_connection(stream: TcpStream, deliver: mpsc::UnboundedSender<ReceivedMail>) {
    let _ = run_session(stream, deliver).await;
}

async fn run_session(
    stream: TcpStream,
    deliver: mpsc::UnboundedSender<ReceivedMail>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut recipients = Vec::new();
    writer.write_all(b"220 palaver-smtp-sink ready\r\n").await?;
    while let Some(line) = read_line(&mut reader).await? {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-palaver-smtp-sink\r\n250 HELP\r\n",
            "MAIL" | "RSET" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                recipients.push(recipient_of(&line));
                b"250 OK\r\n"
            }
            "DATA" => {
                writer
                    .write_all(b"354 end data with <CRLF>.<CRLF>\r\n")
                    .await?;
                let data = read_data(&mut reader).await?;
                let mail = ReceivedMail {
                    recipients: std::mem::take(&mut recipients),
                    data,
                };
                let _ = deliver.send(mail);
                b"250 OK queued\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
    Ok(())
}

/// One line without its line ending; `None` at end of stream.
async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line).await? == 0 {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&line);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// The message text up to the lone `.`, with lines joined by CRLF and dot-stuffing undone.
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut lines = Vec::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        if line == "." {
            return Ok(lines.join("\r\n"));
        }
        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
        lines.push(unstuffed.to_owned());
    }
}

/// `RCPT TO:<ada@example.org> PARAM=1` → `ada@example.org`.
fn recipient_of(command: &str) -> String {
    let path = command
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .trim_start();
    let path = path.split_whitespace().next().unwrap_or_default();
    path.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}
