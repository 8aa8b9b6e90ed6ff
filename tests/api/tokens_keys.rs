//! Tokens after creation: PUT and PATCH, `set_key` and `view_key`.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TOKENS: &str = "/api/v3/core/tokens/";
const NEW_KEY: &str = "a-key-chosen-by-a-python-client-0123456789";

fn token_path(identifier: &str) -> String {
    format!("{TOKENS}{identifier}/")
}

/// Creates a token named `identifier` through the API; returns its key.
async fn create(c: &Client, identifier: &str) -> String {
    let token = created(
        c,
        TOKENS,
        json!({"identifier": identifier, "description": "first"}),
    )
    .await;
    token["key"].as_str().unwrap().to_owned()
}

/// Status and body of `GET me` with `key` as a bearer.
async fn me_with(app: &TestApp, key: &str) -> (StatusCode, Value) {
    parts(Client::bearer(&app.base, key, Method::GET, "/api/v3/core/users/me/", None).await).await
}

async fn set_key(c: &Client, identifier: &str, key: &str) -> (StatusCode, Value) {
    let path = format!("{TOKENS}{identifier}/set_key/");
    parts(c.post(&path, json!({ "key": key })).await).await
}

#[actix_web::test]
async fn after_set_key_the_new_key_authenticates_and_the_old_one_does_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let old = create(&admin, "python").await;

    assert_eq!(
        set_key(&admin, "python", NEW_KEY).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );

    let (status, me) = me_with(&app, NEW_KEY).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(
        me_with(&app, &old).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Token invalid/expired"})
        )
    );
}

#[actix_web::test]
async fn a_key_under_32_characters_is_refused_and_the_old_key_keeps_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let old = create(&admin, "python").await;

    let short = "x".repeat(31);
    assert_eq!(
        set_key(&admin, "python", &short).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"key": ["Ensure this field has at least 32 characters."]})
        )
    );
    let (status, body) = parts(
        admin
            .post(&format!("{TOKENS}python/set_key/"), json!({}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"key": ["This field is required."]})
        )
    );
    // A key that no `Authorization` header could carry would lock the token out.
    assert_eq!(
        set_key(
            &admin,
            "python",
            "a key with spaces that is long enough to pass"
        )
        .await,
        (
            StatusCode::BAD_REQUEST,
            json!({"key": ["A key may hold only printable ASCII characters, without spaces."]})
        )
    );
    assert_eq!(me_with(&app, &old).await.0, StatusCode::OK);
    assert_eq!(me_with(&app, &short).await.0, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn set_key_records_secret_rotate_and_never_the_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "python").await;
    set_key(&admin, "python", NEW_KEY).await;

    let (status, events) = parts(
        admin
            .get("/api/v3/events/events/?action=secret_rotate")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(events["pagination"]["count"], 1, "{events}");
    let event = &events["results"][0];
    assert_eq!(event["user"]["username"], "admin");
    assert_eq!(event["context"]["model"]["model_name"], "token");
    assert_eq!(event["context"]["model"]["name"], "python");
    assert!(!event.to_string().contains(NEW_KEY), "{event}");
    let leaked: i64 = app.query(&format!(
        "SELECT COUNT(*) FROM events WHERE context LIKE '%{NEW_KEY}%' OR user_json LIKE '%{NEW_KEY}%'"
    ));
    assert_eq!(leaked, 0);
}

#[actix_web::test]
async fn a_key_another_token_has_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "first").await;
    create(&admin, "second").await;
    assert_eq!(
        set_key(&admin, "first", NEW_KEY).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        set_key(&admin, "second", NEW_KEY).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"key": ["This field must be unique."]})
        )
    );
}

#[actix_web::test]
async fn view_key_says_keys_are_shown_only_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "python").await;
    let (status, body) = parts(admin.get(&format!("{TOKENS}python/view_key/")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Token keys are shown only once, at creation; use set_key to choose a known key."})
    );
    let (status, body) = parts(admin.get(&format!("{TOKENS}nothing/view_key/")).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "No Token matches the given query."})
        )
    );
}

