//! Avatars and uids: derived, never fetched from anywhere.

use base64::Engine;
use sha2::{Digest, Sha256};

/// A stable opaque id: hex SHA-256 of the install id and the user's pk.
pub fn user_uid(install_id: &str, pk: i64) -> String {
    hex::encode(Sha256::digest(format!("{install_id}-{pk}").as_bytes()))
}

/// Up to two initials of `name` (or of `username` when the name is empty), upper-cased.
fn initials(name: &str, username: &str) -> String {
    let source = if name.trim().is_empty() {
        username
    } else {
        name
    };
    let words: Vec<&str> = source
        .split(|c: char| c.is_whitespace() || c == '.' || c == '_' || c == '-' || c == '@')
        .filter(|w| !w.is_empty())
        .collect();
    let firsts = |w: &&str| w.chars().next();
    let letters: String = match words.as_slice() {
        [] => "?".into(),
        [one] => one.chars().take(2).collect(),
        [first, .., last] => [firsts(first), firsts(last)]
            .into_iter()
            .flatten()
            .collect(),
    };
    letters.to_uppercase()
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

/// A `data:image/svg+xml` URI showing the user's initials on a colour derived from
/// their username.
pub fn avatar(name: &str, username: &str) -> String {
    let hue = Sha256::digest(username.as_bytes())[0] as u32 * 360 / 256;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\">\
         <rect width=\"64\" height=\"64\" rx=\"32\" fill=\"hsl({hue},45%,45%)\"/>\
         <text x=\"32\" y=\"32\" dy=\".35em\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"26\" fill=\"#fff\">{}</text></svg>",
        xml_escape(&initials(name, username))
    );
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_name_or_else_the_username() {
        assert_eq!(initials("Ada Lovelace", "ada"), "AL");
        assert_eq!(initials("Jean Paul Sartre", "x"), "JS");
        assert_eq!(initials("", "bob.smith"), "BS");
        assert_eq!(initials("", "root"), "RO");
        assert_eq!(initials("  ", ""), "?");
    }

    #[test]
    fn avatars_are_svg_data_uris_with_escaped_text() {
        let a = avatar("<b>", "x");
        assert!(a.starts_with("data:image/svg+xml;base64,"));
        let svg = base64::engine::general_purpose::STANDARD
            .decode(a.trim_start_matches("data:image/svg+xml;base64,"))
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("&lt;B&gt;") || svg.contains("&lt;B"), "{svg}");
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn uids_are_stable_per_install_and_pk() {
        assert_eq!(user_uid("i", 1), user_uid("i", 1));
        assert_ne!(user_uid("i", 1), user_uid("i", 2));
        assert_ne!(user_uid("i", 1), user_uid("j", 1));
        assert_eq!(user_uid("i", 1).len(), 64);
    }
}
