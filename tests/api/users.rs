use palaver_tests::{PASSWORD, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn me_shows_my_private_fields_and_others_do_not_see_them() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let bob = server.register("bob").await;

    let me = server.get("/api/users/me", Some(&ada.access_token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], "ada@example.org");
    assert!(
        me.body.get("phone").is_some(),
        "my own phone field is present even when null"
    );

    let seen_by_bob = server
        .get(&format!("/api/users/{}", ada.id), Some(&bob.access_token))
        .await;
    assert_eq!(seen_by_bob.status, 200);
    assert_eq!(seen_by_bob.body["username"], "ada");
    assert!(seen_by_bob.body.get("email").is_none());
    assert!(seen_by_bob.body.get("phone").is_none());

    server.grant_admin(&bob).await;
    let seen_by_admin = server
        .get(&format!("/api/users/{}", ada.id), Some(&bob.access_token))
        .await;
    assert_eq!(seen_by_admin.body["email"], "ada@example.org");
}

#[tokio::test]
async fn users_are_found_by_username_and_names_a_page_at_a_time() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    for name in ["alan", "grace", "alonzo", "barbara"] {
        server.register(name).await;
    }
    let patch = server
        .call(
            Method::PATCH,
            "/api/users/me",
            Some(&ada.access_token),
            Some(json!({ "last_name": "Lovelace" })),
        )
        .await;
    assert_eq!(patch.status, 200);

    let names = |reply: &Value| -> Vec<String> {
        reply["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_last_name = server
        .get("/api/users?q=LOVE", Some(&ada.access_token))
        .await;
    assert_eq!(names(&by_last_name.body), ["ada"]);
    assert!(
        by_last_name.body["items"][0].get("email").is_some(),
        "I see my own email"
    );

    let first = server
        .get("/api/users?q=a&limit=2", Some(&ada.access_token))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(names(&first.body), ["ada", "alan"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = server
        .get(
            &format!("/api/users?q=a&limit=2&cursor={cursor}"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(names(&second.body), ["alonzo", "barbara"]);
    let cursor = second.body["next_cursor"].as_str().unwrap().to_owned();
    let last = server
        .get(
            &format!("/api/users?q=a&limit=2&cursor={cursor}"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(names(&last.body), ["grace"]);
    assert_eq!(last.body["next_cursor"], Value::Null);

    let everyone = server.get("/api/users", Some(&ada.access_token)).await;
    assert_eq!(names(&everyone.body).len(), 5);
    assert!(everyone.body["items"][1].get("email").is_none());
}

#[tokio::test]
async fn list_parameters_are_validated() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    for path in [
        "/api/users?limit=0",
        "/api/users?limit=201",
        "/api/users?limit=x",
        "/api/users?cursor=%25%25",
    ] {
        let reply = server.get(path, Some(&ada.access_token)).await;
        assert_eq!(reply.status, 400, "{path}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
    }
    assert_eq!(server.get("/api/users", None).await.status, 401);
}

#[tokio::test]
async fn nobody_is_online_before_the_gateway_exists() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let reply = server
        .get("/api/users/online", Some(&ada.access_token))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({ "items": [], "next_cursor": null }));
    assert_eq!(server.get("/api/users/online", None).await.status, 401);
}

#[tokio::test]
async fn i_can_edit_and_clear_my_profile_but_not_my_role() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let token = Some(ada.access_token.as_str());
    let reply = server
        .call(
            Method::PATCH,
            "/api/users/me",
            token,
            Some(json!({
                "username": "ada_l",
                "first_name": "Ada",
                "phone": "+1 555 0100",
                "avatar_url": "https://example.org/ada.png",
                "email": null,
                "current_password": PASSWORD,
            })),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["username"], "ada_l");
    assert_eq!(reply.body["first_name"], "Ada");
    assert_eq!(reply.body["phone"], "+15550100");
    assert_eq!(reply.body["email"], Value::Null);
    assert_ne!(reply.body["updated_at"], reply.body["created_at"]);
    assert_eq!(server.login("ada_l", PASSWORD).await.status, 200);

    let role = server
        .call(
            Method::PATCH,
            "/api/users/me",
            token,
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(role.status, 403);
    let invalid = server
        .call(
            Method::PATCH,
            "/api/users/me",
            token,
            Some(json!({ "avatar_url": "ftp://x", "first_name": "" })),
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert!(invalid.body["error"]["details"]["fields"]["avatar_url"].is_string());
    let unknown_field = server
        .call(
            Method::PATCH,
            "/api/users/me",
            token,
            Some(json!({ "password": "x" })),
        )
        .await;
    assert_eq!(unknown_field.status, 400);

    server.register("bob").await;
    let taken = server
        .call(
            Method::PATCH,
            "/api/users/me",
            token,
            Some(json!({ "username": "BOB" })),
        )
        .await;
    assert_eq!(taken.status, 409);
}

#[tokio::test]
async fn only_admins_change_other_users_and_their_roles() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let eve = server.register("eve").await;
    let ada_path = format!("/api/users/{}", ada.id);

    let by_eve = server
        .call(
            Method::PATCH,
            &ada_path,
            Some(&eve.access_token),
            Some(json!({ "first_name": "Evil" })),
        )
        .await;
    assert_eq!(by_eve.status, 403);

    let own_by_id = server
        .call(
            Method::PATCH,
            &ada_path,
            Some(&ada.access_token),
            Some(json!({ "first_name": "Ada" })),
        )
        .await;
    assert_eq!(own_by_id.status, 200);

    server.grant_admin(&eve).await;
    let promoted = server
        .call(
            Method::PATCH,
            &ada_path,
            Some(&eve.access_token),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(promoted.status, 200, "{:?}", promoted.body);
    assert_eq!(promoted.body["role"], "admin");
    // The new role takes effect on Ada's existing session at once.
    let ada_sees = server
        .get(&format!("/api/users/{}", eve.id), Some(&ada.access_token))
        .await;
    assert_eq!(ada_sees.body["email"], "eve@example.org");

    let missing = server
        .call(
            Method::PATCH,
            &format!("/api/users/{}", uuid::Uuid::new_v4()),
            Some(&eve.access_token),
            Some(json!({ "first_name": "X" })),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn deleting_my_account_needs_my_password_and_ends_everything() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let token = Some(ada.access_token.as_str());
    let wrong = server
        .call(
            Method::DELETE,
            "/api/users/me",
            token,
            Some(json!({ "password": "wrong password" })),
        )
        .await;
    assert_eq!(wrong.status, 403);
    let missing_body = server
        .call(Method::DELETE, "/api/users/me", token, None)
        .await;
    assert_eq!(missing_body.status, 400);

    let ok = server
        .call(
            Method::DELETE,
            "/api/users/me",
            token,
            Some(json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(ok.status, 204);
    assert_eq!(server.get("/api/users/me", token).await.status, 401);
    assert_eq!(server.login("ada", PASSWORD).await.status, 401);
    // the name is free again
    server.register("ada").await;
}

#[tokio::test]
async fn admins_delete_other_users_and_nobody_else_does() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let eve = server.register("eve").await;
    let root = server.register("root").await;
    server.grant_admin(&root).await;
    let ada_path = format!("/api/users/{}", ada.id);

    assert_eq!(
        server
            .call(Method::DELETE, &ada_path, Some(&eve.access_token), None)
            .await
            .status,
        403
    );
    assert_eq!(
        server
            .call(Method::DELETE, &ada_path, Some(&root.access_token), None)
            .await
            .status,
        204
    );
    assert_eq!(
        server.get(&ada_path, Some(&root.access_token)).await.status,
        404
    );
    assert_eq!(
        server
            .call(Method::DELETE, &ada_path, Some(&root.access_token), None)
            .await
            .status,
        404
    );

    // deleting oneself by id is the same as /me: it needs the password
    let eve_path = format!("/api/users/{}", eve.id);
    assert_eq!(
        server
            .call(Method::DELETE, &eve_path, Some(&eve.access_token), None)
            .await
            .status,
        400
    );
    let ok = server
        .call(
            Method::DELETE,
            &eve_path,
            Some(&eve.access_token),
            Some(json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(ok.status, 204);
}

#[tokio::test]
async fn user_ids_must_be_uuids_and_exist() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let not_uuid = server
        .get("/api/users/not-a-uuid", Some(&ada.access_token))
        .await;
    assert_eq!(not_uuid.status, 400);
    assert_eq!(not_uuid.code(), "validation_failed");
    let unknown = server
        .get(
            &format!("/api/users/{}", uuid::Uuid::new_v4()),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "not_found");
    assert_eq!(
        server
            .get(&format!("/api/users/{}", ada.id), None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn changing_my_email_needs_my_current_password() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let token = Some(ada.access_token.as_str());
    let change = |body: Value| server.call(Method::PATCH, "/api/users/me", token, Some(body));

    let without = change(json!({ "email": "new@example.org" })).await;
    assert_eq!(without.status, 400);
    assert!(without.body["error"]["details"]["fields"]["current_password"].is_string());
    let wrong =
        change(json!({ "email": "new@example.org", "current_password": "wrong password" })).await;
    assert_eq!(wrong.status, 403);
    let right = change(json!({ "email": "New@Example.org", "current_password": PASSWORD })).await;
    assert_eq!(right.status, 200, "{:?}", right.body);
    assert_eq!(right.body["email"], "new@example.org");
    assert_eq!(server.login("new@example.org", PASSWORD).await.status, 200);

    // Other fields need no password.
    assert_eq!(change(json!({ "first_name": "Ada" })).await.status, 200);
}

#[tokio::test]
async fn every_user_route_needs_a_token() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let by_id = format!("/api/users/{}", ada.id);
    let routes = [
        (Method::GET, "/api/users/me"),
        (Method::PATCH, "/api/users/me"),
        (Method::DELETE, "/api/users/me"),
        (Method::GET, by_id.as_str()),
        (Method::PATCH, by_id.as_str()),
        (Method::DELETE, by_id.as_str()),
        (Method::GET, "/api/users"),
        (Method::GET, "/api/users/online"),
        (Method::PUT, "/api/auth/password"),
    ];
    for (method, path) in routes {
        let reply = server
            .call(
                method.clone(),
                path,
                None,
                Some(json!({ "password": PASSWORD })),
            )
            .await;
        assert_eq!(reply.status, 401, "{method} {path}");
        assert_eq!(reply.code(), "unauthorized", "{method} {path}");
    }
}
