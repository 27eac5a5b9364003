//! `server.cors_origins`: the browser origins allowed to call the API from another site.

use serde::Deserialize;

/// Exact origins (`scheme://host[:port]`), given as one string separated by commas or
/// whitespace so that `PALAVER__SERVER__CORS_ORIGINS="https://a.example, https://b.example"`
/// works. Empty: same origin only (no cross-origin request is allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CorsOrigins(Vec<String>);

impl CorsOrigins {
    pub fn parse(list: &str) -> Result<Self, String> {
        let origins = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|origin| !origin.is_empty())
            .map(|origin| check_origin(origin).map(|()| origin.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(origins))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<String> for CorsOrigins {
    type Error = String;

    fn try_from(list: String) -> Result<Self, Self::Error> {
        Self::parse(&list)
    }
}

/// An origin is what a browser sends in `Origin`: a scheme, a host and maybe a port, with
/// no path, no trailing slash and no wildcard.
fn check_origin(origin: &str) -> Result<(), String> {
    let invalid = |why: &str| {
        Err(format!(
            "server.cors_origins: {origin:?} is not an origin ({why}); write it as https://host[:port]"
        ))
    };
    let Some((scheme, authority)) = origin.split_once("://") else {
        return invalid("no scheme");
    };
    if scheme != "http" && scheme != "https" {
        return invalid("the scheme must be http or https");
    }
    if authority.is_empty() {
        return invalid("no host");
    }
    if authority.contains(['/', '?', '#', '*', '@']) {
        return invalid("an origin has no path, query, wildcard or user");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_same_origin_only() {
        assert!(CorsOrigins::parse("").unwrap().is_empty());
        assert!(CorsOrigins::parse(" , ").unwrap().is_empty());
    }

    #[test]
    fn origins_are_split_on_commas_and_whitespace() {
        let origins =
            CorsOrigins::parse("https://chat.example.org, http://localhost:3000 https://b.example")
                .unwrap();
        assert_eq!(
            origins.as_slice(),
            [
                "https://chat.example.org",
                "http://localhost:3000",
                "https://b.example"
            ]
        );
    }

    #[test]
    fn anything_but_a_bare_origin_is_refused() {
        for bad in [
            "chat.example.org",
            "ftp://chat.example.org",
            "https://",
            "https://chat.example.org/",
            "https://chat.example.org/app",
            "https://*.example.org",
            "*",
        ] {
            let error = CorsOrigins::parse(bad).unwrap_err();
            assert!(error.contains("server.cors_origins"), "{bad}: {error}");
        }
    }
}
