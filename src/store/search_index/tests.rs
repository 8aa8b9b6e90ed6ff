use super::*;

/// Users whose `column` contains `term`, by the index.
fn matches(c: &Connection, column: &str, term: &str) -> Vec<i64> {
    let phrase = format!("\"{term}\"");
    c.prepare(&format!(
        "SELECT rowid FROM users_search_{column} WHERE users_search_{column} MATCH ?1
         ORDER BY rowid"
    ))
    .unwrap()
    .query_map([phrase], |r| r.get(0))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// An empty database at the current schema, in memory.
fn database() -> Connection {
    let mut c = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut c).unwrap();
    c
}

fn assert_indexes_intact(c: &Connection) {
    for (column, _) in COLUMNS {
        let check: rusqlite::Result<()> = c.execute_batch(&format!(
            "INSERT INTO users_search_{column} (users_search_{column}, rank)
             VALUES ('integrity-check', 1)"
        ));
        assert!(check.is_ok(), "{column}: {check:?}");
    }
}

fn insert(c: &Connection, id: i64, username: &str, name: &str) {
    c.execute(
        "INSERT INTO users (id, uuid, username, name, date_joined, last_updated, password_change_date)
         VALUES (?1, 'u-' || ?1, ?2, ?3, 't', 't', 't')",
        rusqlite::params![id, username, name],
    )
    .unwrap();
}

/// `matching`'s ids, in order.
fn found(c: &Connection, term: &str) -> Vec<i64> {
    let mut ids = matching(c, term).unwrap();
    ids.sort();
    ids
}

#[test]
fn users_changed_since_the_last_sync_are_found_by_their_current_values_only() {
    let c = database();
    insert(&c, 1, "alice", "Alice Zed");
    insert(&c, 2, "bob", "Bob Young");
    insert(&c, 3, "carol", "Carol Young");
    sync(&c).unwrap();
    c.execute("UPDATE users SET name = 'Élodie Quill' WHERE id = 2", [])
        .unwrap();
    c.execute("DELETE FROM users WHERE id = 3", []).unwrap();
    insert(&c, 4, "dave", "Dave Young");

    assert_eq!(
        found(&c, "young"),
        [4],
        "old values and deleted users are gone"
    );
    assert_eq!(
        found(&c, "élodie"),
        [2],
        "new values, folded like the index folds"
    );
    assert_eq!(found(&c, "ÉLODIE"), [2]);
    assert_eq!(
        found(&c, "alice"),
        [1],
        "unchanged users come from the index"
    );
    assert!(found(&c, "zzz").is_empty());

    sync(&c).unwrap();
    assert_eq!(found(&c, "young"), [4]);
    assert_eq!(found(&c, "ÉLODIE"), [2], "the index folds the same way");
    assert_eq!(found(&c, "e quill"), [2]);
}

#[test]
fn varints_read_as_sqlite_writes_them() {
    let mut b: &[u8] = &[0x05, 0x81, 0x00, 0xFF, 0x7F, 0x01];
    assert_eq!(varint(&mut b), Some(5));
    assert_eq!(varint(&mut b), Some(128));
    assert_eq!(varint(&mut b), Some(0x3FFF));
    assert_eq!(b, [0x01]);
    assert_eq!(varint(&mut &[0x80][..]), None, "cut short");
}

#[test]
fn a_fragmented_index_is_merged_back_into_one_segment() {
    let c = database();
    for id in 1..=12 {
        insert(&c, id, &format!("user{id}"), &format!("Name {id}"));
    }
    sync(&c).unwrap();
    // Each user taken out of the index and put back, straight, one statement each:
    // each statement writes a segment, and nothing merges them (sync would).
    for id in 1..=6 {
        let name = format!("Name {id}");
        c.execute(
            "INSERT INTO users_search_name (users_search_name, rowid, name)
             VALUES ('delete', ?1, ?2)",
            rusqlite::params![id, name],
        )
        .unwrap();
        c.execute(
            "INSERT INTO users_search_name (rowid, name) VALUES (?1, ?2)",
            rusqlite::params![id, name],
        )
        .unwrap();
    }
    assert!(segments(&c, "name").unwrap() > Some(12));
    assert!(fragmented(&c).unwrap().contains(&"name"));
    let mut steps = 0;
    while merge_step(&c, "name").unwrap() {
        steps += 1;
        assert!(steps < 100, "merging does not end");
    }
    assert!(!fragmented(&c).unwrap().contains(&"name"));
    assert_eq!(matches(&c, "name", "name 11"), [11]);
    assert_indexes_intact(&c);
}

