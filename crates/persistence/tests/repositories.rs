//! Repository tests against a real database: SQLite by default, PostgreSQL or MySQL when
//! PALAVER_TEST_DATABASE_URL is set. Each test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use chrono::Duration;
use common::{connect, now, user};
use palaver_domain::RepositoryError;
use palaver_domain::auth::{
    PasswordResetRecord, RefreshTokenRecord, RotationOutcome, Session, SessionId,
};
use palaver_domain::conversation::{
    Conversation, ConversationId, ConversationKind, ConversationName, Member, MemberRole,
    MessageContent, MessageId, NewMessage,
};
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use palaver_domain::ports::{
    PasswordResetRepository, SessionRepository, UserRepository, UserSearch,
};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{
    AvatarUrl, EmailAddress, PasswordHash, PersonName, PhoneNumber, Role, User, UserId, UserPatch,
    Username,
};
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{
    SqlConversationRepository, SqlMessageRepository, SqlPasswordResetRepository,
    SqlSessionRepository, SqlUserRepository,
};
use std::sync::Arc;

struct Repos {
    users: SqlUserRepository,
    sessions: Arc<SqlSessionRepository>,
    resets: SqlPasswordResetRepository,
    _db: TestDatabase,
}

async fn repos() -> Repos {
    let database = TestDatabase::create().await;
    let db = connect(&database).await;
    Repos {
        users: SqlUserRepository::new(&db),
        sessions: Arc::new(SqlSessionRepository::new(&db)),
        resets: SqlPasswordResetRepository::new(&db),
        _db: database,
    }
}

async fn issue_reset_token(repos: &Repos, user: &User, secret: &str) -> SecretToken {
    let token = SecretToken::presented(secret);
    repos
        .resets
        .insert(&PasswordResetRecord {
            token_hash: token.hash(),
            user_id: user.id,
            created_at: now(),
            expires_at: now() + Duration::minutes(30),
        })
        .await
        .unwrap();
    token
}

async fn open_session(repos: &Repos, user: &User) -> (Session, SecretToken) {
    let at = now();
    let session = Session {
        id: SessionId::generate(),
        user_id: user.id,
        created_at: at,
        revoked_at: None,
    };
    let token = SecretToken::presented(format!("refresh-{}", uuid::Uuid::new_v4()));
    repos
        .sessions
        .create(
            &session,
            &RefreshTokenRecord {
                token_hash: token.hash(),
                session_id: session.id,
                created_at: at,
                expires_at: at + Duration::days(30),
            },
        )
        .await
        .unwrap();
    (session, token)
}

