//! Set-up over the REST API: users, and rooms of them.

use crate::Options;
use anyhow::{Context, anyhow};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

const PASSWORD: &str = "loadgen-password";

/// A registered user and their access token.
pub struct Member {
    pub token: String,
    user_id: String,
}

/// A group conversation and its members, its owner first.
pub struct Room {
    pub id: String,
    pub members: Vec<Member>,
}

/// Registers `rooms x members` users under a name prefix of this run, and creates the rooms.
pub async fn populate(base: &str, options: &Options) -> anyhow::Result<Vec<Room>> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.setup_concurrency)
        .build()
        .context("building the HTTP client")?;
    let run = run_tag();
    let total = options.rooms * options.members;
    let mut members: Vec<Member> = stream::iter(0..total)
        .map(|i| register(&http, base, format!("lg{run}_{i}")))
        .buffered(options.setup_concurrency.max(1))
        .try_collect()
        .await?;

    let mut rooms = Vec::with_capacity(options.rooms);
    for r in (0..options.rooms).rev() {
        let room_members = members.split_off(r * options.members);
        rooms.push((r, room_members));
    }
    rooms.reverse();
    stream::iter(rooms)
        .map(|(r, members)| create_room(&http, base, r, members))
        .buffered(options.setup_concurrency.max(1))
        .try_collect()
        .await
}

/// Rooms of the bare baseline server: named, with no accounts behind them.
pub fn baseline_rooms(options: &Options) -> Vec<Room> {
    (0..options.rooms)
        .map(|r| Room {
            id: format!("room-{r}"),
            members: (0..options.members)
                .map(|_| Member {
                    token: String::new(),
                    user_id: String::new(),
                })
                .collect(),
        })
        .collect()
}

/// A short tag that keeps this run's usernames apart from earlier runs'.
fn run_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:08x}", (nanos as u64) & 0xffff_ffff)
}

async fn register(http: &reqwest::Client, base: &str, username: String) -> anyhow::Result<Member> {
    let body = json!({"username": username, "password": PASSWORD});
    let session = post(http, &format!("{base}/api/auth/register"), None, &body).await?;
    Ok(Member {
        token: string_at(&session, &["access_token"])?,
        user_id: string_at(&session, &["user", "id"])?,
    })
}

async fn create_room(
    http: &reqwest::Client,
    base: &str,
    index: usize,
    members: Vec<Member>,
) -> anyhow::Result<Room> {
    let owner = members.first().ok_or_else(|| anyhow!("an empty room"))?;
    let others: Vec<&str> = members[1..].iter().map(|m| m.user_id.as_str()).collect();
    let body = json!({"kind": "group", "name": format!("load {index}"), "member_ids": others});
    let conversation = post(
        http,
        &format!("{base}/api/conversations"),
        Some(&owner.token),
        &body,
    )
    .await?;
    Ok(Room {
        id: string_at(&conversation, &["id"])?,
        members,
    })
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<Value> {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let answer: Value = response
        .json()
        .await
        .with_context(|| format!("POST {url}: reading the answer"))?;
    anyhow::ensure!(status.is_success(), "POST {url}: {status} {answer}");
    Ok(answer)
}

fn string_at(value: &Value, path: &[&str]) -> anyhow::Result<String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no {} in {value}", path.join(".")))
}

/// `ws://host:port` for an `http://host:port` base URL.
pub fn websocket_url(base: &str) -> anyhow::Result<String> {
    base.strip_prefix("http://")
        .map(|rest| format!("ws://{rest}"))
        .ok_or_else(|| anyhow!("the URL must start with http:// (no TLS in the load generator)"))
}