#[test]
fn inserts_updates_and_deletes_reach_the_indexes_on_sync() {
    let c = database();
    insert(&c, 1, "alice", "Alice Zed");
    insert(&c, 2, "bob", "Bob Young");
    insert(&c, 4, "dave", "Dave Vale");
    assert!(
        matches(&c, "username", "alice").is_empty(),
        "not before sync"
    );
    sync(&c).unwrap();
    assert_eq!(matches(&c, "username", "alice"), [1]);
    assert_eq!(matches(&c, "uuid", "u-4"), [4]);

    // Two edits of one user before a sync: the index must lose the first values.
    c.execute("UPDATE users SET name = 'Robert Quill' WHERE id = 2", [])
        .unwrap();
    c.execute(
        "UPDATE users SET name = 'Robert Quillon', email = 'rq@example.org' WHERE id = 2",
        [],
    )
    .unwrap();
    c.execute("UPDATE users SET username = 'david' WHERE id = 4", [])
        .unwrap();
    c.execute("DELETE FROM users WHERE id = 1", []).unwrap();
    insert(&c, 3, "carol", "Carol Xu");
    c.execute("DELETE FROM users WHERE id = 3", []).unwrap();
    sync(&c).unwrap();

    assert!(matches(&c, "name", "young").is_empty());
    assert!(matches(&c, "name", "quill ").is_empty());
    assert_eq!(matches(&c, "name", "quillon"), [2]);
    assert_eq!(matches(&c, "email", "rq@exa"), [2]);
    assert_eq!(matches(&c, "username", "david"), [4]);
    assert_eq!(
        matches(&c, "name", "dave vale"),
        [4],
        "unchanged columns stay"
    );
    assert!(matches(&c, "username", "alice").is_empty());
    assert!(matches(&c, "uuid", "u-1").is_empty());
    assert!(matches(&c, "username", "carol").is_empty());
    assert_indexes_intact(&c);
    let left: i64 = c
        .query_row("SELECT COUNT(*) FROM users_search_pending", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn no_index_merges_by_itself() {
    let c = database();
    for (column, _) in COLUMNS {
        let automerge: i64 = c
            .query_row(
                &format!("SELECT v FROM users_search_{column}_config WHERE k = 'automerge'"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(automerge, 0, "{column}");
    }
}

/// One upkeep round as the writer runs it, a step per batch: each step until it is
/// done.
fn round(c: &Connection) {
    for step in UPKEEP {
        while step(c).unwrap() == Progress::More {}
    }
}

#[test]
fn rounds_merge_as_they_go_so_segments_stay_few() {
    let c = database();
    for id in 1..=40 {
        insert(&c, id, &format!("user{id}"), &format!("Name {id}"));
        round(&c);
    }
    // 40 rounds wrote 40 segments into each index with values (no one has an email).
    // Merging four at a time as they come leaves a handful; without it there are 10
    // (FTS5 folds a level only once it holds 16).
    for column in ["username", "name", "uuid"] {
        let n = segments(&c, column).unwrap();
        assert!(
            n.is_some_and(|n| (1..=6).contains(&n)),
            "{column}: {n:?} segments"
        );
    }
    assert_eq!(matches(&c, "name", "name 37"), [37]);
    assert_eq!(found(&c, "user12"), [12]);
    assert_indexes_intact(&c);
}

#[test]
fn a_sync_step_applies_a_slice_of_the_notes_and_searching_bridges_the_rest() {
    let c = database();
    let users = SYNC_SLICE + 10;
    c.execute_batch("BEGIN").unwrap();
    for id in 1..=users {
        insert(&c, id, &format!("member{id:04}"), "Same Name");
    }
    c.execute_batch("COMMIT").unwrap();
    let pending = |c: &Connection| -> i64 {
        c.query_row("SELECT COUNT(*) FROM users_search_pending", [], |r| {
            r.get(0)
        })
        .unwrap()
    };

    assert_eq!(sync_some(&c).unwrap(), Progress::More);
    assert_eq!(pending(&c), 10, "the slice's users are no longer noted");
    let indexed = matches(&c, "name", "same name");
    assert_eq!(
        indexed,
        (1..=SYNC_SLICE).collect::<Vec<_>>(),
        "lowest ids first"
    );
    assert_eq!(found(&c, "same name"), (1..=users).collect::<Vec<_>>());

    assert_eq!(sync_some(&c).unwrap(), Progress::Done);
    assert_eq!(pending(&c), 0);
    assert_eq!(matches(&c, "name", "same name").len(), users as usize);
    assert_eq!(found(&c, &format!("member{users:04}")), [users]);
    assert_indexes_intact(&c);
}

#[test]
fn merge_steps_end_once_no_level_has_four_segments() {
    let c = database();
    for id in 1..=3 {
        insert(&c, id, &format!("user{id}"), "");
        sync(&c).unwrap();
    }
    assert_eq!(
        merge_some(&c).unwrap(),
        Progress::Done,
        "three segments stay"
    );
    assert_eq!(segments(&c, "username").unwrap(), Some(3));
    insert(&c, 4, "user4", "");
    sync(&c).unwrap();
    let mut steps = 1;
    while merge_some(&c).unwrap() == Progress::More {
        steps += 1;
    }
    assert!(steps >= 2, "merged, then found nothing left: {steps}");
    assert_eq!(segments(&c, "username").unwrap(), Some(1));
    assert_eq!(found(&c, "user4"), [4]);
    assert_indexes_intact(&c);
}
