//! An admin's session: login, the users list, editing, validation errors, and a
//! hostile display name.

use super::{ADMIN_PASSWORD, assert_clean_console, create_user, install_or_skip, log_in, open};
use crate::helpers::TestApp;
use serde_json::json;

const XSS: &str = "<img src=x onerror=alert(1)>";

/// A directory worth looking at in the screenshots.
async fn seed(app: &TestApp) -> (i64, i64) {
    let admin = app.admin().await;
    for name in ["support", "engineering"] {
        // Best effort: the groups are scenery, not what these tests prove.
        let _ = admin
            .post("/api/v3/core/groups/", json!({"name": name}))
            .await;
    }
    let people = [
        ("alice", "Alice Example", "alice@example.com", "internal"),
        ("bob", "Bob Builder", "bob@example.com", "internal"),
        ("carol", "Carol Danvers", "carol@example.org", "internal"),
        ("dave", "Dave Lister", "dave@example.org", "external"),
        ("erin", "Erin Hunter", "erin@example.net", "internal"),
        ("backup-bot", "Nightly backup", "", "service_account"),
    ];
    let mut alice = 0;
    for (username, name, email, kind) in people {
        let pk = create_user(
            app,
            json!({"username": username, "name": name, "email": email, "type": kind}),
        )
        .await;
        if username == "alice" {
            alice = pk;
        }
    }
    let xss = create_user(app, json!({"username": "mallory", "name": XSS})).await;
    (alice, xss)
}

