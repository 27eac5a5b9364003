//! A TCP proxy in front of a real server, to play one that is down (connections are closed
//! as soon as they are accepted) or one whose connections all break at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    /// The server's URL with the proxy's address in place of the server's.
    pub url: String,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    accepting: JoinHandle<()>,
}

impl Proxy {
    /// A proxy for the server of `url` (`scheme://[userinfo@]host:port[/…]`).
    pub async fn start(url: &str, up: bool) -> Proxy {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (&authority[..=at], &authority[at + 1..]),
            None => ("", authority),
        };
        let target: SocketAddr = tokio::net::lookup_host(host_port)
            .await
            .unwrap()
            .next()
            .unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(up));
        let (cut, _) = watch::channel(0u64);
        let accepting = tokio::spawn(accept(listener, target, up.clone(), cut.clone()));
        Proxy {
            url: format!("{scheme}://{userinfo}{address}{tail}"),
            up,
            cut,
            accepting,
        }
    }

    /// Down: every connection open now is broken, and new ones are closed at once.
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut_connections();
        }
    }

    /// Breaks every connection open now; new ones go through.
    pub fn cut_connections(&self) {
        self.cut.send_modify(|generation| *generation += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut_connections();
    }
}

async fn accept(
    listener: TcpListener,
    target: SocketAddr,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        if !up.load(Ordering::SeqCst) {
            continue; // dropping `inbound` closes it
        }
        let mut cut = cut.subscribe();
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect(target).await else {
                return;
            };
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                _ = cut.changed() => {}
            }
        });
    }
}
