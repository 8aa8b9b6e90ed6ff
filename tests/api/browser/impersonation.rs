//! Impersonation from the page (the dialog, the banner, ending it, the server ending
//! it), the login throttle, and what users without admin permissions see.

use super::{
    ADMIN_PASSWORD, assert_clean_console, install_or_skip, log_in, log_out, me_in_browser, open,
};
use crate::helpers::{TestApp, parts};
use serde_json::json;
use standin::config::Span;

#[actix_web::test]
async fn impersonation_and_permissions_in_the_browser() {
    let Some(install) = install_or_skip("impersonation") else {
        return;
    };
    let app = TestApp::spawn().await;
    let bob = app.create_user("bob", "bob-password-1234");
    app.sql(&format!(
        "UPDATE users SET name = 'Bob Builder', email = 'bob@example.com' WHERE id = {bob}"
    ));
    let carol = app.create_user("carol", "carol-password-1234");
    // The one impersonated: may list users, so the banner shows over a real page.
    let (_, viewer) = app.user_with_perms("viewer", &["core.view_user"]).await;
    app.sql(&format!(
        "UPDATE users SET name = 'Vera Viewer', email = 'vera@example.com' WHERE id = {viewer}"
    ));
    let mut b = open(&install, &app).await;

    b.goto("/admin/").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;

    // Impersonate: the dialog wants a reason.
    b.goto(&format!("/admin/#/users/{viewer}")).await;
    b.click("#impersonate").await;
    b.wait_visible("#impersonate-dialog").await;
    b.click("#impersonate-dialog button[type=submit]").await;
    b.wait_text(
        "#impersonate-dialog [data-field=reason] .field-error",
        "This field is required.",
    )
    .await;
    b.screenshot("impersonate-dialog.png").await;
    b.fill("#impersonate-reason", "ticket 42").await;
    b.click("#impersonate-dialog button[type=submit]").await;

    // The banner, on every page, with a countdown.
    let banner = b
        .wait_text("#banner", "You are impersonating Vera Viewer (ticket 42)")
        .await;
    let countdown = b.wait_visible("#countdown").await;
    assert!(
        countdown.len() == "mm:ss left".len() && countdown.ends_with(" left"),
        "countdown {countdown:?} in {banner:?}"
    );
    assert!(banner.contains("End impersonation"), "{banner}");
    b.wait_visible("#users-table").await; // her home screen: she may list users
    b.screenshot("impersonation-banner.png").await;
    let me = me_in_browser(&b).await;
    assert_eq!(me["user"]["username"], "viewer");
    assert_eq!(me["original"]["username"], "admin");

    // End it: back to the admin's own view of her.
    b.click("#end-impersonation").await;
    b.wait_gone("#banner").await;
    b.wait_visible("#user-form").await;
    let hash = b.js("return location.hash", json!([])).await;
    assert_eq!(hash, format!("#/users/{viewer}"));
    let me = me_in_browser(&b).await;
    assert_eq!(me["user"]["username"], "admin");
    assert!(me.get("original").is_none(), "{me}");
    assert!(
        !b.visible("#notices .notice-warn").await,
        "no 'ended' notice after ending it oneself"
    );

    // The audit log shows both identities.
    b.goto("/admin/#/events").await;
    b.choose("#filter-action", "impersonation_started").await;
    let row = b
        .wait_until(
            "the impersonation_started event",
            "const rows = [...document.querySelectorAll('#events-table tbody tr')];             return rows.length === 1 ? [...rows[0].children].map(td => td.textContent) : null;",
            json!([]),
        )
        .await;
    assert_eq!(row[1], "impersonation started");
    assert_eq!(row[2], "admin");
    assert_eq!(row[3], "viewer");
    assert_eq!(row[4], "Reason: ticket 42");

    // The server ends one (another admin revokes it): the page notices on its next
    // request and says so — a request of the screen itself, or a navigation.
    let other = app.admin().await;
    let revoke = async || {
        let (_, list) = parts(other.get("/api/v3/core/impersonations/?active=true").await).await;
        let uuid = list["results"][0]["pk"]
            .as_str()
            .expect("an active impersonation");
        let res = other
            .post(
                &format!("/api/v3/core/impersonations/{uuid}/end/"),
                json!({}),
            )
            .await;
        assert_eq!(res.status(), 204);
    };
    for (reason, next_request) in [("ticket 43", "search"), ("ticket 44", "navigation")] {
        b.goto(&format!("/admin/#/users/{viewer}")).await;
        b.click("#impersonate").await;
        b.fill("#impersonate-reason", reason).await;
        b.click("#impersonate-dialog button[type=submit]").await;
        b.wait_text("#banner", reason).await;
        b.wait_visible("#users-table").await;
        revoke().await;
        if next_request == "search" {
            b.fill("#user-search", "bob").await;
        } else {
            b.click("#nav a[data-nav=me]").await;
        }
        b.wait_text(
            "#notices",
            "The impersonation has ended (expired or revoked).",
        )
        .await;
        b.wait_gone("#banner").await;
        assert_eq!(me_in_browser(&b).await["user"]["username"], "admin");
    }

    // Revoking from the impersonations screen.
    let res = other
        .post(
            &format!("/api/v3/core/users/{carol}/impersonate/"),
            json!({"reason": "night shift"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    b.click("#nav a[data-nav=impersonations]").await;
    b.wait_text("#impersonations-table", "night shift").await;
    b.screenshot("impersonations.png").await;
    b.click("#impersonations-table [data-revoke]").await;
    b.wait_visible("#confirm-dialog").await;
    b.click("#confirm-dialog button[type=submit]").await;
    b.wait_text(
        "#impersonations-table",
        "Nobody is impersonating anyone right now.",
    )
    .await;
    let (_, me) = parts(other.get("/api/v3/core/users/me/").await).await;
    assert!(me.get("original").is_none(), "revoked: {me}");
    log_out(&b).await;

    // The login form shows the throttle.
    let anon = app.client();
    for _ in 0..5 {
        anon.post(
            "/api/v3/auth/login/",
            json!({"username": "carol", "password": "wrong"}),
        )
        .await;
    }
    b.fill("#login-form input[name=username]", "carol").await;
    b.fill("#login-form input[name=password]", "carol-password-1234")
        .await;
    b.click("#login-submit").await;
    b.wait_text(
        "#login-form .form-error",
        "Request was throttled. Expected available in",
    )
    .await;

    // A plain user sees their own profile and nothing else.
    log_in(&b, "bob", "bob-password-1234").await;
    b.wait_text("#my-profile", "bob@example.com").await;
    // ... and may change their own password there.
    b.fill("#own-password input[name=password]", "bob-password-5678")
        .await;
    b.fill("#own-password input[name=again]", "bob-password-5678")
        .await;
    b.click("#own-password button[type=submit]").await;
    b.wait_text("#notices", "Password changed.").await;
    app.login("bob", "bob-password-5678").await;
    let nav = b
        .js(
            "return [...document.querySelectorAll('#nav a')].map(a => a.textContent)",
            json!([]),
        )
        .await;
    assert_eq!(nav, json!(["My profile"]));
    b.goto("/admin/#/users").await;
    b.wait_text(
        "#main",
        "You do not have permission to perform this action.",
    )
    .await;
    assert!(!b.visible("#users-table").await);
    b.goto(&format!("/admin/#/users/{bob}")).await;
    b.wait_text(
        "#main",
        "You do not have permission to perform this action.",
    )
    .await;
    for control in ["#user-form", "#impersonate", "#delete-user", "#create-user"] {
        assert!(!b.visible(control).await, "a plain user sees {control}");
    }
    log_out(&b).await;

    // Without core.change_user: the user, but no edit controls.
    log_in(&b, "viewer", "pw-viewer-123456").await;
    b.goto(&format!("/admin/#/users/{bob}")).await;
    b.wait_text("#user-title", "Bob Builder").await;
    let inputs = b
        .js(
            "return document.querySelectorAll('#main input, #main textarea, #main select').length",
            json!([]),
        )
        .await;
    assert_eq!(inputs, 0, "edit controls shown without core.change_user");
    for control in [
        "#user-form",
        "#save-user",
        "#impersonate",
        "#delete-user",
        "#toggle-active",
        "#set-password",
    ] {
        assert!(!b.visible(control).await, "a viewer sees {control}");
    }
    let nav = b
        .js(
            "return [...document.querySelectorAll('#nav a')].map(a => a.textContent)",
            json!([]),
        )
        .await;
    assert_eq!(nav, json!(["Users", "My profile"]));

    // The countdown: with a short `max_duration`, the page learns it from the latest
    // impersonation it may list, counts down, and says so when the server ends it.
    let short = TestApp::spawn_with(|c| c.impersonation.max_duration = Span::secs(4)).await;
    let vera = short.create_user("vera", "vera-password-1234");
    let api = short.admin().await;
    let res = api
        .post(
            &format!("/api/v3/core/users/{vera}/impersonate/"),
            json!({"reason": "warm-up"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    api.get("/api/v3/core/users/impersonate_end/").await;
    b.base = short.base.clone();
    b.goto("/admin/").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;
    b.goto(&format!("/admin/#/users/{vera}")).await;
    b.click("#impersonate").await;
    b.fill("#impersonate-reason", "short").await;
    b.click("#impersonate-dialog button[type=submit]").await;
    let left = b.wait_visible("#countdown").await;
    assert!(
        left.starts_with("00:0") && left.ends_with(" left"),
        "{left}"
    );
    b.wait_text("#countdown", "00:00 left").await;
    b.wait_text(
        "#notices",
        "The impersonation has ended (expired or revoked).",
    )
    .await;
    b.wait_gone("#banner").await;
    assert_clean_console(&b).await;
}
