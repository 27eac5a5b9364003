//! Where the server may send pushes (and webhooks): `https://` to public addresses only,
//! unless private targets are allowed (development and test).

use std::net::IpAddr;

/// Why a target URL is refused; the text is for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetRefused(pub &'static str);

/// Checks `raw` and resolves its host: every address it resolves to must be public.
pub async fn check_target(raw: &str, allow_private: bool) -> Result<(), TargetRefused> {
    if raw.len() > 2048 {
        return Err(TargetRefused("must be at most 2048 characters"));
    }
    let url = reqwest::Url::parse(raw).map_err(|_| TargetRefused("must be an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(TargetRefused("must be an https:// URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetRefused("must not carry credentials"));
    }
    let host = url
        .host_str()
        .ok_or(TargetRefused("must name a host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| TargetRefused("its host does not resolve"))?
            .map(|address| address.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(TargetRefused("its host does not resolve"));
    }
    if !allow_private && addresses.iter().any(|ip| !is_public(*ip)) {
        return Err(TargetRefused(
            "must not resolve to a loopback, private or link-local address",
        ));
    }
    Ok(())
}

/// Whether an address is reachable on the public internet (not loopback, private,
/// link-local, unique-local, shared, documentation, unspecified or multicast).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// The target rules as the use-cases' port.
#[derive(Debug, Clone, Copy)]
pub struct TargetRules {
    pub allow_private: bool,
}

#[async_trait::async_trait]
impl palaver_domain::ports::PushTargetPolicy for TargetRules {
    async fn check(&self, endpoint: &str) -> Result<(), String> {
        check_target(endpoint, self.allow_private)
            .await
            .map_err(|refused| refused.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn urls() {
        assert!(check_target("https://8.8.8.8/push/1", false).await.is_ok());
        assert!(check_target("http://8.8.8.8/push/1", false).await.is_err());
        assert!(check_target("https://127.0.0.1/push", false).await.is_err());
        assert!(check_target("https://[::1]/push", false).await.is_err());
        assert!(check_target("http://127.0.0.1:9/push", true).await.is_ok());
        assert!(check_target("ftp://8.8.8.8/x", true).await.is_err());
        assert!(check_target("not a url", true).await.is_err());
        assert!(
            check_target("https://user:pw@8.8.8.8/", false)
                .await
                .is_err()
        );
        assert!(check_target("https://localhost/push", false).await.is_err());
    }
}
