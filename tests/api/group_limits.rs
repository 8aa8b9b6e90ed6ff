//! Limits that keep resolving grants cheap: at most 32 levels of groups and 20 parents
//! per group, whichever way a hierarchy is built.

use crate::groups::{GROUPS, at, create};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `n` groups, each the parent of the next; the first has none.
async fn chain(admin: &Client, prefix: &str, n: usize) -> Vec<Value> {
    let mut groups: Vec<Value> = Vec::new();
    for i in 0..n {
        let parents: Vec<Value> = groups.last().map(|p| p["pk"].clone()).into_iter().collect();
        let body = json!({"name": format!("{prefix}{i}"), "parents": parents});
        groups.push(create(admin, body).await);
    }
    groups
}

#[actix_web::test]
async fn a_chain_of_groups_is_refused_at_level_thirty_three() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let levels = chain(&admin, "level-", 32).await;
    let top = &levels[31];
    let res = admin
        .post(GROUPS, json!({"name": "level-33", "parents": [top["pk"]]}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"parents": ["Groups can be nested at most 32 levels deep."]})
        )
    );
    let count: i64 = app.query("SELECT COUNT(*) FROM groups WHERE name LIKE 'level-%'");
    assert_eq!(count, 32);
}

#[actix_web::test]
async fn giving_a_group_a_parent_counts_the_levels_below_it_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let upper = chain(&admin, "up-", 20).await;
    let lower = chain(&admin, "low-", 13).await;
    let res = admin
        .patch(&at(&lower[0]["pk"]), json!({"parents": [upper[19]["pk"]]}))
        .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"parents": ["Groups can be nested at most 32 levels deep."]})
    );
    let res = admin
        .patch(&at(&lower[0]["pk"]), json!({"parents": [upper[18]["pk"]]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "19 + 13 levels fit");
}

#[actix_web::test]
async fn a_group_takes_at_most_twenty_parents() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut parents = Vec::new();
    for i in 0..21 {
        parents.push(create(&admin, json!({"name": format!("p{i}")})).await["pk"].clone());
    }
    let res = admin
        .post(GROUPS, json!({"name": "many", "parents": parents}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"parents": ["Ensure this field has no more than 20 elements."]})
        )
    );
    parents.pop();
    let res = admin
        .post(GROUPS, json!({"name": "many", "parents": parents}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
