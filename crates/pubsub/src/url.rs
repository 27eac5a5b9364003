//! Which adapter a URL asks for, and how to show a URL without its credentials.

use crate::error::BusError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Redis,
    Nats,
}

impl Scheme {
    /// The adapter for `url`, judged by its scheme. A NATS URL may list several servers,
    /// comma-separated, each `nats://`.
    pub(crate) fn of(url: &str) -> Result<Self, BusError> {
        let scheme = scheme_of(url)?;
        match scheme.as_str() {
            "redis" => Ok(Scheme::Redis),
            "rediss" => Err(BusError::RedisTlsUnsupported { url: redact(url) }),
            "nats" => Ok(Scheme::Nats),
            _ => Err(BusError::UnsupportedScheme {
                scheme,
                url: redact(url),
            }),
        }
    }
}

/// The lower-cased scheme of `url` (the part before `://`).
pub(crate) fn scheme_of(url: &str) -> Result<String, BusError> {
    match url.trim().split_once("://") {
        Some((scheme, _)) if !scheme.is_empty() => Ok(scheme.to_ascii_lowercase()),
        _ => Err(BusError::InvalidUrl {
            url: redact(url),
            reason: "expected a URL such as redis://127.0.0.1:6379 or nats://127.0.0.1:4222"
                .to_owned(),
        }),
    }
}

/// `url` fit for a log line or an error message: any `user:password@` becomes `***@`, in
/// each server of a comma-separated list.
pub(crate) fn redact(url: &str) -> String {
    url.split(',').map(redact_one).collect::<Vec<_>>().join(",")
}

fn redact_one(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("***{}", &authority[at..]),
        None => authority.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_adapter_by_scheme() {
        assert_eq!(Scheme::of("redis://127.0.0.1:6379").unwrap(), Scheme::Redis);
        assert_eq!(Scheme::of("REDIS://h/2").unwrap(), Scheme::Redis);
        assert_eq!(Scheme::of("nats://127.0.0.1:4222").unwrap(), Scheme::Nats);
        assert_eq!(
            Scheme::of("nats://a:4222,nats://b:4222").unwrap(),
            Scheme::Nats
        );
    }

    #[test]
    fn refuses_tls_redis_unknown_schemes_and_non_urls() {
        assert!(matches!(
            Scheme::of("rediss://:pw@h:6380"),
            Err(BusError::RedisTlsUnsupported { url }) if url == "rediss://***@h:6380"
        ));
        assert!(matches!(
            Scheme::of("http://h"),
            Err(BusError::UnsupportedScheme { scheme, .. }) if scheme == "http"
        ));
        for not_a_url in ["", "127.0.0.1:6379", "://h"] {
            assert!(
                matches!(Scheme::of(not_a_url), Err(BusError::InvalidUrl { .. })),
                "{not_a_url:?}"
            );
        }
    }

    #[test]
    fn redaction_hides_credentials_only() {
        assert_eq!(
            redact("redis://127.0.0.1:6379/1"),
            "redis://127.0.0.1:6379/1"
        );
        assert_eq!(
            redact("redis://user:s3cret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://:p@ss@host"), "redis://***@host");
        assert_eq!(
            redact("nats://a:b@one:4222,nats://two:4222"),
            "nats://***@one:4222,nats://two:4222"
        );
        assert_eq!(redact("tok@host"), "***@host");
    }
}
