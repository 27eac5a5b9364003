//! Where a request comes from, for throttling by address. `X-Forwarded-For` is believed
//! only from a configured trusted proxy: anyone else could write any address into it.

use actix_web::HttpRequest;
use std::net::IpAddr;

/// The client's address: the peer's own, unless the peer is a trusted proxy; then the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy (each proxy
/// appends the address it heard from, so entries further left are the client's claims).
pub fn client_address(request: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .collect();
    Some(resolve(peer, &forwarded, trusted_proxies))
}

fn resolve(peer: IpAddr, forwarded: &[&str], trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&canonical(peer)) {
        return peer;
    }
    let mut client = peer;
    let hops = forwarded.iter().flat_map(|value| value.split(',')).rev();
    for hop in hops {
        match hop.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(&canonical(address)) {
                    break;
                }
            }
            // An entry that is no address ends what can be believed.
            Err(_) => break,
        }
    }
    client
}

/// IPv4 addresses seen as IPv6 (`::ffff:10.0.0.1`) compare as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        let cases: [(&str, &[&str], &str); 7] = [
            // No proxy configured for this peer: the header is the client's own claim.
            ("203.0.113.9", &["1.2.3.4"], "203.0.113.9"),
            // One trusted proxy: the address it heard from.
            ("10.0.0.1", &["198.51.100.7"], "198.51.100.7"),
            // A client that forged an entry: the proxy appended the real one last.
            ("10.0.0.1", &["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
            // Two trusted proxies in a row, across two header lines.
            ("10.0.0.1", &["198.51.100.7", "10.0.0.2"], "198.51.100.7"),
            // A trusted proxy with no header: the proxy itself.
            ("10.0.0.1", &[], "10.0.0.1"),
            // Garbage ends the chain at the last good address.
            ("10.0.0.1", &["198.51.100.7, nonsense"], "10.0.0.1"),
            ("::ffff:10.0.0.1", &["2001:db8::5"], "2001:db8::5"),
        ];
        for (peer, forwarded, expected) in cases {
            assert_eq!(
                resolve(ip(peer), forwarded, &trusted),
                ip(expected),
                "{peer} {forwarded:?}"
            );
        }
    }
}
