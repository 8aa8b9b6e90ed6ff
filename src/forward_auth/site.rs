//! Where a forward-auth request is for, and where a sign-in may send the browser
//! back to. Only headers the proxy itself sets are read (the README's snippets set
//! each one), and a return address is followed only to a configured site or a path
//! on this one: never an open redirect.

use actix_web::HttpRequest;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// The proxy whose snippet asks: they say which site is asked for in different
/// headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    Nginx,
    /// Caddy and Traefik send `X-Forwarded-Host` and `X-Forwarded-Uri`.
    Forwarding,
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    let v = req.headers().get(name)?.to_str().ok()?.trim();
    (!v.is_empty()).then_some(v)
}

/// `host[:port]` → `host`, lower-case (IPv6 literals keep their brackets).
fn bare_host(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().map(|h| format!("[{h}]")),
        None => authority.split(':').next().map(str::to_owned),
    };
    host.unwrap_or_default().to_ascii_lowercase()
}

fn host_of_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.host_str()?.to_ascii_lowercase())
}

/// The site the request is for, lower-case and without port.
pub fn asked_host(req: &HttpRequest, proxy: Proxy) -> String {
    let forwarded = match proxy {
        Proxy::Nginx => None,
        Proxy::Forwarding => header(req, "x-forwarded-host").map(bare_host),
    };
    forwarded
        .or_else(|| header(req, "x-original-url").and_then(host_of_url))
        .or_else(|| header(req, "host").map(bare_host))
        .unwrap_or_default()
}

/// The URL the browser asked the proxy for, rebuilt from the forwarding headers.
pub fn original_url(req: &HttpRequest) -> Option<String> {
    if let (Some(host), Some(uri)) = (
        header(req, "x-forwarded-host"),
        header(req, "x-forwarded-uri"),
    ) {
        let proto = header(req, "x-forwarded-proto").unwrap_or("http");
        return Some(format!("{proto}://{host}{uri}"));
    }
    header(req, "x-original-url").map(str::to_owned)
}

/// The sign-in start for returning to `rd`, as a path on the asking site (its proxy
/// routes `/outpost.goauthentik.io/` here).
pub fn start_path(rd: Option<&str>) -> String {
    match rd {
        Some(rd) => format!(
            "/outpost.goauthentik.io/start?rd={}",
            utf8_percent_encode(rd, NON_ALPHANUMERIC)
        ),
        None => "/outpost.goauthentik.io/start".into(),
    }
}

/// The admin page's sign-in, returning to `next` afterwards.
pub fn sign_in_path(next: &str) -> String {
    format!(
        "/admin/?next={}",
        utf8_percent_encode(next, NON_ALPHANUMERIC)
    )
}

/// `rd` when a sign-in may send the browser there: an absolute http(s) URL without
/// userinfo whose host is one of `domains` or below one, or a path on this site
/// (one leading `/`, not `//` or `/\`). Backslashes and control characters are
/// refused outright: browsers read them in ways a parser may not.
pub fn allowed_return(rd: &str, domains: &[String]) -> Option<String> {
    if rd.contains('\\') || rd.chars().any(char::is_control) {
        return None;
    }
    if rd.starts_with('/') {
        return (!rd.starts_with("//")).then(|| rd.to_owned());
    }
    let url = url::Url::parse(rd).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let ok = (domains.iter()).any(|d| host == *d || host.ends_with(&format!(".{d}")));
    ok.then(|| rd.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn domains() -> Vec<String> {
        vec!["example.com".into()]
    }

    #[test]
    fn returns_go_only_to_configured_sites_or_local_paths() {
        for ok in [
            "https://example.com/",
            "https://wiki.example.com/page?x=1",
            "http://a.b.example.com:8080/x",
            "/wiki/page?x=1",
            "/",
        ] {
            assert_eq!(allowed_return(ok, &domains()).as_deref(), Some(ok), "{ok}");
        }
        for bad in [
            "https://evil.com/",
            "https://example.com.evil.com/",
            "https://notexample.com/",
            "//evil.com/",
            "/\\evil.com",
            "https://user@example.com/",
            "https://u:p@example.com/",
            "javascript:alert(1)",
            "ftp://example.com/",
            "https://example.com\\@evil.com/",
            "https://example.com/\n",
            "wiki",
            "",
        ] {
            assert_eq!(allowed_return(bad, &domains()), None, "{bad:?}");
        }
        assert_eq!(allowed_return("https://example.com/", &[]), None);
    }

    #[test]
    fn the_asked_site_comes_from_the_headers_each_proxy_sets() {
        let req = TestRequest::default()
            .insert_header(("Host", "standin:9000"))
            .insert_header(("X-Original-URL", "https://Wiki.Example.com:8443/a"))
            .insert_header(("X-Forwarded-Host", "forged.example.com"))
            .to_http_request();
        assert_eq!(asked_host(&req, Proxy::Nginx), "wiki.example.com");
        assert_eq!(asked_host(&req, Proxy::Forwarding), "forged.example.com");
        let req = TestRequest::default()
            .insert_header(("Host", "App.Example.com:8080"))
            .to_http_request();
        assert_eq!(asked_host(&req, Proxy::Nginx), "app.example.com");
        assert_eq!(asked_host(&req, Proxy::Forwarding), "app.example.com");
    }

    #[test]
    fn the_original_url_is_rebuilt_from_forwarding_headers() {
        let req = TestRequest::default()
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("X-Forwarded-Host", "app.example.com"))
            .insert_header(("X-Forwarded-Uri", "/x?y=1"))
            .to_http_request();
        assert_eq!(original_url(&req).unwrap(), "https://app.example.com/x?y=1");
        assert_eq!(
            start_path(Some("/x?y=1")),
            "/outpost.goauthentik.io/start?rd=%2Fx%3Fy%3D1"
        );
        assert_eq!(
            sign_in_path("/outpost.goauthentik.io/start?rd=%2F"),
            "/admin/?next=%2Foutpost%2Egoauthentik%2Eio%2Fstart%3Frd%3D%252F"
        );
    }
}
