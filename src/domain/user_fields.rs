//! The user fields with rules of their own, each parsed once into a type
//! that can only hold a valid value. Messages are authentik's wording.

use std::fmt;

pub const BLANK: &str = "This field may not be blank.";

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

/// A username: 1–150 letters, digits and `@ . + - _`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err(BLANK.into());
        }
        if s.chars().count() > 150 {
            return Err(too_long(150));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err(
                "Enter a valid username. This value may contain only letters, \
                        numbers, and @/./+/-/_ characters."
                    .into(),
            );
        }
        Ok(Username(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, or empty for none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Ok(Email(String::new()));
        }
        if s.chars().count() > 254 {
            return Err(too_long(254));
        }
        let invalid = || "Enter a valid email address.".to_owned();
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = domain == "localhost"
            || (labels.len() >= 2
                && labels.iter().all(|l| label_ok(l))
                && labels
                    .last()
                    .is_some_and(|tld| tld.chars().any(|c| !c.is_ascii_digit())));
        if local_ok && domain_ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user path such as `users` or `goauthentik.io/sources/ldap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPath(String);

impl Default for UserPath {
    fn default() -> Self {
        UserPath("users".into())
    }
}

impl UserPath {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err(BLANK.into());
        }
        if s.starts_with('/') || s.ends_with('/') {
            return Err("No leading or trailing slashes allowed.".into());
        }
        if s.split('/').any(str::is_empty) {
            return Err("No empty segments in user path allowed.".into());
        }
        Ok(UserPath(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The kinds of account authentik knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserType {
    #[default]
    Internal,
    External,
    ServiceAccount,
    InternalServiceAccount,
}

impl UserType {
    pub const ALL: [UserType; 4] = [
        UserType::Internal,
        UserType::External,
        UserType::ServiceAccount,
        UserType::InternalServiceAccount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Internal => "internal",
            UserType::External => "external",
            UserType::ServiceAccount => "service_account",
            UserType::InternalServiceAccount => "internal_service_account",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("\"{s}\" is not a valid choice."))
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_allow_letters_digits_and_five_symbols() {
        assert!(Username::parse("jens.müller+test@x_y-z").is_ok());
        assert_eq!(Username::parse("").unwrap_err(), BLANK);
        assert!(
            Username::parse("a b")
                .unwrap_err()
                .starts_with("Enter a valid username.")
        );
        assert!(Username::parse("a/b").is_err());
        assert!(Username::parse("a\0b").is_err());
        assert!(Username::parse(&"a".repeat(150)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(151)).unwrap_err(),
            "Ensure this field has no more than 150 characters."
        );
    }

    #[test]
    fn emails_must_be_addresses_or_empty() {
        assert!(Email::parse("").is_ok());
        assert!(Email::parse("ana@example.com").is_ok());
        assert!(Email::parse("root@localhost").is_ok());
        for bad in [
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "ana@x..com",
            "ana@-x.com",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err(),
                "Enter a valid email address.",
                "{bad}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).unwrap_err().contains("254"));
    }

    #[test]
    fn paths_refuse_outer_slashes_and_empty_segments() {
        assert!(UserPath::parse("users").is_ok());
        assert!(UserPath::parse("goauthentik.io/sources/ldap").is_ok());
        assert_eq!(
            UserPath::parse("/users").unwrap_err(),
            "No leading or trailing slashes allowed."
        );
        assert_eq!(
            UserPath::parse("users/").unwrap_err(),
            "No leading or trailing slashes allowed."
        );
        assert_eq!(
            UserPath::parse("a//b").unwrap_err(),
            "No empty segments in user path allowed."
        );
        assert_eq!(UserPath::parse("").unwrap_err(), BLANK);
    }

    #[test]
    fn user_types_are_the_four_choices() {
        assert_eq!(
            UserType::parse("service_account").unwrap(),
            UserType::ServiceAccount
        );
        assert_eq!(
            UserType::parse("robot").unwrap_err(),
            "\"robot\" is not a valid choice."
        );
    }
}
