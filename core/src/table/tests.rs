// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use crate::alloc::Vec;

use boundlite_platform::MemoryPlatform;

use super::{Sees, TableInfo, View, Writer};
use crate::alloc::Global;
use crate::database::TxnState;
use crate::format::PageSize;
use crate::record::{ValueRef, encode_into};
use crate::sql::Conflict;
use crate::{Config, Database, Error, PageNo, RowId};

fn open(disk: &MemoryPlatform) -> Database<&MemoryPlatform, Global> {
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let db = Database::open(disk, "t.db", &config, Global).unwrap();
    db.connect()
        .execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
            &[],
        )
        .unwrap();
    db
}

/// The record of a row of `t`: the rowid alias is stored as NULL.
fn record(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&[ValueRef::Null, ValueRef::text(name)], &mut out).unwrap();
    out
}

fn rows(db: &Database<&MemoryPlatform, Global>) -> std::vec::Vec<i64> {
    let mut cursor = db.table_cursor(table(db).root);
    let mut out = std::vec::Vec::new();
    let mut more = cursor.first().unwrap();
    while more {
        out.push(cursor.rowid().unwrap().get());
        more = cursor.next().unwrap();
    }
    out
}

fn table(db: &Database<&MemoryPlatform, Global>) -> TableInfo<Global> {
    TableInfo::load(&db.schema().unwrap(), "t", Global).unwrap()
}

#[test]
fn a_statement_is_undone_alone_while_the_transaction_is_open() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let t = table(&db);
    let txn = db.begin_write().unwrap();
    let view = View::new(&db);
    view.set(Sees::Own);
    let mut first = Writer::new(&view, &txn, true, None);
    assert!(
        first
            .insert(&t, RowId::new(1), &record("a"), super::OrClause::ABORT)
            .unwrap()
    );
    let buffers = first.into_buffers();
    let mut second = Writer::new(&view, &txn, true, Some(buffers));
    assert!(
        second
            .insert(&t, RowId::new(2), &record("b"), super::OrClause::ABORT)
            .unwrap()
    );
    assert!(second.delete(&t, RowId::new(1)).unwrap());
    second.undo().unwrap();
    assert_eq!(txn.state(), TxnState::Open);
    assert_eq!(rows(&db), [1], "the first statement's row is kept");
    txn.commit().unwrap();
    assert_eq!(rows(&db), [1]);
}

#[test]
fn a_conflict_is_resolved_by_the_statement_mode() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let t = table(&db);
    let txn = db.begin_write().unwrap();
    let view = View::new(&db);
    view.set(Sees::Own);
    let mut w = Writer::new(&view, &txn, true, None);
    assert!(
        w.insert(&t, RowId::new(1), &record("a"), super::OrClause::ABORT)
            .unwrap()
    );
    assert!(matches!(
        w.insert(&t, RowId::new(2), &record("a"), super::OrClause::ABORT),
        Err(Error::Unique(_))
    ));
    assert!(matches!(
        w.insert(
            &t,
            RowId::new(1),
            &record("b"),
            super::OrClause(Some(Conflict::Fail))
        ),
        Err(Error::Unique(_))
    ));
    assert!(
        !w.insert(
            &t,
            RowId::new(2),
            &record("a"),
            super::OrClause(Some(Conflict::Ignore))
        )
        .unwrap()
    );
    assert!(
        w.insert(
            &t,
            RowId::new(2),
            &record("a"),
            super::OrClause(Some(Conflict::Replace))
        )
        .unwrap()
    );
    assert_eq!(txn.state(), TxnState::Open, "a conflict is no failure");
    drop(w);
    assert_eq!(rows(&db), [2], "REPLACE deleted the row holding the key");
}

#[test]
fn a_failed_change_is_one_state_that_the_writer_reads() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let mut t = table(&db);
    let txn = db.begin_write().unwrap();
    let view = View::new(&db);
    view.set(Sees::Own);
    let mut w = Writer::new(&view, &txn, true, None);
    assert!(
        w.insert(&t, RowId::new(1), &record("a"), super::OrClause::ABORT)
            .unwrap()
    );
    t.root = PageNo::new(999).unwrap();
    t.indexes.clear();
    assert!(matches!(
        w.insert(&t, RowId::new(2), &record("b"), super::OrClause::ABORT),
        Err(Error::Corrupt { .. })
    ));
    assert_eq!(txn.state(), TxnState::Failed);
    assert!(
        matches!(w.undo(), Err(Error::Misuse(_))),
        "nothing undoes into a transaction the pager rolled back"
    );
    assert!(matches!(txn.commit(), Err(Error::Misuse(_))));
    assert!(rows(&db).is_empty(), "the whole transaction is gone");
}

/// The store's index entries for a transaction are brought up to date
/// write by write: a transaction of single-row `UNIQUE` inserts makes
/// each row's entry a bounded number of times, where building them all
/// again for each insert's uniqueness check made about n²/2.
#[test]
fn a_transaction_of_unique_inserts_makes_each_entry_a_bounded_number_of_times() {
    const ROWS: i64 = 400;
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("PRAGMA journal_mode = mvcc", &[]).unwrap();
    let made = || db.with_store(|s| Ok(s.store().entries_made())).unwrap();
    let before = made();
    conn.execute("BEGIN CONCURRENT", &[]).unwrap();
    {
        let mut insert = conn
            .prepare("INSERT INTO t(id, name) VALUES (?, ?)")
            .unwrap();
        for id in 1..=ROWS {
            let name = std::format!("n{}", (id * 37) % (ROWS + 1));
            insert.reset();
            insert.bind(1, ValueRef::Integer(id)).unwrap();
            insert.bind(2, ValueRef::text(&name)).unwrap();
            while insert.step().unwrap().is_some() {}
        }
    }
    let duplicate = conn.execute("INSERT INTO t(id, name) VALUES (1000, 'n37')", &[]);
    assert!(duplicate.is_err(), "{duplicate:?}");
    conn.execute("UPDATE t SET name = 'renamed' WHERE id = 2", &[])
        .unwrap();
    conn.execute("DELETE FROM t WHERE id = 3", &[]).unwrap();
    let made_in_transaction = made() - before;
    // One entry per insert, one per row changed, and the set built whole
    // once more after the refused insert's statement was undone.
    assert!(
        made_in_transaction <= 3 * ROWS as u64,
        "{made_in_transaction} entries made for {ROWS} inserts"
    );
    let mut names = std::vec::Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT name FROM t WHERE name >= '' ORDER BY name")
            .unwrap();
        while let Some(row) = stmt.step().unwrap() {
            names.push(std::string::String::from(row.get_text(0).unwrap()));
        }
    }
    let mut expected: std::vec::Vec<std::string::String> = (1..=ROWS)
        .filter(|&id| id != 3)
        .map(|id| match id {
            2 => "renamed".into(),
            _ => std::format!("n{}", (id * 37) % (ROWS + 1)),
        })
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    conn.execute("COMMIT", &[]).unwrap();
}
