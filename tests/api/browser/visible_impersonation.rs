//! Impersonation the impersonated can see and admins can trust, on the page:
//! read-only by default with no write controls, full access on request, the
//! password asked again when the session is stale, the countdown to the idle limit,
//! and the user told of the visit after login and on their profile.

use super::{
    ADMIN_PASSWORD, assert_clean_console, install_or_skip, log_in, log_out, me_in_browser, open,
};
use crate::helpers::{TestApp, parts};
use serde_json::json;
use standin::config::Span;
use std::time::Duration;

const REASON: &str = "ticket 77: cannot see invoices";

/// Whatever would change something on a user's screen.
const USER_WRITE_CONTROLS: [&str; 7] = [
    "#user-form",
    "#save-user",
    "#toggle-active",
    "#delete-user",
    "#set-password",
    "#impersonate",
    "#create-user",
];

/// Form controls on the screen that a click or a keystroke could change.
async fn enabled_inputs(b: &super::webdriver::Browser) -> serde_json::Value {
    b.js(
        "return document.querySelectorAll('#main input:not(:disabled), #main textarea:not(:disabled), #main select:not(:disabled)').length",
        json!([]),
    )
    .await
}

#[actix_web::test]
async fn impersonation_is_read_only_by_default_asks_for_a_fresh_password_and_is_told_to_the_user() {
    let Some(install) = install_or_skip("read-only impersonation") else {
        return;
    };
    let app = TestApp::spawn().await;
    // Erin may edit users and groups: a read-only visit must still show none of it.
    let (_, erin) = app
        .user_with_perms(
            "erin",
            &[
                "core.view_user",
                "core.add_user",
                "core.change_user",
                "core.delete_user",
                "core.view_group",
                "core.add_group",
                "core.change_group",
                "core.delete_group",
            ],
        )
        .await;
    app.sql(&format!(
        "UPDATE users SET name = 'Erin Hunter' WHERE id = {erin}"
    ));
    let bob = app.create_user("bob", "bob-password-1234");
    app.sql(&format!(
        "UPDATE users SET name = 'Bob Builder' WHERE id = {bob}"
    ));
    let admin = app.admin().await;
    let res = admin
        .post("/api/v3/core/groups/", json!({"name": "support"}))
        .await;
    assert_eq!(res.status(), 201);
    let (_, group) = parts(res).await;
    let group = group["pk"].as_str().unwrap().to_owned();
    app.user_with_perms(
        "helpdesk",
        &["core.view_user", "core.impersonate_read_only"],
    )
    .await;
    let mut b = open(&install, &app).await;
    b.goto("/admin/").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;

    // The dialog: a reason, and "Read only" ticked unless the admin unticks it.
    b.goto(&format!("/admin/#/users/{erin}")).await;
    b.click("#impersonate").await;
    b.wait_text("#impersonate-dialog", "Read only").await;
    let ticked = b
        .js(
            "return document.querySelector('#impersonate-read-only').checked",
            json!([]),
        )
        .await;
    assert_eq!(ticked, json!(true), "Read only is the default");
    b.fill("#impersonate-reason", REASON).await;
    b.screenshot("impersonate-dialog-read-only.png").await;
    b.click("#impersonate-dialog button[type=submit]").await;

    // The banner says so, and no screen offers a change.
    let banner = b
        .wait_text(
            "#banner",
            &format!("You are impersonating Erin Hunter ({REASON})"),
        )
        .await;
    assert_eq!(b.wait_visible("#banner-read-only").await, "read-only");
    assert!(banner.contains("End impersonation"), "{banner}");
    let me = me_in_browser(&b).await;
    assert_eq!(me["user"]["username"], "erin");
    assert_eq!(me["impersonation"]["read_only"], true, "{me}");
    b.wait_visible("#users-table").await; // her home screen
    assert!(
        !b.visible("#create-user").await,
        "Create user while read-only"
    );
    b.goto(&format!("/admin/#/users/{bob}")).await;
    b.wait_text("#user-title", "Bob Builder").await;
    assert_eq!(enabled_inputs(&b).await, 0, "inputs while read-only");
    for control in USER_WRITE_CONTROLS {
        assert!(!b.visible(control).await, "{control} while read-only");
    }
    b.screenshot("read-only-banner.png").await;
    b.goto("/admin/#/groups").await;
    b.wait_text("#groups-table", "support").await;
    assert!(!b.visible("a[href='#/groups/new']").await, "Create group");
    b.goto(&format!("/admin/#/groups/{group}")).await;
    b.wait_visible("#group-form").await;
    assert_eq!(enabled_inputs(&b).await, 0, "group inputs while read-only");
    for control in ["#save-group", "#delete-group", ".inline-form"] {
        assert!(!b.visible(control).await, "{control} while read-only");
    }
    // A create screen reached by its address says why it is not there.
    b.goto("/admin/#/users/new").await;
    b.wait_text("#main", "This impersonation is read-only.")
        .await;
    assert!(!b.visible("#user-form").await);

    // Ended: the admin's own controls are back.
    b.click("#end-impersonation").await;
    b.wait_gone("#banner").await;
    b.wait_visible("#user-form").await;
    assert!(b.visible("#impersonate").await);
    // The admins' list marks it read-only too.
    b.goto("/admin/#/impersonations?all=1").await;
    let row = b.wait_text("#impersonations-table tbody tr", REASON).await;
    assert!(row.contains("Read-only"), "{row}");
    log_out(&b).await;

    // Holding only core.impersonate_read_only: no choice, always read-only.
    log_in(&b, "helpdesk", "pw-helpdesk-123456").await;
    b.goto(&format!("/admin/#/users/{bob}")).await;
    b.click("#impersonate").await;
    b.wait_visible("#impersonate-reason").await;
    assert!(
        !b.visible("#impersonate-read-only").await,
        "the Read only choice for a holder of only core.impersonate_read_only"
    );
    b.fill("#impersonate-reason", "walkthrough").await;
    b.click("#impersonate-dialog button[type=submit]").await;
    b.wait_text("#banner", "You are impersonating Bob Builder (walkthrough)")
        .await;
    b.wait_visible("#banner-read-only").await;
    assert_eq!(me_in_browser(&b).await["impersonation"]["read_only"], true);
    b.click("#end-impersonation").await;
    b.wait_gone("#banner").await;
    log_out(&b).await;

    // Erin logs in: a notice names who, when, why and how, until "Got it".
    log_in(&b, "erin", "pw-erin-123456").await;
    let notice = b
        .wait_text("#visits", "An administrator signed in as you")
        .await;
    for needle in ["@admin", REASON, "Read-only", "profile"] {
        assert!(notice.contains(needle), "{needle:?} in {notice:?}");
    }
    b.wait_visible("#users-table").await;
    b.screenshot("visit-notice.png").await;
    b.click("#visits-seen").await;
    b.wait_gone("#visits").await;
    assert_eq!(me_in_browser(&b).await["unseen_impersonations"], 0);
    // ... and it does not come back: not on the next screen, a reload, or a new login.
    b.click("#nav a[data-nav=me]").await;
    let history = b.wait_text("#access-history-table", REASON).await;
    assert!(history.contains("@admin"), "{history}");
    assert!(history.contains("Read-only"), "{history}");
    assert!(history.contains("ended by them"), "{history}");
    assert!(!history.contains("New"), "seen, yet marked new: {history}");
    assert!(!b.visible("#visits").await, "the notice came back");
    b.refresh().await;
    b.wait_text("#access-history-table", REASON).await;
    assert!(
        !b.visible("#visits").await,
        "the notice came back on reload"
    );
    log_out(&b).await;
    log_in(&b, "erin", "pw-erin-123456").await;
    b.wait_visible("#users-table").await;
    assert!(!b.visible("#visits").await, "the notice came back on login");
    log_out(&b).await;

    // Bob was visited read-only by the helpdesk; his profile lists it too.
    log_in(&b, "bob", "bob-password-1234").await;
    b.wait_text("#visits", "helpdesk — ").await;
    b.wait_text("#access-history-table", "walkthrough").await;
    log_out(&b).await;

    // A stale session is asked for the password (a wrong one is refused), then the
    // impersonation starts: with Read only unticked, with full access.
    let stale = TestApp::spawn_with(|c| c.impersonation.reauth_within = Span::secs(1)).await;
    let (_, frank) = stale
        .user_with_perms("frank", &["core.view_user", "core.change_user"])
        .await;
    stale.sql(&format!(
        "UPDATE users SET name = 'Frank Castle' WHERE id = {frank}"
    ));
    let gina = stale.create_user("gina", "gina-password-1234");
    b.base = stale.base.clone();
    b.goto("/admin/").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.goto(&format!("/admin/#/users/{frank}")).await;
    b.click("#impersonate").await;
    b.fill("#impersonate-reason", "ticket 78").await;
    b.click("#impersonate-read-only").await;
    b.click("#impersonate-dialog button[type=submit]").await;
    b.wait_text("#reauth-dialog", "Confirm your password to continue.")
        .await;
    b.fill("#reauth-password", "not-the-password").await;
    b.click("#reauth-dialog button[type=submit]").await;
    b.wait_text(
        "#reauth-dialog [data-field=password] .field-error",
        "Invalid password.",
    )
    .await;
    assert!(!b.visible("#banner").await, "started without the password");
    b.fill("#reauth-password", ADMIN_PASSWORD).await;
    b.click("#reauth-dialog button[type=submit]").await;
    b.wait_text("#banner", "You are impersonating Frank Castle (ticket 78)")
        .await;
    assert!(
        !b.visible("#banner-read-only").await,
        "full access, yet read-only"
    );
    let me = me_in_browser(&b).await;
    assert_eq!(me["impersonation"]["read_only"], false, "{me}");
    b.goto(&format!("/admin/#/users/{gina}")).await;
    b.wait_visible("#user-form").await; // Frank may edit users, and so may his visitor
    assert!(b.visible("#save-user").await);
    b.click("#end-impersonation").await;
    b.wait_gone("#banner").await;

    // The countdown shows the idle limit when it comes before the hard one, and the
    // page says so when the server ends an idle impersonation.
    let idle = TestApp::spawn_with(|c| c.impersonation.idle_timeout = Span::secs(5)).await;
    let hank = idle.create_user("hank", "hank-password-1234");
    b.base = idle.base.clone();
    b.goto("/admin/").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;
    b.goto(&format!("/admin/#/users/{hank}")).await;
    b.click("#impersonate").await;
    b.fill("#impersonate-reason", "ticket 79").await;
    b.click("#impersonate-dialog button[type=submit]").await;
    let left = b.wait_visible("#countdown").await;
    assert!(
        left.starts_with("00:0") && left.ends_with(" left"),
        "the idle limit, not the hour: {left}"
    );
    assert_eq!(
        b.wait_visible("#countdown-why").await.trim(),
        "(idle limit)"
    );
    let me = me_in_browser(&b).await;
    assert!(me["impersonation"]["idle_expires"].is_string(), "{me}");
    b.wait_text(
        "#notices",
        "The impersonation has ended (expired or revoked).",
    )
    .await;
    b.wait_gone("#banner").await;
    let (_, list) = parts(idle.admin().await.get("/api/v3/core/impersonations/").await).await;
    assert_eq!(list["results"][0]["end_reason"], "idle", "{list}");
    assert_clean_console(&b).await;
}
