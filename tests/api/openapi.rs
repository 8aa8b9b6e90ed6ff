use crate::helpers::*;
use reqwest::StatusCode;
use std::collections::BTreeSet;

#[actix_web::test]
async fn the_schema_is_an_openapi_3_document_served_without_login() {
    let app = TestApp::spawn().await;
    let (status, doc) = parts(app.client().get("/api/v3/schema/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "User",
        "UserRequest",
        "PaginatedUserList",
        "SessionUser",
        "UserSelf",
        "PartialGroup",
        "Role",
        "GenericError",
        "ValidationError",
        "Impersonation",
        "Pagination",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
}

#[actix_web::test]
async fn every_route_the_server_serves_is_in_the_document_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (_, doc) = parts(app.client().get("/api/v3/schema/").await).await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> =
        standin::api::registered_routes().into_iter().collect();
    assert!(served.len() > 20, "routes were recorded: {served:?}");
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(phantom.is_empty(), "documented but not served: {phantom:?}");
}

#[actix_web::test]
async fn list_operations_document_their_query_parameters() {
    let app = TestApp::spawn().await;
    let (_, doc) = parts(app.client().get("/api/v3/schema/").await).await;
    let params: Vec<&str> = doc["paths"]["/api/v3/core/users/"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "search",
        "ordering",
        "page",
        "page_size",
        "attributes",
        "groups_by_pk",
        "type",
        "include_groups",
    ] {
        assert!(params.contains(&name), "{name} not documented: {params:?}");
    }
}
