//! Fixtures shared by the use-case unit tests.

use crate::accounts::SessionStarter;
use chrono::{DateTime, Duration, Utc};
use palaver_domain::auth::{AccessToken, Actor, SessionId};
use palaver_domain::ports::{
    Clock, MockClock, MockPresenceDirectory, MockSecretGenerator, MockSessionRepository,
    MockTokenIssuer,
};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{PasswordHash, Role, User, UserId, Username};
use std::sync::Arc;

pub const ACCESS_TOKEN: &str = "signed.access.token";
pub const REFRESH_TTL_DAYS: i64 = 30;

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).expect("valid timestamp")
}

pub fn fixed_clock() -> Arc<dyn Clock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Arc::new(clock)
}

/// A stand-in for a real hash: tests only compare them.
pub fn hash_of(password: &str) -> PasswordHash {
    PasswordHash::from_stored(format!("hash:{password}"))
}

pub fn refresh_secret() -> SecretToken {
    SecretToken::presented("fresh-refresh-secret")
}

pub fn user(name: &str) -> User {
    User {
        id: UserId::generate(),
        username: Username::parse(name).expect("valid username"),
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        avatar_url: None,
        role: Role::User,
        password_hash: hash_of("correct horse"),
        created_at: now() - Duration::days(1),
        updated_at: now() - Duration::days(1),
        last_seen_at: None,
    }
}

pub fn admin(name: &str) -> User {
    User {
        role: Role::Admin,
        ..user(name)
    }
}

pub fn actor_for(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        session_id: SessionId::generate(),
        role: user.role,
    }
}

fn token_issuer(times: usize) -> MockTokenIssuer {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().times(times).returning(|_, _, _| {
        Ok(AccessToken {
            token: ACCESS_TOKEN.into(),
            expires_in_secs: 900,
        })
    });
    tokens
}

fn secrets(times: usize) -> MockSecretGenerator {
    let mut secrets = MockSecretGenerator::new();
    secrets
        .expect_generate()
        .times(times)
        .returning(refresh_secret);
    secrets
}

/// A starter whose repository must record exactly one new session, with a hashed token
/// that expires after the refresh lifetime.
pub fn starter_expecting_one_session() -> SessionStarter {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_create()
        .withf(|session, token| {
            token.session_id == session.id
                && token.token_hash == refresh_secret().hash()
                && token.expires_at == now() + Duration::days(REFRESH_TTL_DAYS)
                && session.revoked_at.is_none()
        })
        .times(1)
        .returning(|_, _| Ok(()));
    starter_with(sessions, 1, 1)
}

pub fn starter_expecting_no_session() -> SessionStarter {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_create().never();
    starter_with(sessions, 0, 0)
}

/// A starter over the given sessions mock that signs `issues` access tokens and makes
/// `generates` refresh secrets.
pub fn starter_with(
    sessions: MockSessionRepository,
    issues: usize,
    generates: usize,
) -> SessionStarter {
    SessionStarter::new(
        Arc::new(sessions),
        Arc::new(token_issuer(issues)),
        Arc::new(secrets(generates)),
        fixed_clock(),
        Duration::days(REFRESH_TTL_DAYS),
    )
}

/// A presence directory in which exactly `online` are connected.
pub fn presence_with(online: Vec<UserId>) -> Arc<MockPresenceDirectory> {
    let mut presence = MockPresenceDirectory::new();
    let all = online.clone();
    presence
        .expect_online_users()
        .returning(move || Ok(all.clone()));
    presence.expect_online_among().returning(move |ids| {
        Ok(ids
            .iter()
            .copied()
            .filter(|id| online.contains(id))
            .collect())
    });
    Arc::new(presence)
}
