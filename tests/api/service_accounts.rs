//! `POST /api/v3/core/users/service_account/`.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PATH: &str = "/api/v3/core/users/service_account/";

async fn make(c: &Client, body: Value) -> (StatusCode, Value) {
    parts(c.post(PATH, body).await).await
}

#[actix_web::test]
async fn service_account_makes_a_service_user_a_working_token_and_a_group_holding_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = ["user", "group", "token"].map(|m| model_events(&app, "model_created", m));
    let (status, made) = make(&admin, json!({"name": "ci-bot", "create_group": true})).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_fields(
        &made,
        &[
            ("username", "string"),
            ("token", "string"),
            ("user_uid", "string"),
            ("user_pk", "int"),
            ("group_pk", "string"),
        ],
    );
    assert_eq!(made["username"], "ci-bot");
    let pk = made["user_pk"].as_i64().unwrap();
    let group = made["group_pk"].as_str().unwrap();

    let (status, user) = parts(admin.get(&format!("/api/v3/core/users/{pk}/")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["type"], "service_account");
    assert_eq!(user["name"], "ci-bot");
    assert_eq!(user["uid"], made["user_uid"]);
    assert_eq!(user["path"], "goauthentik.io/service-accounts");
    assert_eq!(user["groups"], json!([group]));

    let (status, me) = parts(
        Client::bearer(
            &app.base,
            made["token"].as_str().unwrap(),
            Method::GET,
            "/api/v3/core/users/me/",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "ci-bot");
    assert_eq!(me["user"]["type"], "service_account");

    let (status, g) = parts(admin.get(&format!("/api/v3/core/groups/{group}/")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(g["name"], "ci-bot");
    assert_eq!(g["users"], json!([pk]));

    for (model, before) in ["user", "group", "token"].into_iter().zip(before) {
        let after = model_events(&app, "model_created", model);
        assert_eq!(after - before, 1, "{model}");
    }
}

#[actix_web::test]
async fn without_create_group_there_is_no_group_and_the_token_expires_in_360_days() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, made) = make(&admin, json!({"name": "backup.bot"})).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["group_pk"], Value::Null);
    let groups: i64 = app.query("SELECT COUNT(*) FROM groups WHERE name = 'backup.bot'");
    assert_eq!(groups, 0);

    let (_, tokens) = parts(
        admin
            .get("/api/v3/core/tokens/?user__username=backup.bot")
            .await,
    )
    .await;
    assert_eq!(tokens["pagination"]["count"], 1);
    let token = &tokens["results"][0];
    assert_eq!(token["identifier"], "service-account-backupbot-password");
    assert_eq!(token["expiring"], true);
    let expires = chrono::DateTime::parse_from_rfc3339(token["expires"].as_str().unwrap()).unwrap();
    let days = (expires.to_utc() - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((359.9..=360.0).contains(&days), "{days}");

    let (_, forever) = make(&admin, json!({"name": "forever", "expiring": false})).await;
    let (_, tokens) = parts(
        admin
            .get("/api/v3/core/tokens/?user__username=forever")
            .await,
    )
    .await;
    assert_eq!(tokens["results"][0]["expiring"], false);
    assert_eq!(tokens["results"][0]["expires"], Value::Null);
    assert!(forever["token"].is_string());
}

#[actix_web::test]
async fn the_name_is_checked_as_a_username_and_must_be_free() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let users_made = model_events(&app, "model_created", "user");
    assert_eq!(
        make(&admin, json!({"name": "bad name!", "expires": null})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({
                "name": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
                "expires": ["This field may not be null."],
            })
        )
    );
    assert_eq!(
        make(&admin, json!({"create_group": true})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["This field is required."]})
        )
    );
    assert_eq!(
        make(&admin, json!({"name": "admin"})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["This field must be unique."]})
        )
    );

    created(&admin, "/api/v3/core/groups/", json!({"name": "ops"})).await;
    assert_eq!(
        make(&admin, json!({"name": "ops", "create_group": true})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["A group with this name already exists."]})
        )
    );
    let users: i64 = app.query("SELECT COUNT(*) FROM users WHERE username = 'ops'");
    assert_eq!(users, 0, "a refused request makes nothing");
    assert_eq!(model_events(&app, "model_created", "user"), users_made);
}

#[actix_web::test]
async fn service_account_needs_add_user_and_for_a_group_add_group() {
    let app = TestApp::spawn().await;
    let (nobody, _) = app.user_with_perms("nobody", &[]).await;
    assert_denied(nobody.post(PATH, json!({"name": "bot"})).await).await;

    let (adder, _) = app.user_with_perms("adder", &["core.add_user"]).await;
    assert_denied(
        adder
            .post(PATH, json!({"name": "bot", "create_group": true}))
            .await,
    )
    .await;
    let (status, made) = make(&adder, json!({"name": "bot"})).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["username"], "bot");
}

#[actix_web::test]
async fn service_account_is_refused_while_impersonating() {
    let app = TestApp::spawn().await;
    let (_, alice_pk) = app.user_with_perms("alice", &["core.add_user"]).await;
    let admin = app.admin().await;
    let res = crate::impersonation::start(&admin, alice_pk, "ticket 7").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        make(&admin, json!({"name": "bot"})).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Not allowed while impersonating."})
        )
    );
    let users: i64 = app.query("SELECT COUNT(*) FROM users WHERE username = 'bot'");
    assert_eq!(users, 0);
}