#[actix_web::test]
async fn a_patch_changes_description_expiry_and_expiring_and_is_recorded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "python").await;
    let (status, token) = parts(
        admin
            .patch(
                &token_path("python"),
                json!({"description": "second", "expires": "2031-05-06T07:08:09Z", "expiring": true}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["identifier"], "python");
    assert_eq!(token["description"], "second");
    assert_eq!(token["expires"], "2031-05-06T07:08:09.000000Z");
    assert_eq!(token["expiring"], true);
    assert_eq!(token["user_obj"]["username"], "admin");
    assert!(token.get("key").is_none());

    let (_, cleared) = parts(
        admin
            .patch(
                &token_path("python"),
                json!({"expires": null, "expiring": false}),
            )
            .await,
    )
    .await;
    assert_eq!(cleared["expires"], Value::Null);
    assert_eq!(cleared["expiring"], false);
    assert_eq!(cleared["description"], "second", "absent fields stay");
    let (_, read) = parts(admin.get(&token_path("python")).await).await;
    assert_eq!(read, cleared);
    assert_eq!(model_events(&app, "model_updated", "token"), 2);
}

#[actix_web::test]
async fn a_put_carries_the_tokens_own_identifier() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "python").await;
    let (status, body) = parts(
        admin
            .put(&token_path("python"), json!({"description": "x"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"identifier": ["This field is required."]})
        )
    );
    let (status, body) = parts(
        admin
            .put(
                &token_path("python"),
                json!({"identifier": "renamed", "description": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"identifier": ["A token keeps its identifier; create a new token instead."]})
        )
    );
    let (status, token) = parts(
        admin
            .put(
                &token_path("python"),
                json!({"identifier": "python", "intent": "api", "description": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["description"], "x");
    assert_eq!(token["expiring"], true, "absent fields stay as they were");
}

#[actix_web::test]
async fn bad_values_in_a_patch_are_reported_for_every_field_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&admin, "python").await;
    let (status, body) = parts(
        admin
            .patch(
                &token_path("python"),
                json!({"expires": "soon", "expiring": "maybe", "description": null,
                       "user": "abc", "intent": "recovery"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "expires": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
            "expiring": ["Must be a valid boolean."],
            "description": ["This field may not be null."],
            "user": ["Incorrect type. Expected pk value, received str."],
            "intent": ["\"recovery\" is not a valid choice."],
        })
    );
}

#[actix_web::test]
async fn someone_elses_token_is_404_for_patch_put_set_key_and_view_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let key = create(&admin, "admins").await;
    let (alice, _) = app.user_with_perms("alice", &[]).await;
    let missing = json!({"detail": "No Token matches the given query."});

    let answers = [
        alice
            .patch(&token_path("admins"), json!({"description": "mine"}))
            .await,
        alice
            .put(
                &token_path("admins"),
                json!({"identifier": "admins", "description": "mine"}),
            )
            .await,
        alice
            .post(&format!("{TOKENS}admins/set_key/"), json!({"key": NEW_KEY}))
            .await,
        alice.get(&format!("{TOKENS}admins/view_key/")).await,
    ];
    for res in answers {
        assert_eq!(parts(res).await, (StatusCode::NOT_FOUND, missing.clone()));
    }
    let (_, token) = parts(admin.get(&token_path("admins")).await).await;
    assert_eq!(token["description"], "first");
    assert_eq!(me_with(&app, &key).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn only_a_superuser_gives_a_token_to_another_user() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, alice_pk) = app.user_with_perms("alice", &[]).await;
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");

    create(&alice, "alices").await;
    let (status, kept) = parts(
        alice
            .patch(&token_path("alices"), json!({"user": admin_pk}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kept["user"], alice_pk, "a plain user's `user` is ignored");

    create(&admin, "handover").await;
    let (status, moved) = parts(
        admin
            .patch(&token_path("handover"), json!({"user": alice_pk}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["user"], alice_pk);
    assert_eq!(moved["user_obj"]["username"], "alice");

    let (status, body) = parts(
        admin
            .patch(&token_path("handover"), json!({"user": 9999}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"user": ["Invalid pk \"9999\" - object does not exist."]})
        )
    );
}

#[actix_web::test]
async fn changing_and_showing_keys_is_refused_while_impersonating() {
    let app = TestApp::spawn().await;
    let (_, alice_pk) = app.user_with_perms("alice", &[]).await;
    let admin = app.admin().await;
    let key = create(&admin, "kept").await;
    let res = crate::impersonation::start(&admin, alice_pk, "ticket 7").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let refused = json!({"detail": "Not allowed while impersonating."});
    let answers = [
        admin
            .patch(&token_path("kept"), json!({"description": "x"}))
            .await,
        admin
            .put(
                &token_path("kept"),
                json!({"identifier": "kept", "description": "x"}),
            )
            .await,
        admin
            .post(&format!("{TOKENS}kept/set_key/"), json!({"key": NEW_KEY}))
            .await,
        admin.get(&format!("{TOKENS}kept/view_key/")).await,
    ];
    for res in answers {
        assert_eq!(parts(res).await, (StatusCode::FORBIDDEN, refused.clone()));
    }
    assert_eq!(me_with(&app, &key).await.0, StatusCode::OK);
    assert_eq!(model_events(&app, "model_updated", "token"), 0);
    let rotated: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'secret_rotate'");
    assert_eq!(rotated, 0);
}
