//! Notifications for people who are offline: Web Push (decrypted and verified here),
//! levels and mutes, digest mails with their unsubscribe links, preferences, bad input.

mod mail;
mod push;
mod settings;

use palaver_tests::notifications::{BrowserKeys, PushRequest, PushService};
use palaver_tests::{Account, TestServer};
use std::time::Duration;

/// Long enough for the 1 s delay of the test settings and a few polls, on a slow machine.
pub const PUSH_WAIT: Duration = Duration::from_secs(20);

/// Subscribes `account` at `<service>/push/<username>`; returns the keys and the id.
pub async fn subscribe(
    server: &TestServer,
    service: &PushService,
    account: &Account,
) -> (BrowserKeys, String) {
    let keys = BrowserKeys::new();
    let endpoint = format!("{}/push/{}", service.origin, account.username);
    let reply = server.subscribe_push(account, &endpoint, &keys).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    (keys, reply.body["id"].as_str().unwrap().to_owned())
}

/// Waits for the push to `username`, collecting the others that come first.
pub async fn push_to(
    service: &mut PushService,
    username: &str,
    others: &mut Vec<PushRequest>,
) -> PushRequest {
    let path = format!("/push/{username}");
    loop {
        let request = service
            .next_within(PUSH_WAIT)
            .await
            .unwrap_or_else(|| panic!("no push to {username}"));
        if request.path == path {
            return request;
        }
        others.push(request);
    }
}
