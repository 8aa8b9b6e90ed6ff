use super::*;
use crate::domain::FieldErrors;

/// A fresh database holding user `alice`, and temporary triggers that note each
/// column an `UPDATE` of `users` writes.
fn setup() -> (Connection, i64) {
    let mut c = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut c).unwrap();
    let id = users::insert(
        &c,
        &users::NewUser::named(Username::parse("alice").unwrap()),
    )
    .unwrap();
    c.execute_batch("CREATE TEMP TABLE written (col TEXT)")
        .unwrap();
    for col in [
        "username",
        "name",
        "email",
        "is_active",
        "last_login",
        "attributes",
        "path",
        "type",
        "auth_epoch",
        "last_updated",
    ] {
        c.execute_batch(&format!(
            "CREATE TEMP TRIGGER wrote_{col} AFTER UPDATE OF {col} ON main.users
             BEGIN INSERT INTO written VALUES ('{col}'); END;"
        ))
        .unwrap();
    }
    (c, id)
}

/// Applies `change` to user `id` and returns the columns the update wrote, sorted.
fn apply(c: &Connection, id: i64, change: &UserChange) -> Vec<String> {
    c.execute("DELETE FROM written", []).unwrap();
    let mut errors = FieldErrors::new();
    let resolved = check(c, Some(id), change, &mut errors).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    update(c, id, change, &resolved).unwrap();
    let mut cols: Vec<String> = c
        .prepare("SELECT col FROM written ORDER BY col")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    cols.dedup();
    cols
}

#[test]
fn an_edit_writes_only_the_columns_whose_value_changes() {
    let (c, id) = setup();
    let same_but_name = UserChange {
        username: Some(Username::parse("alice").unwrap()),
        name: Some("Alice Liddell".into()),
        email: Some(Email::default()),
        is_active: Some(true),
        last_login: Some(None),
        attributes: Some(Value::Object(Default::default())),
        path: Some(UserPath::default()),
        user_type: Some(UserType::Internal),
        ..UserChange::default()
    };
    assert_eq!(apply(&c, id, &same_but_name), ["last_updated", "name"]);
    assert_eq!(apply(&c, id, &same_but_name), ["last_updated"]);
    assert_eq!(users::get(&c, id).unwrap().name, "Alice Liddell");
}

#[test]
fn deactivating_bumps_the_epoch_once_and_reactivating_does_not() {
    let (c, id) = setup();
    let active = |on| UserChange {
        is_active: Some(on),
        ..UserChange::default()
    };
    assert_eq!(
        apply(&c, id, &active(false)),
        ["auth_epoch", "is_active", "last_updated"]
    );
    assert_eq!(apply(&c, id, &active(false)), ["last_updated"]);
    assert_eq!(users::get(&c, id).unwrap().auth_epoch, 1);
    assert_eq!(apply(&c, id, &active(true)), ["is_active", "last_updated"]);
    let user = users::get(&c, id).unwrap();
    assert_eq!((user.is_active, user.auth_epoch), (true, 1));
}

#[test]
fn the_user_an_edit_answers_with_is_the_user_as_stored_after_it() {
    let (c, id) = setup();
    c.execute_batch(&format!(
        "INSERT INTO groups (id, uuid, name) VALUES (1, 'g-1', 'staff'), (2, 'g-2', 'ops');
         INSERT INTO roles (id, uuid, name) VALUES (1, 'r-1', 'viewer');
         INSERT INTO user_groups (user_id, group_id) VALUES ({id}, 2);"
    ))
    .unwrap();
    let everything = UserChange {
        username: Some(Username::parse("alicia").unwrap()),
        name: Some("Alicia".into()),
        email: Some(Email::parse("alicia@example.org").unwrap()),
        is_active: Some(false),
        last_login: Some(Some("2026-01-02T03:04:05.000000Z".into())),
        attributes: Some(serde_json::json!({"a": [1, 2.5, "x"], "b": {"c": null}})),
        path: Some(UserPath::parse("staff/eu").unwrap()),
        user_type: Some(UserType::External),
        groups: Some(vec!["g-1".into()]),
        roles: None,
    };
    let roles_only = UserChange {
        roles: Some(vec!["r-1".into()]),
        ..UserChange::default()
    };
    for change in [everything, roles_only] {
        let mut errors = FieldErrors::new();
        let resolved = check(&c, Some(id), &change, &mut errors).unwrap();
        let answered = update(&c, id, &change, &resolved).unwrap();
        let stored = user_views::load_one(&c, id).unwrap();
        assert_eq!(format!("{answered:?}"), format!("{stored:?}"));
    }
    let stored = user_views::load_one(&c, id).unwrap();
    let groups: Vec<&str> = stored.groups.iter().map(|g| g.name.as_str()).collect();
    let roles: Vec<&str> = stored.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!((groups, roles), (vec!["staff"], vec!["viewer"]));
    assert_eq!(
        (stored.user.username.as_str(), stored.user.auth_epoch),
        ("alicia", 1)
    );
}
