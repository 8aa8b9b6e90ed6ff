//! The admin page: the files of `static/`, embedded in the binary (no build step, so
//! a fresh clone needs nothing but cargo). The page is a single-page app with hash
//! routes (`#/users/5`), so `/admin/` serves `index.html` for every screen, and it
//! talks to the server only through the public JSON API.

use actix_web::http::header;
use actix_web::middleware::Compress;
use actix_web::{HttpRequest, HttpResponse, Route, guard, web};
use std::hash::{DefaultHasher, Hash, Hasher};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! assets {
    ($($name:literal => $type:expr),* $(,)?) => {
        &[$(Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../../static/", $name)),
        }),*]
    };
}

const ASSETS: &[Asset] = assets![
    "index.html" => HTML,
    "style.css" => CSS,
    "app.js" => JS,
    "api.js" => JS,
    "dom.js" => JS,
    "ui.js" => JS,
    "session.js" => JS,
    "user-form.js" => JS,
    "view-login.js" => JS,
    "view-users.js" => JS,
    "view-user.js" => JS,
    "view-me.js" => JS,
    "view-groups.js" => JS,
    "view-roles.js" => JS,
    "view-events.js" => JS,
    "view-impersonations.js" => JS,
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(to_admin)).service(
        // `NormalizePath` trims the trailing slash: `/admin/` arrives as `/admin`.
        web::scope("/admin")
            .wrap(Compress::default())
            .route("", get_or_head().to(index))
            .route("/{file}", get_or_head().to(asset)),
    );
}

fn get_or_head() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn to_admin() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

/// A validator for `no-cache` revalidation: the same binary always sends the same
/// bytes, so a hash of them is enough.
fn etag(a: &Asset) -> String {
    let mut h = DefaultHasher::new();
    a.body.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

fn serve(req: &HttpRequest, name: &str) -> HttpResponse {
    let Some(a) = ASSETS.iter().find(|a| a.name == name) else {
        return HttpResponse::NotFound().json(serde_json::json!({"detail": "Not found."}));
    };
    let tag = etag(a);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    // `no-cache`: revalidate every time, so a new binary's page is never mixed with an
    // old one's; an unchanged file costs a 304.
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, tag));
    if fresh {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, a.content_type))
        .body(a.body)
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

async fn asset(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    serve(&req, &file)
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every file the page loads on first visit, together, stays under 100 KB.
    #[test]
    fn first_load_is_small() {
        let total: usize = ASSETS.iter().map(|a| a.body.len()).sum();
        assert!(total < 90 * 1024, "static/ is {total} bytes");
    }

    /// index.html preloads every module, so the page loads in one round of requests.
    #[test]
    fn index_preloads_every_module() {
        let index = std::str::from_utf8(ASSETS[0].body).unwrap();
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            assert!(
                index.contains(&format!("\"/admin/{}\"", a.name)),
                "{} is not loaded by index.html",
                a.name
            );
        }
    }

    /// The CSP forbids inline script and style: none may creep into the page.
    #[test]
    fn no_inline_script_or_style() {
        for a in ASSETS {
            let text = std::str::from_utf8(a.body).unwrap();
            for banned in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "style=",
                ".style.",
                "eval(",
            ] {
                assert!(!text.contains(banned), "{} contains {banned}", a.name);
            }
            if a.name.ends_with(".html") {
                assert!(!text.contains("<script>"), "inline script in {}", a.name);
                assert!(!text.contains("<style"), "inline style in {}", a.name);
            }
        }
    }
}
