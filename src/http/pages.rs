//! The admin page: files of `static/`, embedded in the binary.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_bytes!("../../static/index.html"),
}];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(to_admin))
        .route("/admin", web::get().to(index))
        .route("/admin/{file}", web::get().to(asset));
}

async fn to_admin() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

fn serve(name: &str) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, a.content_type))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(a.body),
        None => HttpResponse::NotFound().json(serde_json::json!({"detail": "Not found."})),
    }
}

async fn index() -> HttpResponse {
    serve("index.html")
}

async fn asset(file: web::Path<String>) -> HttpResponse {
    serve(&file)
}
