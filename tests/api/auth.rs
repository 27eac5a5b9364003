use palaver_tests::{PASSWORD, TestServer, account_from};
use serde_json::json;

#[tokio::test]
async fn register_answers_201_with_a_session_and_no_password_material() {
    let server = TestServer::start().await;
    let reply = server
        .post(
            "/api/auth/register",
            None,
            json!({
                "username": "Ada.L",
                "password": PASSWORD,
                "email": " Ada@Example.ORG ",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "phone": "+44 20 7946 0000",
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    let user = &body["user"];
    assert_eq!(user["username"], "Ada.L");
    assert_eq!(user["email"], "ada@example.org");
    assert_eq!(user["phone"], "+442079460000");
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["role"], "user");
    assert_eq!(user["online"], false);
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    let text = body.to_string();
    assert!(!text.contains(PASSWORD) && !text.contains("$2b$") && !text.contains("password"));
}

#[tokio::test]
async fn register_reports_every_invalid_field() {
    let server = TestServer::start().await;
    let reply = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "a b", "password": "short", "email": "nope", "phone": "12" }),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), "validation_failed");
    let fields = &reply.body["error"]["details"]["fields"];
    for field in ["username", "password", "email", "phone"] {
        assert!(fields[field].is_string(), "{field} missing from {fields}");
    }
}

#[tokio::test]
async fn usernames_and_emails_are_taken_once() {
    let server = TestServer::start().await;
    server.register("ada").await;
    let same_name = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "ADA", "password": PASSWORD }),
        )
        .await;
    assert_eq!(same_name.status, 409);
    assert_eq!(same_name.code(), "conflict");
    assert_eq!(same_name.body["error"]["details"]["field"], "username");
    let same_email = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "bob", "password": PASSWORD, "email": "ADA@example.org" }),
        )
        .await;
    assert_eq!(same_email.status, 409);
    assert_eq!(same_email.body["error"]["details"]["field"], "email");
}

#[tokio::test]
async fn login_by_username_or_email() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    for login in ["ada", "ADA", "ada@example.org", "Ada@Example.org"] {
        let reply = server.login(login, PASSWORD).await;
        assert_eq!(reply.status, 200, "{login}: {:?}", reply.body);
        assert_eq!(account_from(&reply.body).id, ada.id);
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401() {
    let server = TestServer::start().await;
    server.register("ada").await;
    let wrong_password = server.login("ada", "not the password").await;
    let unknown_user = server.login("nobody", PASSWORD).await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(wrong_password.code(), "unauthorized");
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(unknown_user.status, 401);
}

#[tokio::test]
async fn each_session_is_independent() {
    let server = TestServer::start().await;
    let first = server.register("ada").await;
    let second = account_from(&server.login("ada", PASSWORD).await.body);
    assert_ne!(first.refresh_token, second.refresh_token);
    let logout = server
        .post("/api/auth/logout", Some(&first.access_token), json!(null))
        .await;
    assert_eq!(logout.status, 204);
    assert_eq!(
        server
            .get("/api/users/me", Some(&second.access_token))
            .await
            .status,
        200
    );
}
