//! `forward_auth`: which sites a sign-in may return to, and which groups may reach
//! which site behind the proxy.

use serde::{Deserialize, Deserializer, Serialize};

/// The `forward_auth` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForwardAuth {
    /// Hosts (and their subdomains) a sign-in may send the browser back to.
    #[serde(deserialize_with = "domains")]
    pub domains: Vec<String>,
    /// Per-site access: a site with a rule admits members of its groups only.
    #[serde(deserialize_with = "rules")]
    pub rules: Vec<AccessRule>,
}

/// Only members of `groups` (or of groups below them) may reach `host`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    pub host: String,
    pub groups: Vec<String>,
}

impl ForwardAuth {
    /// The rule for `host` (lower-case, without port), if any.
    pub fn rule_for(&self, host: &str) -> Option<&AccessRule> {
        self.rules.iter().find(|r| r.host == host)
    }
}

/// Hosts compared as the browser sends them: lower-case, no leading dot.
fn domains<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = super::lenient::list(d)?;
    Ok(items
        .iter()
        .map(|s| s.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect())
}

/// A TOML array of `{host, groups}` tables, or (from the environment) text such as
/// `wiki.example.com=staff|ops, grafana.example.com=ops`.
fn rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<AccessRule>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Rules(Vec<AccessRule>),
    }
    let rules = match Raw::deserialize(d)? {
        Raw::Rules(rules) => rules,
        Raw::Text(text) => parse_rules(&text).map_err(serde::de::Error::custom)?,
    };
    Ok(rules
        .into_iter()
        .map(|r| AccessRule {
            host: r.host.trim().to_ascii_lowercase(),
            groups: r.groups.iter().map(|g| g.trim().to_owned()).collect(),
        })
        .collect())
}

fn parse_rules(text: &str) -> Result<Vec<AccessRule>, String> {
    (text.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .map(|item| {
            let (host, groups) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not HOST=GROUP|GROUP"))?;
            Ok(AccessRule {
                host: host.to_owned(),
                groups: groups.split('|').map(str::to_owned).collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_come_as_tables_or_as_text() {
        let f: ForwardAuth = toml::from_str(
            r#"domains = [".Example.com"]
               rules = [{ host = "Wiki.example.com", groups = ["staff"] }]"#,
        )
        .unwrap();
        assert_eq!(f.domains, ["example.com"]);
        assert_eq!(f.rule_for("wiki.example.com").unwrap().groups, ["staff"]);
        let f: ForwardAuth =
            toml::from_str(r#"rules = "wiki.example.com=staff|ops, grafana.example.com=ops""#)
                .unwrap();
        assert_eq!(f.rules.len(), 2);
        assert_eq!(f.rules[0].groups, ["staff", "ops"]);
        assert!(toml::from_str::<ForwardAuth>(r#"rules = "nonsense""#).is_err());
    }
}
