use super::*;

fn load(toml_text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("standin.toml");
    std::fs::write(&file, toml_text).unwrap();
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::load(Some(&file), env, &Overrides::default())
}

#[test]
fn defaults_match_the_contract() {
    let c = Config::load(None, Vec::new(), &Overrides::default()).unwrap();
    assert_eq!(c.server.listen, "127.0.0.1:9000");
    assert_eq!(c.server.max_body, ByteSize(65_536));
    assert_eq!(c.database.path, PathBuf::from("standin.db"));
    assert_eq!(c.database.pool_size, 8);
    assert_eq!(c.session.cookie_name, "standin_session");
    assert_eq!(c.session.secure, CookieSecure::Auto);
    assert_eq!(c.session.max_age, Span::secs(14 * 86_400));
    assert_eq!(c.security.login_max_failures, 5);
    assert_eq!(c.security.login_max_failures_per_ip, 50);
    assert_eq!(c.security.login_window, Span::secs(900));
    assert_eq!(c.security.argon2_memory_kib, 19_456);
    assert!(c.impersonation.enabled && c.impersonation.require_reason);
    assert_eq!(c.impersonation.max_duration, Span::secs(3600));
    assert_eq!(c.events.retention_days, 365);
    assert_eq!(c.bootstrap.username, "admin");
    assert_eq!(c.log.level, "info");
}

#[test]
fn environment_wins_over_the_file_and_flags_win_over_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1\"\nworkers = 3\n").unwrap();
    let env = vec![
        ("STANDIN_SERVER__WORKERS".to_string(), "5".to_string()),
        (
            "STANDIN_SERVER__LISTEN".to_string(),
            "127.0.0.1:2".to_string(),
        ),
        (
            "STANDIN_IMPERSONATION__ENABLED".to_string(),
            "false".to_string(),
        ),
        (
            "STANDIN_BOOTSTRAP_PASSWORD".to_string(),
            "12345678".to_string(),
        ),
    ];
    let flags = Overrides {
        listen: Some("127.0.0.1:3".into()),
        database: None,
    };
    let c = Config::load(Some(&file), env, &flags).unwrap();
    assert_eq!(c.server.workers, 5);
    assert_eq!(c.server.listen, "127.0.0.1:3");
    assert!(!c.impersonation.enabled);
    assert_eq!(c.bootstrap.password.as_deref(), Some("12345678"));
}

#[test]
fn an_unknown_key_is_named() {
    let err = load("[server]\nlistn = \"x\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("server.listn"), "{err}");
    let err = load("", &[("STANDIN_SESSION__SECRET", "x")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("session.secret"), "{err}");
    let err = load("[nosuch]\na = 1\n", &[]).unwrap_err().to_string();
    assert!(err.contains("nosuch"), "{err}");
}

#[test]
fn a_bad_value_is_named() {
    let err = load("[security]\nlogin_window = \"5 weeks\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("security.login_window"), "{err}");
    let err = load("", &[("STANDIN_DATABASE__POOL_SIZE", "many")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("database.pool_size"), "{err}");
    let err = load("[server]\nlisten = \"nowhere\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("server.listen"), "{err}");
}

#[test]
fn a_short_secret_key_is_refused() {
    let err = load("[session]\nsecret_key = \"c2hvcnQ=\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("session.secret_key"), "{err}");
}

#[test]
fn secrets_are_masked_when_printed() {
    let c = load("[bootstrap]\npassword = \"hunter2hunter2\"\n", &[]).unwrap();
    let shown = c.masked_toml();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("********"), "{shown}");
}

#[test]
fn the_example_file_lists_every_key_with_its_environment_name() {
    let example = include_str!("../../config.example.toml");
    let defaults = Config::load(None, Vec::new(), &Overrides::default()).unwrap();
    let table: toml::Table = toml::from_str(&toml::to_string(&defaults).unwrap()).unwrap();
    let mut keys = vec![
        ("session", "secret_key"),
        ("bootstrap", "password"),
        ("bootstrap", "token"),
    ];
    for (section, values) in &table {
        for key in values.as_table().unwrap().keys() {
            keys.push((section.as_str(), key.as_str()));
        }
    }
    for (section, key) in keys {
        assert!(
            example.contains(&format!("[{section}]")),
            "[{section}] missing"
        );
        assert!(
            example.contains(&format!("# {key} = ")),
            "{section}.{key} missing"
        );
        let env = format!("STANDIN_{}__{}", section.to_uppercase(), key.to_uppercase());
        assert!(example.contains(&env), "{env} missing");
    }
    // The example with its defaults uncommented (empty secrets left out) loads.
    let uncommented: String = example
        .lines()
        .filter_map(|l| {
            if l.starts_with('[') {
                return Some(l);
            }
            let kv = l.strip_prefix("# ")?;
            let (key, value) = kv.split_once(" = ")?;
            let is_key = key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            (is_key && value != "\"\"").then_some(kv)
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        load(&uncommented, &[]).unwrap().server.listen,
        "127.0.0.1:9000"
    );
}

#[test]
fn previous_secret_keys_come_as_a_list_or_comma_separated_and_are_checked_and_masked() {
    use base64::Engine;
    let one = base64::engine::general_purpose::STANDARD.encode([1u8; 64]);
    let two = base64::engine::general_purpose::STANDARD.encode([2u8; 64]);
    let c = load(
        &format!("[session]\nprevious_secret_keys = [\"{one}\"]\n"),
        &[],
    )
    .unwrap();
    assert_eq!(c.session.previous_secret_keys, std::slice::from_ref(&one));
    let both = format!("{one}, {two}");
    let c = load("", &[("STANDIN_SESSION__PREVIOUS_SECRET_KEYS", &both)]).unwrap();
    assert_eq!(c.session.previous_secret_keys, [one.clone(), two]);
    assert!(!c.masked_toml().contains(&one));
    let err = load("", &[("STANDIN_SESSION__PREVIOUS_SECRET_KEYS", "c2hvcnQ=")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("session.previous_secret_keys"), "{err}");
}