#[tokio::test]
async fn a_user_round_trips_every_field() {
    let repos = repos().await;
    let mut ada = user("Ada");
    ada.phone = Some(PhoneNumber::parse("+15550100").unwrap());
    ada.first_name = Some(PersonName::parse("first_name", "Ada").unwrap());
    ada.last_name = Some(PersonName::parse("last_name", "Lovelace").unwrap());
    ada.avatar_url = Some(AvatarUrl::parse("https://example.org/a.png").unwrap());
    ada.last_seen_at = Some(now());
    repos.users.insert(&ada).await.unwrap();

    assert_eq!(
        repos.users.find_by_id(ada.id).await.unwrap(),
        Some(ada.clone())
    );
    let by_name = repos
        .users
        .find_by_username(&Username::parse("aDA").unwrap())
        .await
        .unwrap();
    assert_eq!(by_name.map(|u| u.id), Some(ada.id));
    let by_email = repos
        .users
        .find_by_email(ada.email.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(by_email.map(|u| u.id), Some(ada.id));
    assert_eq!(
        repos.users.find_by_id(UserId::generate()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case_and_emails_are_unique() {
    let repos = repos().await;
    repos.users.insert(&user("ada")).await.unwrap();

    let mut same_name = user("ADA");
    same_name.email = None;
    assert!(matches!(
        repos.users.insert(&same_name).await,
        Err(RepositoryError::Conflict {
            field: palaver_domain::Taken::Username
        })
    ));

    let mut same_email = user("bob");
    same_email.email = Some(EmailAddress::parse("ada@example.org").unwrap());
    assert!(matches!(
        repos.users.insert(&same_email).await,
        Err(RepositoryError::Conflict {
            field: palaver_domain::Taken::Email
        })
    ));

    // Several users without an email are fine.
    for name in ["cyd", "dee"] {
        let mut no_email = user(name);
        no_email.email = None;
        repos.users.insert(&no_email).await.unwrap();
    }
}

#[tokio::test]
async fn emails_differing_only_in_accents_are_different() {
    let repos = repos().await;
    let mut plain = user("jose");
    plain.email = Some(EmailAddress::parse("jose@example.org").unwrap());
    let mut accented = user("jose2");
    accented.email = Some(EmailAddress::parse("josé@example.org").unwrap());
    let mut eszett = user("strasse");
    eszett.email = Some(EmailAddress::parse("straße@example.org").unwrap());
    let mut double_s = user("strasse2");
    double_s.email = Some(EmailAddress::parse("strasse@example.org").unwrap());
    for user in [&plain, &accented, &eszett, &double_s] {
        repos.users.insert(user).await.unwrap();
    }
    for user in [&plain, &accented, &eszett, &double_s] {
        let email = user.email.as_ref().unwrap();
        let found = repos.users.find_by_email(email).await.unwrap().unwrap();
        assert_eq!(found.id, user.id, "{}", email.as_str());
    }
}

#[tokio::test]
async fn patches_write_only_their_fields_and_conflict_and_miss_like_inserts() {
    let repos = repos().await;
    let ada = user("ada");
    let bob = user("bob");
    repos.users.insert(&ada).await.unwrap();
    repos.users.insert(&bob).await.unwrap();
    let later = now() + Duration::seconds(1);

    let rename = |name: &str| UserPatch {
        username: Some(Username::parse(name).unwrap()),
        ..UserPatch::default()
    };
    assert!(matches!(
        repos.users.apply_patch(bob.id, &rename("Ada"), later).await,
        Err(RepositoryError::Conflict {
            field: palaver_domain::Taken::Username
        })
    ));
    let stored = repos
        .users
        .apply_patch(bob.id, &rename("bobby"), later)
        .await
        .unwrap();
    assert_eq!(stored.username.as_str(), "bobby");
    assert_eq!(stored.updated_at, later);
    assert_eq!(stored.password_hash, bob.password_hash);
    assert_eq!(
        repos
            .users
            .find_by_username(&Username::parse("BOBBY").unwrap())
            .await
            .unwrap()
            .map(|u| u.id),
        Some(bob.id)
    );

    // An admin's demotion and the user's own edit, from stale reads, both survive.
    let promote = UserPatch {
        role: Some(Role::Admin),
        ..UserPatch::default()
    };
    repos
        .users
        .apply_patch(bob.id, &promote, later)
        .await
        .unwrap();
    let demote = UserPatch {
        role: Some(Role::User),
        ..UserPatch::default()
    };
    repos
        .users
        .apply_patch(bob.id, &demote, later)
        .await
        .unwrap();
    let own_edit = UserPatch {
        first_name: Some(Some(PersonName::parse("first_name", "Bob").unwrap())),
        phone: Some(Some(PhoneNumber::parse("+15550100").unwrap())),
        ..UserPatch::default()
    };
    let stored = repos
        .users
        .apply_patch(bob.id, &own_edit, later)
        .await
        .unwrap();
    assert_eq!(stored.role, Role::User);
    assert_eq!(stored.first_name.unwrap().as_str(), "Bob");

    let clear = UserPatch {
        phone: Some(None),
        email: Some(None),
        ..UserPatch::default()
    };
    let stored = repos
        .users
        .apply_patch(bob.id, &clear, later)
        .await
        .unwrap();
    assert_eq!((stored.phone, stored.email), (None, None));

    let unchanged = repos
        .users
        .apply_patch(ada.id, &UserPatch::default(), later)
        .await
        .unwrap();
    assert_eq!(unchanged, ada, "an empty patch writes nothing");
    assert!(matches!(
        repos
            .users
            .apply_patch(UserId::generate(), &rename("ghost"), later)
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        repos
            .users
            .apply_patch(UserId::generate(), &UserPatch::default(), later)
            .await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test]
async fn a_new_email_or_password_spends_outstanding_reset_tokens() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();

    let before_email_change = issue_reset_token(&repos, &ada, "before-email-change").await;
    assert!(
        repos
            .resets
            .is_usable(&before_email_change.hash(), now())
            .await
            .unwrap()
    );
    let new_email = UserPatch {
        email: Some(Some(EmailAddress::parse("new@example.org").unwrap())),
        ..UserPatch::default()
    };
    repos
        .users
        .apply_patch(ada.id, &new_email, now())
        .await
        .unwrap();
    assert!(
        !repos
            .resets
            .is_usable(&before_email_change.hash(), now())
            .await
            .unwrap()
    );

    let before_password_change = issue_reset_token(&repos, &ada, "before-password-change").await;
    let new_hash = PasswordHash::from_stored("$2b$04$new".into());
    repos
        .users
        .change_password(ada.id, &new_hash, None, now())
        .await
        .unwrap();
    assert!(
        !repos
            .resets
            .is_usable(&before_password_change.hash(), now())
            .await
            .unwrap()
    );
    assert!(
        !repos
            .resets
            .is_usable(&SecretToken::presented("never").hash(), now())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn search_matches_names_case_insensitively_pages_by_username_and_escapes_wildcards() {
    let repos = repos().await;
    for (name, first, last) in [
        ("ada", "Ada", "Lovelace"),
        ("grace", "Grace", "Hopper"),
        ("alan", "Alan", "Turing"),
        ("per_cent", "Percy", "Love"),
    ] {
        let mut u = user(name);
        u.first_name = Some(PersonName::parse("first_name", first).unwrap());
        u.last_name = Some(PersonName::parse("last_name", last).unwrap());
        repos.users.insert(&u).await.unwrap();
    }
    let names = |users: Vec<User>| {
        users
            .into_iter()
            .map(|u| u.username.into_inner())
            .collect::<Vec<_>>()
    };
    let search = |text: Option<&str>, after: Option<&str>, limit| UserSearch {
        text: text.map(str::to_owned),
        after_username: after.map(str::to_owned),
        limit,
    };

    assert_eq!(
        names(
            repos
                .users
                .search(&search(Some("LOVE"), None, 10))
                .await
                .unwrap()
        ),
        ["ada", "per_cent"]
    );
    assert_eq!(
        names(
            repos
                .users
                .search(&search(Some("hop"), None, 10))
                .await
                .unwrap()
        ),
        ["grace"]
    );
    assert_eq!(
        names(
            repos
                .users
                .search(&search(Some("_"), None, 10))
                .await
                .unwrap()
        ),
        ["per_cent"]
    );
    assert!(
        repos
            .users
            .search(&search(Some("%"), None, 10))
            .await
            .unwrap()
            .is_empty()
    );

    let first = names(repos.users.search(&search(None, None, 2)).await.unwrap());
    assert_eq!(first, ["ada", "alan"]);
    let second = names(
        repos
            .users
            .search(&search(None, Some("alan"), 2))
            .await
            .unwrap(),
    );
    assert_eq!(second, ["grace", "per_cent"]);
}

#[tokio::test]
async fn find_many_returns_the_existing_ones() {
    let repos = repos().await;
    let (ada, bob) = (user("ada"), user("bob"));
    repos.users.insert(&ada).await.unwrap();
    repos.users.insert(&bob).await.unwrap();
    let mut found: Vec<_> = repos
        .users
        .find_many(&[ada.id, bob.id, UserId::generate()])
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    found.sort();
    let mut expected = vec![ada.id, bob.id];
    expected.sort();
    assert_eq!(found, expected);
    assert!(repos.users.find_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_a_user_removes_their_sessions() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (session, _) = open_session(&repos, &ada).await;
    repos.users.delete(ada.id).await.unwrap();
    assert_eq!(
        repos.sessions.find_active_actor(session.id).await.unwrap(),
        None
    );
    assert!(matches!(
        repos.users.delete(ada.id).await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test]
async fn an_active_session_names_its_actor_until_revoked() {
    let repos = repos().await;
    let mut ada = user("ada");
    ada.role = Role::Admin;
    repos.users.insert(&ada).await.unwrap();
    let (session, _) = open_session(&repos, &ada).await;

    let actor = repos
        .sessions
        .find_active_actor(session.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (actor.user_id, actor.session_id, actor.role),
        (ada.id, session.id, Role::Admin)
    );

    assert!(repos.sessions.revoke(session.id, now()).await.unwrap());
    assert!(!repos.sessions.revoke(session.id, now()).await.unwrap());
    assert_eq!(
        repos.sessions.find_active_actor(session.id).await.unwrap(),
        None
    );
    assert_eq!(
        repos
            .sessions
            .find_active_actor(SessionId::generate())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn rotation_spends_tokens_and_reuse_revokes_the_session() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (session, first) = open_session(&repos, &ada).await;
    let second = SecretToken::presented("second");
    let third = SecretToken::presented("third");
    let later = now() + Duration::days(30);

    let outcome = repos
        .sessions
        .rotate(&first.hash(), &second.hash(), later, now())
        .await
        .unwrap();
    assert!(matches!(outcome, RotationOutcome::Rotated { session: s } if s.id == session.id));

    // The spent token comes back: somebody copied it. The whole session goes.
    let outcome = repos
        .sessions
        .rotate(&first.hash(), &third.hash(), later, now())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RotationOutcome::ReuseDetected {
            session_id: session.id,
            user_id: ada.id,
        }
    );
    assert_eq!(
        repos.sessions.find_active_actor(session.id).await.unwrap(),
        None
    );

    // ... including the token the rightful owner holds now.
    let outcome = repos
        .sessions
        .rotate(&second.hash(), &third.hash(), later, now())
        .await
        .unwrap();
    assert_eq!(outcome, RotationOutcome::SessionRevoked);

    let unknown = SecretToken::presented("never-issued");
    let outcome = repos
        .sessions
        .rotate(&unknown.hash(), &third.hash(), later, now())
        .await
        .unwrap();
    assert_eq!(outcome, RotationOutcome::Unknown);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused_without_revoking() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (session, token) = open_session(&repos, &ada).await;
    let after_expiry = now() + Duration::days(31);
    let outcome = repos
        .sessions
        .rotate(
            &token.hash(),
            &SecretToken::presented("x").hash(),
            after_expiry,
            after_expiry,
        )
        .await
        .unwrap();
    assert_eq!(outcome, RotationOutcome::Expired);
    assert!(
        repos
            .sessions
            .find_active_actor(session.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn concurrent_rotations_of_one_token_never_both_succeed() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (_, token) = open_session(&repos, &ada).await;
    let attempts = (0..6).map(|i| {
        let sessions = repos.sessions.clone();
        let presented = token.hash();
        tokio::spawn(async move {
            let replacement = SecretToken::presented(format!("replacement-{i}"));
            sessions
                .rotate(
                    &presented,
                    &replacement.hash(),
                    now() + Duration::days(1),
                    now(),
                )
                .await
        })
    });
    let mut rotated = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(RotationOutcome::Rotated { .. }) => rotated += 1,
            Ok(_) => {}
            // SQLite may give up on a writer that waited too long; never a second success.
            Err(error) => eprintln!("rotation failed: {error}"),
        }
    }
    assert_eq!(rotated, 1);
}

#[tokio::test]
async fn concurrent_reuses_of_a_spent_token_report_the_revocation_once() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (session, first) = open_session(&repos, &ada).await;
    let second = SecretToken::presented("second");
    let later = now() + Duration::days(1);
    repos
        .sessions
        .rotate(&first.hash(), &second.hash(), later, now())
        .await
        .unwrap();
    let attempts = (0..6).map(|i| {
        let sessions = repos.sessions.clone();
        let presented = first.hash();
        tokio::spawn(async move {
            let replacement = SecretToken::presented(format!("replacement-{i}"));
            sessions
                .rotate(&presented, &replacement.hash(), later, now())
                .await
        })
    });
    let mut reported = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(RotationOutcome::ReuseDetected {
                session_id,
                user_id,
            }) => {
                assert_eq!((session_id, user_id), (session.id, ada.id));
                reported += 1;
            }
            Ok(outcome) => assert_eq!(outcome, RotationOutcome::SessionRevoked),
            // SQLite may give up on a writer that waited too long; never a second report.
            Err(error) => eprintln!("rotation failed: {error}"),
        }
    }
    assert_eq!(reported, 1);
}

#[tokio::test]
async fn changing_a_password_revokes_every_other_session_atomically() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (kept, _) = open_session(&repos, &ada).await;
    let (other, _) = open_session(&repos, &ada).await;
    let new_hash = PasswordHash::from_stored("$2b$04$new".into());

    let revoked = repos
        .users
        .change_password(ada.id, &new_hash, Some(kept.id), now())
        .await
        .unwrap();
    assert_eq!(revoked, vec![other.id]);
    assert!(
        repos
            .sessions
            .find_active_actor(kept.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        repos
            .sessions
            .find_active_actor(other.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        repos
            .users
            .find_by_id(ada.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        new_hash
    );

    assert!(matches!(
        repos
            .users
            .change_password(UserId::generate(), &new_hash, None, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test]
async fn a_reset_token_works_once_before_expiry_and_revokes_all_sessions() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (session, _) = open_session(&repos, &ada).await;
    let (token, sibling, expired) = (
        SecretToken::presented("reset-1"),
        SecretToken::presented("reset-2"),
        SecretToken::presented("reset-3"),
    );
    for (t, ttl) in [(&token, 30), (&sibling, 30), (&expired, -1)] {
        repos
            .resets
            .insert(&PasswordResetRecord {
                token_hash: t.hash(),
                user_id: ada.id,
                created_at: now(),
                expires_at: now() + Duration::minutes(ttl),
            })
            .await
            .unwrap();
    }
    let new_hash = PasswordHash::from_stored("$2b$04$reset".into());

    assert_eq!(
        repos
            .resets
            .redeem(&expired.hash(), &new_hash, now())
            .await
            .unwrap(),
        None
    );
    let redeemed = repos
        .resets
        .redeem(&token.hash(), &new_hash, now())
        .await
        .unwrap();
    assert_eq!(redeemed, Some((ada.id, vec![session.id])));
    assert_eq!(
        repos
            .users
            .find_by_id(ada.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        new_hash
    );
    assert!(
        repos
            .sessions
            .find_active_actor(session.id)
            .await
            .unwrap()
            .is_none()
    );

    assert_eq!(
        repos
            .resets
            .redeem(&token.hash(), &new_hash, now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repos
            .resets
            .redeem(&sibling.hash(), &new_hash, now())
            .await
            .unwrap(),
        None,
        "other outstanding tokens are spent too"
    );
    assert_eq!(
        repos
            .resets
            .redeem(&SecretToken::presented("nope").hash(), &new_hash, now())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn every_migration_reverts_cleanly_and_applies_again() {
    use palaver_migrations::{Migrator, MigratorTrait};
    let database = TestDatabase::create().await;
    let db = database.connect(2).await;
    Migrator::down(&db, None).await.unwrap();
    assert!(
        Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    let pool = connect(&database).await;
    let users = SqlUserRepository::new(&pool);
    let conversations = SqlConversationRepository::new(&pool);
    let messages = SqlMessageRepository::new(&pool);
    assert!(
        users.insert(&user("ada")).await.is_err(),
        "the users table is gone"
    );
    assert!(
        conversations
            .find(ConversationId::generate())
            .await
            .is_err(),
        "the conversations table is gone"
    );
    let ada = user("ada");
    assert!(
        messages
            .search(ada.id, "hello", &Default::default(), 0, 10)
            .await
            .is_err(),
        "the search index is gone"
    );

    Migrator::up(&db, None).await.unwrap();
    users.insert(&ada).await.unwrap();
    // The whole chain works again, the full-text index included.
    let at = now();
    let group = Conversation {
        id: ConversationId::generate(),
        kind: ConversationKind::Group,
        name: Some(ConversationName::parse("again").unwrap()),
        owner_id: Some(ada.id),
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count: 1,
    };
    let owner = Member {
        conversation_id: group.id,
        user_id: ada.id,
        role: MemberRole::Owner,
        joined_at: at,
        last_read_seq: 0,
        last_delivered_seq: 0,
    };
    conversations.create(&group, &[owner]).await.unwrap();
    let hello = NewMessage {
        id: MessageId::generate(),
        conversation_id: group.id,
        sender_id: ada.id,
        sender_kind: palaver_domain::user::UserKind::Person,
        content: MessageContent::parse("hello again").unwrap(),
        reply_to_id: None,
        client_id: None,
        attachments: Vec::new(),
        thread_root_id: None,
        mentions: Vec::new(),
    };
    messages.append(&hello, at).await.unwrap();
    let found = messages
        .search(ada.id, "hello", &Default::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), [hello.id]);
}

#[tokio::test]
async fn purging_sessions_removes_only_those_nothing_can_renew() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let (renewed_session, first_token) = open_session(&repos, &ada).await;
    let (abandoned_session, _) = open_session(&repos, &ada).await;

    // One session is renewed with a token lasting 60 days; the other's lasts 30.
    let renewed = SecretToken::presented("renewed");
    let far = now() + Duration::days(60);
    repos
        .sessions
        .rotate(&first_token.hash(), &renewed.hash(), far, now())
        .await
        .unwrap();

    let later = now() + Duration::days(31);
    assert_eq!(repos.sessions.purge_expired(later).await.unwrap(), 1);
    assert_eq!(
        repos.sessions.purge_expired(later).await.unwrap(),
        0,
        "purging twice is harmless"
    );
    assert!(
        repos
            .sessions
            .find_active_actor(abandoned_session.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        repos
            .sessions
            .find_active_actor(renewed_session.id)
            .await
            .unwrap()
            .is_some()
    );
    let outcome = repos
        .sessions
        .rotate(
            &renewed.hash(),
            &SecretToken::presented("next").hash(),
            far,
            later,
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, RotationOutcome::Rotated { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn purging_reset_tokens_removes_spent_and_expired_ones() {
    let repos = repos().await;
    let ada = user("ada");
    repos.users.insert(&ada).await.unwrap();
    let spent = issue_reset_token(&repos, &ada, "spent").await;
    repos
        .resets
        .redeem(&spent.hash(), &PasswordHash::from_stored("h".into()), now())
        .await
        .unwrap();
    let unexpired = issue_reset_token(&repos, &ada, "unexpired").await;

    assert_eq!(repos.resets.purge_expired(now()).await.unwrap(), 1);
    assert!(
        repos
            .resets
            .is_usable(&unexpired.hash(), now())
            .await
            .unwrap()
    );
    assert_eq!(
        repos
            .resets
            .purge_expired(now() + Duration::hours(1))
            .await
            .unwrap(),
        1
    );
    assert!(
        !repos
            .resets
            .is_usable(&unexpired.hash(), now())
            .await
            .unwrap()
    );
}
