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
