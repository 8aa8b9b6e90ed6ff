//! Limits that concurrency cannot outrun and inputs that cannot grow without bound:
//! login throttling counted when an attempt starts, the length of logged usernames,
//! and the keys of the `attributes` filter.

use crate::helpers::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

/// Sends `logins` (username, password) all at once; returns each answer's status.
async fn simultaneous_logins(app: &TestApp, logins: Vec<(String, &str)>) -> Vec<StatusCode> {
    let c = app.client();
    let sends = logins.into_iter().map(|(username, password)| {
        let c = c.clone();
        async move {
            c.post(
                "/api/v3/auth/login/",
                json!({"username": username, "password": password}),
            )
            .await
            .status()
        }
    });
    join_all(sends).await
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[actix_web::test]
async fn of_forty_simultaneous_wrong_logins_at_most_five_reach_the_password_check() {
    let app = TestApp::spawn().await;
    let logins = (0..40).map(|_| ("admin".to_owned(), "wrong")).collect();
    let statuses = simultaneous_logins(&app, logins).await;
    // Every attempt that reached the password check wrote its login_failed event.
    let checked: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'login_failed'");
    assert!(
        checked <= 5,
        "{checked} attempts reached the password check"
    );
    assert_eq!(count(&statuses, StatusCode::FORBIDDEN), checked as usize);
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        40 - checked as usize,
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn simultaneous_logins_from_one_ip_cannot_overshoot_its_limit() {
    let app = TestApp::spawn_with(|c| c.security.login_max_failures_per_ip = 10).await;
    let logins = (0..40).map(|i| (format!("user{i}"), "wrong")).collect();
    let statuses = simultaneous_logins(&app, logins).await;
    let checked: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'login_failed'");
    assert!(
        checked <= 10,
        "{checked} attempts reached the password check"
    );
    assert_eq!(count(&statuses, StatusCode::FORBIDDEN), checked as usize);
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        40 - checked as usize
    );
}

#[actix_web::test]
async fn successful_logins_give_their_slot_back() {
    let app = TestApp::spawn_with(|c| c.security.login_max_failures_per_ip = 2).await;
    for _ in 0..5 {
        app.admin().await;
    }
    let (status, body) = parts(
        app.client()
            .post(
                "/api/v3/auth/login/",
                json!({"username": "admin", "password": "wrong"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Invalid username or password."}));
}

#[actix_web::test]
async fn a_failed_login_keeps_at_most_150_characters_of_the_username() {
    let app = TestApp::spawn().await;
    let long = format!("{}{}", "é".repeat(150), "x".repeat(5000));
    let (status, body) = parts(
        app.client()
            .post(
                "/api/v3/auth/login/",
                json!({"username": long, "password": "wrong"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Invalid username or password."}));
    let logged: String = app.query(
        "SELECT json_extract(context, '$.username') FROM events WHERE action = 'login_failed'",
    );
    assert!(
        logged == "é".repeat(150),
        "kept {} characters",
        logged.chars().count()
    );
}

async fn users_with_attributes(c: &Client, filter: &str) -> (StatusCode, serde_json::Value) {
    let res = c
        .request(reqwest::Method::GET, "/api/v3/core/users/")
        .query(&[("attributes", filter)])
        .send()
        .await
        .unwrap();
    parts(res).await
}

#[actix_web::test]
async fn attributes_filter_keys_that_would_break_the_query_are_refused_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bad_key = json!({"attributes": [
        "filter: keys must be 1 to 100 characters, without \", \\ or control characters."
    ]});
    let too_long = format!(r#"{{"{}": 1}}"#, "k".repeat(101));
    for filter in [
        r#"{"a\\": 1}"#,
        r#"{"a\"b": 1}"#,
        r#"{"": 1}"#,
        r#"{"a\nb": 1}"#,
        r#"{"a\u0000": 1}"#,
        &too_long,
    ] {
        let (status, body) = users_with_attributes(&admin, filter).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}: {body}");
        assert_eq!(body, bad_key, "{filter}");
    }
    let too_many = json!({"attributes": ["filter: at most 20 keys are allowed."]});
    for n in [21, 1200] {
        let keys: serde_json::Map<_, _> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
        let filter = serde_json::Value::Object(keys).to_string();
        let (status, body) = users_with_attributes(&admin, &filter).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{n} keys: {body}");
        assert_eq!(body, too_many);
    }
}

#[actix_web::test]
async fn attributes_filter_takes_twenty_keys_of_a_hundred_characters() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let long = "k".repeat(100);
    app.sql(&format!(
        "UPDATE users SET attributes = '{{\"{long}\": 1, \"é ü\": \"x\"}}' WHERE username = 'admin'"
    ));
    let mut keys: serde_json::Map<_, _> = (0..18).map(|i| (format!("k{i}"), json!(null))).collect();
    keys.insert(long, json!(1));
    keys.insert("é ü".into(), json!("x"));
    let (status, body) =
        users_with_attributes(&admin, &serde_json::Value::Object(keys).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pagination"]["count"], 1);
    assert_eq!(body["results"][0]["username"], "admin");
}
