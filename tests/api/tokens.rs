use crate::helpers::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const TOKENS: &str = "/api/v3/core/tokens/";

const TOKEN_FIELDS: &[(&str, &str)] = &[
    ("pk", "string"),
    ("managed", "null"),
    ("identifier", "string"),
    ("intent", "string"),
    ("user", "int"),
    ("user_obj", "object"),
    ("description", "string"),
    ("expires", "string|null"),
    ("expiring", "bool"),
    ("last_used", "string|null"),
    ("created", "string"),
];

/// Creates a token through the API and returns the 201 body.
async fn create(c: &Client, body: Value) -> Value {
    let (status, token) = parts(c.post(TOKENS, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    token
}

async fn bearer(app: &TestApp, method: Method, path: &str, key: &str) -> Response {
    app.client()
        .request(method, path)
        .header("Authorization", format!("Bearer {key}"))
        .send()
        .await
        .unwrap()
}

async fn assert_token_refused(res: Response) {
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Token invalid/expired"}));
}

async fn assert_no_token(res: Response) {
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "No Token matches the given query."}));
}

#[actix_web::test]
async fn a_created_token_has_every_field_and_its_key_only_in_the_201() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = create(
        &admin,
        json!({"identifier": "ci-deploy", "description": "CI"}),
    )
    .await;
    assert_fields(&token, TOKEN_FIELDS);
    assert_fields(&token, &[("key", "string")]);
    assert_datetimes(&token, &["expires", "last_used", "created"]);
    assert_eq!(token["identifier"], "ci-deploy");
    assert_eq!(token["intent"], "api");
    assert_eq!(token["description"], "CI");
    assert_eq!(token["expiring"], true);
    assert_eq!(token["last_used"], Value::Null);
    assert_eq!(token["user"], token["user_obj"]["pk"]);
    assert_eq!(token["user_obj"]["username"], "admin");
    assert!(token["user_obj"]["groups_obj"].is_array());
    uuid::Uuid::parse_str(token["pk"].as_str().unwrap()).unwrap();
    let key = token["key"].as_str().unwrap();
    assert!(key.len() >= 64, "at least 256 bits: {key}");

    // An expiring token without `expires` lives 30 days.
    let expires = chrono::DateTime::parse_from_rfc3339(token["expires"].as_str().unwrap()).unwrap();
    let days = (expires.to_utc() - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "{days}");

    let (status, one) = parts(admin.get("/api/v3/core/tokens/ci-deploy/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_fields(&one, TOKEN_FIELDS);
    assert!(
        one.get("key").is_none(),
        "the key is shown only once: {one}"
    );
    let (_, list) = parts(admin.get(TOKENS).await).await;
    assert_eq!(list["pagination"]["count"], 1);
    assert!(list["results"][0].get("key").is_none());
    assert_eq!(list["results"][0]["pk"], token["pk"]);
}

#[actix_web::test]
async fn a_token_authenticates_bearer_requests_and_records_its_use() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = create(&admin, json!({"identifier": "script"})).await;
    let key = token["key"].as_str().unwrap();
    let (status, me) = parts(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "admin");
    let (_, after) = parts(admin.get("/api/v3/core/tokens/script/").await).await;
    assert!(after["last_used"].is_string(), "{after}");
    assert_datetimes(&after, &["last_used"]);
}

#[actix_web::test]
async fn bearer_posts_need_no_csrf_header() {
    let app = TestApp::spawn().await;
    let token = create(&app.admin().await, json!({"identifier": "automation"})).await;
    let res = app
        .client()
        .request(Method::POST, TOKENS)
        .header(
            "Authorization",
            format!("Bearer {}", token["key"].as_str().unwrap()),
        )
        .json(&json!({"identifier": "made-by-a-token"}))
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["user_obj"]["username"], "admin");
}

#[actix_web::test]
async fn an_unknown_key_is_refused() {
    let app = TestApp::spawn().await;
    assert_token_refused(bearer(&app, Method::GET, "/api/v3/core/users/me/", "not-a-key").await)
        .await;
}

