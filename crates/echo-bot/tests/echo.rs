//! The example bot, black-box: the real server, a bot created over the API, the
//! `palaver-echo-bot` binary run as a child process, and a person talking to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, TestServer, WsClient};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Long enough for a child process to start and connect on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// The bot process, killed when the test is done with it.
struct BotProcess(Child);

impl BotProcess {
    fn start(server: &TestServer, token: &str, state_file: &Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_palaver-echo-bot"))
            .env("PALAVER_URL", &server.base_url)
            .env("PALAVER_BOT_TOKEN", token)
            .arg("--state-file")
            .arg(state_file)
            .stdout(Stdio::null())
            .spawn()
            .expect("starting palaver-echo-bot");
        Self(child)
    }

    fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_until_online(server: &TestServer, viewer: &Account, user_id: &str, online: bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let reply = server
            .get("/api/users/online", Some(&viewer.access_token))
            .await;
        let listed = reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == user_id);
        if listed == online {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not go {} in time",
            if online { "online" } else { "offline" }
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The bot's messages that reach `client` until one echoes `original`, which it returns;
/// every bot message on the way is collected too.
async fn echo_of(client: &mut WsClient, original: &Value) -> (Value, Vec<Value>) {
    let mut from_bot = Vec::new();
    loop {
        let frame = client.next_of("message.created").await;
        let message = frame["message"].clone();
        if message["sender_kind"] != "bot" {
            continue;
        }
        from_bot.push(message.clone());
        if message["reply_to_id"] == original["id"] {
            return (message, from_bot);
        }
    }
}

fn state_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("palaver-echo-bot-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("cursors.json")
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn the_echo_bot_answers_mentions_and_direct_messages_and_catches_up_after_a_restart() {
    let server =
        TestServer::start_with(&[("PALAVER__REALTIME__HEARTBEAT_INTERVAL_MS", "20000")]).await;
    let root = server.register("root").await;
    server.grant_admin(&root).await;
    let created = server
        .post(
            "/api/bots",
            Some(&root.access_token),
            json!({ "username": "echo-bot", "name": "Echo" }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let bot_id = created.body["bot"]["id"].as_str().unwrap().to_owned();
    let token = created.body["token"].as_str().unwrap().to_owned();

    let ada = server.register("ada").await;
    let group = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "group", "name": "bots welcome", "member_ids": [bot_id] }),
        )
        .await;
    assert_eq!(group.status, 201, "{:?}", group.body);
    let group = group.body["id"].as_str().unwrap().to_owned();
    let direct = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "direct", "member_ids": [bot_id] }),
        )
        .await;
    assert_eq!(direct.status, 201, "{:?}", direct.body);
    let direct = direct.body["id"].as_str().unwrap().to_owned();
    // Said before the bot ever ran: it starts from the present, so this stays unanswered.
    server.send(&ada, &group, "@echo-bot too early", None).await;

    let cursors = state_file();
    let bot = BotProcess::start(&server, &token, &cursors);
    wait_until_online(&server, &ada, &bot_id, true).await;
    let mut ada_ws = server.connect(&ada).await;

    // In a group, only a mention is answered.
    let chatter = server.send(&ada, &group, "hello everyone", None).await;
    assert_eq!(chatter.status, 201);
    let ping = server.send(&ada, &group, "@echo-bot ping", None).await.body;
    let (echo, from_bot) = echo_of(&mut ada_ws, &ping).await;
    assert_eq!(echo["content"], "echo: @echo-bot ping");
    assert_eq!(echo["conversation_id"], group.as_str());
    assert_eq!(echo["sender_id"], bot_id.as_str());
    assert_eq!(
        from_bot.len(),
        1,
        "only the mention is answered: {from_bot:?}"
    );

    // In a direct conversation, everything is.
    let hi = server.send(&ada, &direct, "just us", None).await.body;
    let (echo, _) = echo_of(&mut ada_ws, &hi).await;
    assert_eq!(echo["content"], "echo: just us");
    assert_eq!(echo["conversation_id"], direct.as_str());

    // Stopped, the bot misses a mention; started again, it syncs from its cursors and
    // answers that one, and nothing it answered before.
    bot.stop();
    wait_until_online(&server, &ada, &bot_id, false).await;
    let missed = server
        .send(&ada, &group, "are you there, @Echo-Bot?", None)
        .await
        .body;
    let _bot = BotProcess::start(&server, &token, &cursors);
    let (echo, from_bot) = echo_of(&mut ada_ws, &missed).await;
    assert_eq!(echo["content"], "echo: are you there, @Echo-Bot?");
    assert_eq!(from_bot.len(), 1, "{from_bot:?}");

    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
        )
        .await;
    let echoes: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender_kind"] == "bot")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        echoes,
        ["echo: @echo-bot ping", "echo: are you there, @Echo-Bot?"]
    );
    std::fs::remove_dir_all(cursors.parent().unwrap()).ok();
}
