//! The tokens list's `search`, `description` and `managed` filters each narrow a
//! seeded list (none is silently ignored).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

/// A server holding four tokens: three of the admin's and one of carol's.
async fn seeded() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let carol = app.create_user("carol", "pw-carol-123456");
    for (identifier, description, user) in [
        ("deploy-prod", "Deploys production", None),
        ("deploy-staging", "Deploys staging", None),
        ("backup", "nightly", None),
        ("laptop", "", Some(carol)),
    ] {
        let mut body = json!({"identifier": identifier, "description": description});
        if let Some(pk) = user {
            body["user"] = json!(pk);
        }
        created(&admin, "/api/v3/core/tokens/", body).await;
    }
    (app, admin)
}

/// The identifiers the list answers `query` with, in list order.
async fn identifiers(c: &Client, query: &str) -> Vec<String> {
    let (status, page) = parts(c.get(&format!("/api/v3/core/tokens/?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    let results = page["results"].as_array().unwrap();
    assert_eq!(page["pagination"]["count"], results.len(), "{query}");
    results
        .iter()
        .map(|t| t["identifier"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn search_matches_identifier_intent_username_and_description() {
    let (_app, admin) = seeded().await;
    let everything = ["backup", "deploy-prod", "deploy-staging", "laptop"];
    assert_eq!(identifiers(&admin, "").await, everything);
    assert_eq!(
        identifiers(&admin, "search=deploy").await,
        ["deploy-prod", "deploy-staging"]
    );
    assert_eq!(identifiers(&admin, "search=CAROL").await, ["laptop"]);
    assert_eq!(identifiers(&admin, "search=Nightly").await, ["backup"]);
    assert_eq!(identifiers(&admin, "search=api").await, everything);
    assert_eq!(
        identifiers(&admin, "search=deploys%20staging").await,
        ["deploy-staging"],
        "every word must match"
    );
    assert!(
        identifiers(&admin, "search=nothing-like-it")
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn description_matches_the_whole_description() {
    let (_app, admin) = seeded().await;
    assert_eq!(
        identifiers(&admin, "description=Deploys%20production").await,
        ["deploy-prod"]
    );
    assert!(identifiers(&admin, "description=Deploys").await.is_empty());
}

#[actix_web::test]
async fn managed_matches_nothing_because_standin_manages_no_tokens() {
    let (_app, admin) = seeded().await;
    assert!(
        identifiers(&admin, "managed=goauthentik.io/token/outpost")
            .await
            .is_empty()
    );
    assert_eq!(identifiers(&admin, "managed=").await.len(), 4);
}

#[actix_web::test]
async fn search_stays_within_the_callers_own_tokens() {
    let (app, _admin) = seeded().await;
    let carol = app.login("carol", "pw-carol-123456").await;
    assert_eq!(identifiers(&carol, "search=a").await, ["laptop"]);
    assert!(identifiers(&carol, "search=deploy").await.is_empty());
}