#[actix_web::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let past = create(
        &admin,
        json!({"identifier": "old", "expires": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(past["expires"], "2020-01-01T00:00:00.000000Z");
    let key = past["key"].as_str().unwrap();
    assert_token_refused(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;

    let lapsing = create(&admin, json!({"identifier": "lapsing"})).await;
    app.sql(
        "UPDATE tokens SET expires = '2001-01-01T00:00:00.000000Z' WHERE identifier = 'lapsing'",
    );
    let key = lapsing["key"].as_str().unwrap();
    assert_token_refused(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;
}

#[actix_web::test]
async fn a_non_expiring_token_keeps_working_and_has_no_expiry() {
    let app = TestApp::spawn().await;
    let token = create(
        &app.admin().await,
        json!({"identifier": "forever", "expiring": false}),
    )
    .await;
    assert_eq!(token["expiring"], false);
    assert_eq!(token["expires"], Value::Null);
    let key = token["key"].as_str().unwrap();
    let res = bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_deleted_token_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = create(&admin, json!({"identifier": "short-lived"})).await;
    let key = token["key"].as_str().unwrap();
    let res = admin.delete("/api/v3/core/tokens/short-lived/").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.text().await.unwrap(), "");
    assert_token_refused(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;
    assert_no_token(admin.get("/api/v3/core/tokens/short-lived/").await).await;
    assert_no_token(admin.delete("/api/v3/core/tokens/short-lived/").await).await;
}

#[actix_web::test]
async fn a_token_of_a_deactivated_user_stops_working() {
    let app = TestApp::spawn().await;
    let (alice, alice_pk) = app.user_with_perms("alice", &[]).await;
    let token = create(&alice, json!({"identifier": "alice-cli"})).await;
    let key = token["key"].as_str().unwrap();
    let res = bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await;
    assert_eq!(res.status(), StatusCode::OK);
    app.sql_noticed(&format!(
        "UPDATE users SET is_active = 0 WHERE id = {alice_pk}"
    ))
    .await;
    assert_token_refused(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;
}

#[actix_web::test]
async fn the_database_holds_only_a_hash_of_the_key() {
    let app = TestApp::spawn().await;
    let token = create(&app.admin().await, json!({"identifier": "secret"})).await;
    let key = token["key"].as_str().unwrap();
    let hash: String = app.query("SELECT key_hash FROM tokens WHERE identifier = 'secret'");
    assert_ne!(hash, key);
    assert_eq!(hash.len(), 64);
    let everything: String = app.query(
        "SELECT (SELECT group_concat(uuid || identifier || key_hash || description) FROM tokens)
             || (SELECT group_concat(context || user_json) FROM events)",
    );
    assert!(!everything.contains(key));
    // Nor anywhere in the files, the write-ahead log included.
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", app.config.database.path.display());
        if let Ok(bytes) = std::fs::read(&path) {
            let found = bytes.windows(key.len()).any(|w| w == key.as_bytes());
            assert!(!found, "the key is in {path}");
        }
    }
}

#[actix_web::test]
async fn the_bootstrap_token_authenticates_as_the_admin() {
    let key = "bootstrap-token-for-tests-0123456789abcdef";
    let app = TestApp::spawn_with(|c| c.bootstrap.token = Some(key.into())).await;
    let (status, me) = parts(bearer(&app, Method::GET, "/api/v3/core/users/me/", key).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(me["user"]["is_superuser"], true);
}

#[actix_web::test]
async fn users_see_their_own_tokens_and_superusers_see_all() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, alice_pk) = app.user_with_perms("alice", &[]).await;
    create(&admin, json!({"identifier": "admin-tok"})).await;
    create(&alice, json!({"identifier": "alice-tok"})).await;

    let (status, mine) = parts(alice.get(TOKENS).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["pagination"]["count"], 1);
    assert_eq!(mine["results"][0]["identifier"], "alice-tok");
    assert_eq!(mine["results"][0]["user"], alice_pk);

    let (_, all) = parts(admin.get(TOKENS).await).await;
    let names: Vec<&str> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin-tok", "alice-tok"]);
    let (_, by_user) = parts(admin.get(&format!("{TOKENS}?user={alice_pk}")).await).await;
    assert_eq!(by_user["pagination"]["count"], 1);
    assert_eq!(by_user["results"][0]["identifier"], "alice-tok");
    let (status, theirs) = parts(admin.get("/api/v3/core/tokens/alice-tok/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(theirs["user_obj"]["username"], "alice");

    // Another user's token is not found, never forbidden: its existence stays hidden.
    let admin_pk = all["results"][0]["user"].as_i64().unwrap();
    let (_, filtered) = parts(alice.get(&format!("{TOKENS}?user={admin_pk}")).await).await;
    assert_eq!(filtered["pagination"]["count"], 0);
    assert_no_token(alice.get("/api/v3/core/tokens/admin-tok/").await).await;
    assert_no_token(alice.delete("/api/v3/core/tokens/admin-tok/").await).await;
    let left: i64 = app.query("SELECT COUNT(*) FROM tokens WHERE identifier = 'admin-tok'");
    assert_eq!(left, 1);

    // A superuser may delete anyone's token.
    let res = admin.delete("/api/v3/core/tokens/alice-tok/").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn only_a_superuser_creates_tokens_for_someone_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, alice_pk) = app.user_with_perms("alice", &[]).await;
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");

    let own = create(&alice, json!({"identifier": "sneaky", "user": admin_pk})).await;
    assert_eq!(own["user"], alice_pk, "a plain user's `user` is ignored");

    let for_alice = create(&admin, json!({"identifier": "for-alice", "user": alice_pk})).await;
    assert_eq!(for_alice["user"], alice_pk);
    assert_eq!(for_alice["user_obj"]["username"], "alice");

    let (status, body) = parts(
        admin
            .post(TOKENS, json!({"identifier": "nobody", "user": 9999}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"user": ["Invalid pk \"9999\" - object does not exist."]})
    );
}

#[actix_web::test]
async fn bad_input_is_reported_for_every_field_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = parts(
        admin
            .post(
                TOKENS,
                json!({"identifier": "no spaces!", "intent": "recovery", "expires": "tomorrow",
                       "expiring": "maybe", "description": null, "user": "abc"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "identifier": ["Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens."],
            "intent": ["\"recovery\" is not a valid choice."],
            "expires": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
            "expiring": ["Must be a valid boolean."],
            "description": ["This field may not be null."],
            "user": ["Incorrect type. Expected pk value, received str."],
        })
    );

    for (input, expected) in [
        (
            json!({}),
            json!({"identifier": ["This field is required."]}),
        ),
        (
            json!({"identifier": "  "}),
            json!({"identifier": ["This field may not be blank."]}),
        ),
        (
            json!({"identifier": ["x"]}),
            json!({"identifier": ["Not a valid string."]}),
        ),
        (
            json!({"identifier": "a".repeat(256)}),
            json!({"identifier": ["Ensure this field has no more than 255 characters."]}),
        ),
        (
            json!({"identifier": "ok", "expires": 12, "user": true}),
            json!({"expires": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
                   "user": ["Incorrect type. Expected pk value, received bool."]}),
        ),
        (
            json!([1]),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ),
        (
            json!("x"),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
        ),
    ] {
        let (status, body) = parts(admin.post(TOKENS, input.clone()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{input}");
        assert_eq!(body, expected, "{input}");
    }
    let stored: i64 = app.query("SELECT COUNT(*) FROM tokens");
    assert_eq!(stored, 0);
    assert_eq!(
        model_events(&app, "model_created", "token"),
        0,
        "a refused create records nothing"
    );
}

#[actix_web::test]
async fn identifiers_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, _) = app.user_with_perms("alice", &[]).await;
    create(&admin, json!({"identifier": "taken"})).await;
    let (status, body) = parts(alice.post(TOKENS, json!({"identifier": "taken"})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"identifier": ["This field must be unique."]}));
    assert_eq!(model_events(&app, "model_created", "token"), 1);
}

#[actix_web::test]
async fn creating_and_deleting_are_recorded_without_the_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = create(&admin, json!({"identifier": "audited"})).await;
    let key = token["key"].as_str().unwrap();
    admin.delete("/api/v3/core/tokens/audited/").await;
    // authentik's own actions: its clients refuse any other (no `token_created`).
    for action in ["model_created", "model_deleted"] {
        let path = format!("/api/v3/events/events/?action={action}&context_model_name=token");
        let (_, page) = parts(admin.get(&path).await).await;
        assert_eq!(page["pagination"]["count"], 1, "{action}");
        let event = &page["results"][0];
        assert_eq!(event["user"]["username"], "admin");
        assert_eq!(
            event["context"],
            json!({"identifier": "audited", "model": {"app": "standin", "model_name": "token",
                   "pk": token["pk"], "name": "audited"}})
        );
        assert!(!event.to_string().contains(key));
    }
    let other: i64 = app.query(
        "SELECT COUNT(*) FROM events WHERE action NOT IN ('login', 'model_created', 'model_deleted')",
    );
    assert_eq!(other, 0);
}

#[actix_web::test]
async fn lists_filter_order_and_paginate() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for id in ["b-tok", "a-tok", "c-tok"] {
        create(&admin, json!({"identifier": id})).await;
    }
    let names = |page: &Value| -> Vec<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["identifier"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, page) = parts(admin.get(TOKENS).await).await;
    assert_eq!(names(&page), ["a-tok", "b-tok", "c-tok"]);
    let (_, page) = parts(admin.get(&format!("{TOKENS}?ordering=-identifier")).await).await;
    assert_eq!(names(&page), ["c-tok", "b-tok", "a-tok"]);
    let (_, page) = parts(admin.get(&format!("{TOKENS}?ordering=-created")).await).await;
    assert_eq!(names(&page), ["c-tok", "a-tok", "b-tok"]);
    let (_, page) = parts(admin.get(&format!("{TOKENS}?identifier=b-tok")).await).await;
    assert_eq!(names(&page), ["b-tok"]);
    let (_, page) = parts(admin.get(&format!("{TOKENS}?page=2&page_size=2")).await).await;
    assert_eq!(names(&page), ["c-tok"]);
    assert_eq!(
        page["pagination"],
        json!({"next": 0, "previous": 1, "count": 3, "current": 2,
        "total_pages": 2, "start_index": 3, "end_index": 3})
    );

    let (status, body) = parts(admin.get(&format!("{TOKENS}?page=3&page_size=2")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Invalid page."}));
    let (status, body) = parts(admin.get(&format!("{TOKENS}?user=me")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"user": ["Enter a number."]}));
    let (status, body) = parts(admin.get(&format!("{TOKENS}?ordering=key_hash")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["ordering"].is_array(), "{body}");
}

#[actix_web::test]
async fn tokens_need_authentication_and_a_method_not_served_is_405() {
    let app = TestApp::spawn().await;
    assert_unauthenticated(app.client().get(TOKENS).await).await;
    let admin = app.admin().await;
    create(&admin, json!({"identifier": "fixed"})).await;
    let (status, body) = parts(
        admin
            .post("/api/v3/core/tokens/fixed/", json!({"description": "x"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body, json!({"detail": "Method not allowed."}));
}

#[actix_web::test]
async fn creating_and_deleting_tokens_is_refused_while_impersonating() {
    let app = TestApp::spawn().await;
    let (_, alice_pk) = app.user_with_perms("alice", &[]).await;
    let admin = app.admin().await;
    create(&admin, json!({"identifier": "kept"})).await;
    let res = admin
        .post(
            &format!("/api/v3/core/users/{alice_pk}/impersonate/"),
            json!({"reason": "ticket 7"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let refused = json!({"detail": "Not allowed while impersonating."});
    let (status, body) = parts(admin.post(TOKENS, json!({"identifier": "as-alice"})).await).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refused.clone()));
    let (status, body) = parts(admin.delete("/api/v3/core/tokens/kept/").await).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refused));
    let tokens: i64 = app.query("SELECT COUNT(*) FROM tokens");
    assert_eq!(tokens, 1);
    let created = model_events(&app, "model_created", "token");
    let deleted = model_events(&app, "model_deleted", "token");
    assert_eq!(
        (created, deleted),
        (1, 0),
        "only the create before the impersonation"
    );
}
