use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static PREFIX: LazyLock<String> = LazyLock::new(|| format!("{:04x}", rand::random::<u16>()));
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Logs one line per request (id, method, path, status, duration) and, for a 500,
/// the cause under the same id. Never a query string, header or body: those can
/// hold secrets.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = format!("{}-{:x}", *PREFIX, COUNTER.fetch_add(1, Ordering::Relaxed));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();
    let mut res = next.call(req).await?;
    let status = res.status();
    if status.is_server_error()
        && let Some(err) = res.response().error()
    {
        log::error!("{id} {method} {path}: {err}");
    }
    log::info!(
        target: "standin::access",
        "{id} {method} {path} {} {:.1}ms",
        status.as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}