#[actix_web::test]
async fn an_admin_finds_edits_and_validates_users_in_the_browser() {
    let Some(install) = install_or_skip("admin page") else {
        return;
    };
    let app = TestApp::spawn().await;
    let (alice, xss) = seed(&app).await;
    let b = open(&install, &app).await;

    // `/` leads to the page, which asks who we are and shows the login form.
    b.goto("/").await;
    b.wait_visible("#login-form").await;
    let url = b.js("return location.pathname", json!([])).await;
    assert_eq!(url, "/admin/");

    // First load: the page and every module and style sheet it loads, as transferred.
    let bytes = b
        .js(
            "const page = performance.getEntriesByType('navigation')[0].transferSize;\
             return performance.getEntriesByType('resource')\
                 .filter(r => r.name.includes('/admin/'))\
                 .reduce((sum, r) => sum + r.transferSize, page);",
            json!([]),
        )
        .await;
    let bytes = bytes.as_u64().expect("a byte count");
    assert!(bytes < 100 * 1024, "first load transferred {bytes} bytes");
    eprintln!("admin page first load: {bytes} bytes transferred");

    // Wrong password, then the right one.
    b.fill("#login-form input[name=username]", "admin").await;
    b.fill("#login-form input[name=password]", "not-the-password")
        .await;
    b.click("#login-submit").await;
    b.wait_text("#login-form .form-error", "Invalid username or password.")
        .await;
    b.screenshot("login.png").await;
    log_in(&b, "admin", ADMIN_PASSWORD).await;
    b.wait_visible("#users-table").await;
    b.screenshot("users-list.png").await;

    // Search finds a user (and only that one).
    b.fill("#user-search", "ali").await;
    let names = b
        .wait_until(
            "the search to narrow the list to alice",
            "const names = [...document.querySelectorAll('#users-table tbody .username')].map(e => e.textContent);\
             return names.length === 1 ? names : null;",
            json!([]),
        )
        .await;
    assert_eq!(names, json!(["alice"]));
    let hash = b.js("return location.hash", json!([])).await;
    assert_eq!(hash, "#/users?search=ali", "the filter is kept in the URL");

    // Sorting: the username header turns the order around.
    b.goto("/admin/#/users").await;
    b.click("#users-table [data-sort=username]").await;
    b.wait_until(
        "the list sorted by username, descending",
        "const first = document.querySelector('#users-table tbody .username');\
         return first && first.textContent === 'mallory' && location.hash === '#/users?ordering=-username';",
        json!([]),
    )
    .await;

    // Edit a field, save, and see it after a reload.
    b.click(&format!("#users-table a[href='#/users/{alice}']"))
        .await;
    b.wait_visible("#user-form").await;
    b.fill("#user-form input[name=name]", "Alice Liddell").await;
    b.click("#save-user").await;
    b.wait_text("#notices", "Saved.").await;
    b.refresh().await;
    b.wait_text("#user-title", "Alice Liddell").await;
    let value = b
        .js(
            "return document.querySelector('#user-form input[name=name]').value",
            json!([]),
        )
        .await;
    assert_eq!(value, "Alice Liddell");
    let (_, body) = crate::helpers::parts(
        app.admin()
            .await
            .get(&format!("/api/v3/core/users/{alice}/"))
            .await,
    )
    .await;
    assert_eq!(body["name"], "Alice Liddell", "saved on the server");
    b.screenshot("user.png").await;

    // Validation errors appear at their fields, with the server's wording.
    b.fill("#user-form input[name=username]", "not valid!")
        .await;
    b.fill("#user-form input[name=email]", "nope").await;
    b.click("#save-user").await;
    b.wait_text(
        "#user-form [data-field=username] .field-error",
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
    )
    .await;
    b.wait_text(
        "#user-form [data-field=email] .field-error",
        "Enter a valid email address.",
    )
    .await;
    b.screenshot("validation.png").await;

    // A hostile display name is shown as text and runs nothing.
    b.goto(&format!("/admin/#/users/{xss}")).await;
    let title = b.wait_text("#user-title", "onerror").await;
    assert_eq!(title, XSS);
    let injected = b
        .js(
            "return document.querySelectorAll('img[src=\"x\"]').length",
            json!([]),
        )
        .await;
    assert_eq!(injected, 0, "the name became markup");
    assert_eq!(b.alert_text().await, None, "a script ran");
    b.goto("/admin/#/users?search=mallory").await;
    let cell = b.wait_visible("#users-table tbody td.name").await;
    assert_eq!(cell, XSS);
    assert_eq!(b.alert_text().await, None, "a script ran");

    // Create a user with a password, set another, deactivate, delete (with a confirmation).
    b.goto("/admin/#/users").await;
    b.click("#create-user").await;
    b.fill("#user-form input[name=username]", "zoe").await;
    b.fill("#user-form input[name=name]", "Zoe Washburne").await;
    b.fill("#user-form input[name=password]", "zoe-password-1234")
        .await;
    b.click("#save-user").await;
    b.wait_text("#user-title", "Zoe Washburne").await;
    app.login("zoe", "zoe-password-1234").await;
    b.click("#set-password").await;
    b.fill("#new-password", "zoe-password-5678").await;
    b.click("#password-dialog button[type=submit]").await;
    b.wait_text("#notices", "Password set.").await;
    app.login("zoe", "zoe-password-5678").await;
    b.click("#toggle-active").await;
    b.wait_text(".user-page .page-header", "Inactive").await;
    b.click("#delete-user").await;
    b.wait_text("#confirm-dialog", "This cannot be undone.")
        .await;
    b.click("#confirm-dialog button[type=submit]").await;
    b.wait_text("#notices", "Deleted zoe.").await;
    b.wait_visible("#users-table").await;
    let (_, found) = crate::helpers::parts(
        app.admin()
            .await
            .get("/api/v3/core/users/?username=zoe")
            .await,
    )
    .await;
    assert_eq!(found["pagination"]["count"], 0, "deleted on the server");

    // Roles: permissions as checkboxes.
    b.goto("/admin/#/roles").await;
    b.click("a[href='#/roles/new']").await;
    b.fill("#role-form input[name=name]", "helpdesk").await;
    for perm in ["core.view_user", "core.impersonate"] {
        b.click(&format!("#role-form input[value='{perm}']")).await;
    }
    b.click("#save-role").await;
    b.wait_text(".page-header", "helpdesk").await;
    b.wait_text(".page-header", "2 permissions").await;
    let ticked = b
        .js(
            "return [...document.querySelectorAll('#role-form input[name=permissions]:checked')].map(c => c.value)",
            json!([]),
        )
        .await;
    assert_eq!(ticked, json!(["core.view_user", "core.impersonate"]));
    b.screenshot("role.png").await;

    // Give it to alice with the role picker.
    b.goto(&format!("/admin/#/users/{alice}")).await;
    b.click("#user-form [data-field=roles] input[type=checkbox]")
        .await;
    b.click("#save-user").await;
    b.wait_text("#notices", "Saved.").await;
    let (_, body) = crate::helpers::parts(
        app.admin()
            .await
            .get(&format!("/api/v3/core/users/{alice}/"))
            .await,
    )
    .await;
    assert_eq!(body["roles_obj"][0]["name"], "helpdesk");

    // Groups: list and one group with its members.
    b.goto("/admin/#/groups").await;
    b.click("#groups-table a").await;
    b.wait_visible("#group-form").await;
    b.fill(".inline-form input", "bob").await;
    b.click(".inline-form button[type=submit]").await;
    b.wait_text("#main", "Members (1)").await;
    b.screenshot("group.png").await;

    // The audit log, filtered by action.
    b.goto("/admin/#/events").await;
    b.wait_visible("#events-table").await;
    b.choose("#filter-action", "model_created").await;
    b.wait_until(
        "only model_created events",
        "const rows = [...document.querySelectorAll('#events-table tbody tr')];         return rows.length > 1 && rows.every(r => r.children[1].textContent === 'model created');",
        json!([]),
    )
    .await;
    b.wait_text("#events-table", "role helpdesk").await;
    b.screenshot("events.png").await;

    // Nothing secret in the page's reach.
    let storage = b
        .js(
            "return {local: localStorage.length, cookie: document.cookie.includes('standin_session')}",
            json!([]),
        )
        .await;
    assert_eq!(storage, json!({"local": 0, "cookie": false}));
    assert_clean_console(&b).await;

    back_to_the_sign_in_start(&b).await;
}

