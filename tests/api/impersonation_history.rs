//! The idle limit, and the impersonated user's own view of who entered their account.

use crate::helpers::*;
use crate::impersonation::{events_of, me, start};
use reqwest::StatusCode;
use serde_json::json;
use standin::config::Span;

const HISTORY: &str = "/api/v3/core/users/me/impersonations/";
const SEEN: &str = "/api/v3/core/users/me/impersonations/seen/";

/// Moves the running impersonation's last request `secs` into the past.
async fn idle_for(app: &TestApp, secs: i64) {
    let at = standin::domain::time::format(chrono::Utc::now() - chrono::Duration::seconds(secs));
    app.sql_noticed(&format!(
        "UPDATE impersonations SET last_active = '{at}', started = '{at}' WHERE ended IS NULL"
    ))
    .await;
}

fn stored_end_reason(app: &TestApp) -> Option<String> {
    app.query("SELECT end_reason FROM impersonations ORDER BY id DESC LIMIT 1")
}

#[actix_web::test]
async fn an_idle_impersonation_ends_on_its_next_request() {
    let app = TestApp::spawn_with(|c| c.impersonation.idle_timeout = Span::secs(60)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    assert_eq!(start(&admin, ana, "ticket").await.status(), 204);
    let running = me(&admin).await;
    let idle_expires = running["impersonation"]["idle_expires"].as_str().unwrap();
    let started = running["impersonation"]["started"].as_str().unwrap();
    let gap = chrono::DateTime::parse_from_rfc3339(idle_expires).unwrap()
        - chrono::DateTime::parse_from_rfc3339(started).unwrap();
    assert_eq!(gap.num_seconds(), 60);
    idle_for(&app, 61).await;
    let session = me(&admin).await;
    assert_eq!(session["user"]["username"], "admin", "served as the caller");
    assert!(session.get("impersonation").is_none());
    assert_eq!(stored_end_reason(&app).as_deref(), Some("idle"));
    let (_, ended) = events_of(&app, "impersonation_ended").pop().unwrap();
    assert_eq!(ended["end_reason"], "idle");
}

#[actix_web::test]
async fn a_request_keeps_an_impersonation_from_going_idle() {
    let app = TestApp::spawn_with(|c| c.impersonation.idle_timeout = Span::secs(60)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "ticket").await;
    idle_for(&app, 40).await;
    assert_eq!(me(&admin).await["user"]["username"], "ana");
    // That request was noted (it was over 30 s since the last note): 40 s more is fine.
    let noted: String = app.query("SELECT last_active FROM impersonations");
    let age = chrono::Utc::now()
        - chrono::DateTime::parse_from_rfc3339(&noted)
            .unwrap()
            .to_utc();
    assert!(age.num_seconds() < 5, "last_active {noted}");
    let before: String = noted;
    assert_eq!(me(&admin).await["user"]["username"], "ana");
    let again: String = app.query("SELECT last_active FROM impersonations");
    assert_eq!(again, before, "not written again within 30 s");
}

#[actix_web::test]
async fn an_idle_impersonation_is_ended_without_waiting_for_its_next_request() {
    let app = TestApp::spawn_with(|c| c.impersonation.idle_timeout = Span::secs(60)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "ticket").await;
    idle_for(&app, 61).await;
    // Another admin looks at the list: the sweep's work is done by then.
    let other = app.admin().await;
    let (_, page) = parts(other.get("/api/v3/core/impersonations/").await).await;
    assert_eq!(page["results"][0]["end_reason"], "idle");
    assert_eq!(page["results"][0]["active"], false);
    assert_eq!(events_of(&app, "impersonation_ended").len(), 1);
}

#[actix_web::test]
async fn idle_timeout_zero_means_no_idle_limit() {
    let app = TestApp::spawn_with(|c| c.impersonation.idle_timeout = Span::secs(0)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "ticket").await;
    assert!(me(&admin).await["impersonation"]["idle_expires"].is_null());
    idle_for(&app, 3000).await;
    assert_eq!(me(&admin).await["user"]["username"], "ana");
}

#[actix_web::test]
async fn the_impersonated_user_sees_their_own_history_and_only_theirs() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let bob = app.create_user("bob", "pw-bob-123456");
    let admin = app.admin().await;
    let body = json!({"reason": "ticket 7: invoices", "read_only": true});
    admin
        .post(&format!("/api/v3/core/users/{ana}/impersonate/"), body)
        .await;
    admin.get("/api/v3/core/users/impersonate_end/").await;
    start(&admin, bob, "bob's ticket").await;
    admin.get("/api/v3/core/users/impersonate_end/").await;

    let ana_c = app.login("ana", "pw-ana-123456").await;
    let session = me(&ana_c).await;
    assert_eq!(session["unseen_impersonations"], 1);
    let (status, page) = parts(ana_c.get(HISTORY).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["pagination"]["count"], 1);
    let visit = &page["results"][0];
    assert_eq!(visit["original"]["username"], "admin");
    assert_eq!(visit["reason"], "ticket 7: invoices");
    assert_eq!(
        (&visit["read_only"], &visit["seen"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(visit["end_reason"], "ended");
    assert_datetimes(visit, &["started", "ended"]);
    assert!(visit.get("target").is_none(), "it is always the reader");

    let res = ana_c.post(SEEN, json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&ana_c).await["unseen_impersonations"], 0);
    let (_, page) = parts(ana_c.get(HISTORY).await).await;
    assert_eq!(page["results"][0]["seen"], true);
    let bob_unseen: i64 = app.query(&format!(
        "SELECT COUNT(*) FROM impersonations WHERE target_user_id = {bob} AND seen = 0"
    ));
    assert_eq!(bob_unseen, 1, "ana's acknowledgement is hers alone");
    // A token reads the same history.
    let key = app.create_token(ana);
    let res = Client::bearer(&app.base, &key, reqwest::Method::GET, HISTORY, None).await;
    let (status, page) = parts(res).await;
    assert_eq!(
        (status, page["pagination"]["count"].clone()),
        (StatusCode::OK, json!(1))
    );
}

#[actix_web::test]
async fn an_impersonator_cannot_mark_their_own_visit_seen() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "ticket").await;
    let res = admin.post(SEEN, json!({})).await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Not allowed while impersonating."})
        )
    );
    let unseen: i64 = app.query("SELECT COUNT(*) FROM impersonations WHERE seen = 0");
    assert_eq!(unseen, 1);
}
