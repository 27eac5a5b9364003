//! The REST calls the bot makes, each with `Authorization: Bot <token>`.

use anyhow::{Context, anyhow, bail};
use reqwest::StatusCode;
use serde_json::Value;

/// Who the bot is, from `GET /api/users/me`.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: String,
    pub username: String,
}

pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("the server URL must start with http:// or https://, not {base:?}");
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Self {
            base,
            token: token.trim().to_owned(),
            http,
        })
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        format!("Bot {}", self.token)
    }

    /// `ws://` or `wss://` address of the gateway.
    pub fn ws_url(&self) -> String {
        let rest = self
            .base
            .strip_prefix("https://")
            .map(|rest| format!("wss://{rest}"))
            .or_else(|| {
                self.base
                    .strip_prefix("http://")
                    .map(|rest| format!("ws://{rest}"))
            })
            .unwrap_or_else(|| self.base.clone());
        format!("{rest}/api/ws")
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("authorization", self.authorization())
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            bail!("GET {path}: 401, the token is not (or no longer) valid");
        }
        if !status.is_success() {
            bail!("GET {path}: {status}");
        }
        Ok(response.json().await?)
    }

    pub async fn me(&self) -> anyhow::Result<Me> {
        let me = self.get("/api/users/me").await?;
        if me["kind"] != "bot" {
            bail!("this token is not a bot's");
        }
        let text = |field: &str| {
            me[field]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("/api/users/me has no {field}"))
        };
        Ok(Me {
            id: text("id")?,
            username: text("username")?,
        })
    }

    /// Every conversation of the bot with its `last_seq`, following `next_cursor`.
    pub async fn conversation_heads(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let mut heads = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/api/conversations?limit=200&cursor={cursor}"),
                None => "/api/conversations?limit=200".to_owned(),
            };
            let page = self.get(&path).await?;
            for conversation in page["items"].as_array().into_iter().flatten() {
                if let (Some(id), Some(last_seq)) = (
                    conversation["id"].as_str(),
                    conversation["last_seq"].as_i64(),
                ) {
                    heads.push((id.to_owned(), last_seq));
                }
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(heads),
            }
        }
    }

    /// `direct`, `group` or `channel`.
    pub async fn conversation_kind(&self, conversation: &str) -> anyhow::Result<String> {
        let found = self
            .get(&format!("/api/conversations/{conversation}"))
            .await?;
        found["kind"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("conversation {conversation} has no kind"))
    }
}