/// `/admin/?next=<the forward-auth sign-in start>`: signed in already or once signed
/// in, the page goes to that start (which sends the browser on to `rd`, here a path
/// on this site); any other `next` is ignored. Starts and ends signed in.
async fn back_to_the_sign_in_start(b: &super::webdriver::Browser) {
    let at = |path: &'static str| {
        b.wait_until(
            path,
            "return location.pathname + location.search === arguments[0]",
            json!([path]),
        )
    };
    for ignored in [
        "https%3A%2F%2Fevil.test%2F",
        "%2Fapi%2Fv3%2Fcore%2Fusers%2Fme%2F",
    ] {
        b.goto(&format!("/admin/?next={ignored}#/users")).await;
        b.wait_visible("#users-table").await;
        let url = b
            .js("return location.host + location.pathname", json!([]))
            .await;
        assert_eq!(
            url,
            format!("{}/admin/", b.base.trim_start_matches("http://"))
        );
    }

    b.goto("/admin/?next=/outpost.goauthentik.io/start%3Frd%3D%2Fsomewhere")
        .await;
    at("/somewhere").await;

    b.goto("/admin/").await;
    b.wait_visible("#topbar").await;
    super::log_out(b).await;
    b.goto("/admin/?next=/outpost.goauthentik.io/start%3Frd%3D%2Fsomewhere%253Fx%253D1")
        .await;
    b.wait_visible("#login-form").await;
    b.fill("#login-form input[name=username]", "admin").await;
    b.fill("#login-form input[name=password]", ADMIN_PASSWORD)
        .await;
    b.click("#login-submit").await;
    at("/somewhere?x=1").await;
    // Back leads to the page, not into the start again.
    b.js("history.back()", json!([])).await;
    at("/admin/").await;
    b.wait_visible("#topbar").await;
}
