//! The identity headers an app behind the proxy receives: authentik's
//! `X-authentik-*`, and standin's own, which also name the person behind an
//! impersonation.

use crate::auth::Identity;
use crate::domain::user_uid;
use actix_web::HttpResponseBuilder;
use actix_web::http::header::{HeaderName, HeaderValue};

/// Adds `name: value` unless the value is empty once control characters are taken
/// out (proxies pass an absent header on as absent, an empty one as empty).
fn add(res: &mut HttpResponseBuilder, name: &'static str, value: &str) {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        return;
    }
    // UTF-8 bytes are allowed in a header value; only control characters are not.
    if let Ok(v) = HeaderValue::from_bytes(clean.as_bytes()) {
        res.insert_header((HeaderName::from_static(name), v));
    }
}

/// The headers describing `identity`: the user the request acts as (the target
/// while impersonating) and, while impersonating, who is behind it.
pub fn identity_headers(res: &mut HttpResponseBuilder, identity: &Identity, install_id: &str) {
    let user = &identity.user.user;
    add(res, "x-authentik-username", &user.username);
    add(res, "x-authentik-email", &user.email);
    add(res, "x-authentik-name", &user.name);
    add(res, "x-authentik-uid", &user_uid(install_id, user.id));
    let groups: Vec<&str> = (identity.user.groups.iter())
        .map(|(_, name)| name.as_str())
        .collect();
    add(res, "x-authentik-groups", &groups.join("|"));
    add(res, "x-standin-user-pk", &user.id.to_string());
    if let (Some(original), Some(imp)) = (&identity.original, &identity.impersonation) {
        add(res, "x-standin-impersonator", &original.user.username);
        add(res, "x-standin-impersonation", &imp.uuid);
        add(
            res,
            "x-standin-read-only",
            if imp.read_only { "true" } else { "false" },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::HttpResponse;

    #[test]
    fn control_characters_go_and_empty_values_are_left_out() {
        let mut res = HttpResponse::Ok();
        add(&mut res, "x-authentik-name", "Ana\r\nSet-Cookie: x=1");
        add(&mut res, "x-authentik-email", "");
        add(&mut res, "x-authentik-username", "jürgen");
        let res = res.finish();
        let h = res.headers();
        assert_eq!(h.get("x-authentik-name").unwrap(), "AnaSet-Cookie: x=1");
        assert!(h.get("x-authentik-email").is_none());
        assert_eq!(
            h.get("x-authentik-username").unwrap().as_bytes(),
            "jürgen".as_bytes()
        );
    }
}
