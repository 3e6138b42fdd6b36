//! SQL on a database in MVCC mode (`docs/mvcc.md`, "SQL in MVCC mode"):
//! sessions of several connections with transactions open at once,
//! statements interleaved; Hermitage's anomalies as interleavings of SQL
//! connections; what the mode refuses by name; statement undo inside a
//! transaction; schema changes; a random differential against SQLite
//! with checkpoints between; a seeded interleaving of connections
//! checked against a model of snapshot isolation; recovery after a
//! crash; an OOM sweep over a transaction and its checkpoint.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};

type Rows = Vec<(i64, i64)>;

/// Hermitage's table, stored by rowid (`INTEGER PRIMARY KEY`).
const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT)";

/// Hermitage's table as the suite writes it: `INT PRIMARY KEY` is a
/// `UNIQUE` index beside the rowid, and `value` has one more.
const INDEXED: &str =
    "CREATE TABLE test(id int primary key, value int); CREATE INDEX test_value ON test(value)";

fn mvcc_db(disk: &MemoryPlatform) -> Database<&MemoryPlatform> {
    mvcc_db_of(disk, SETUP)
}

fn mvcc_db_of<'p>(disk: &'p MemoryPlatform, setup: &str) -> Database<&'p MemoryPlatform> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    {
        let conn = db.connect();
        conn.execute(setup, ()).unwrap();
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    }
    db
}

/// Hermitage's starting rows, (1,10) and (2,20), committed.
fn reset<P: Platform>(conn: &Connection<'_, P, Global>) {
    conn.execute(
        "DELETE FROM test; INSERT INTO test VALUES (1, 10), (2, 20)",
        (),
    )
    .unwrap();
}

fn rows<P: Platform>(conn: &Connection<'_, P, Global>, filter: &str) -> Result<Rows, Error> {
    let sql = format!("SELECT id, value FROM test {filter} ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    let mut out = Vec::new();
    let mut rows = stmt.query(())?;
    while let Some(row) = rows.next()? {
        out.push((row.get_i64(0)?, row.get_i64(1)?));
    }
    Ok(out)
}

fn value<P: Platform>(conn: &Connection<'_, P, Global>, id: i64) -> Option<i64> {
    rows(conn, &format!("WHERE id = {id}"))
        .unwrap()
        .first()
        .map(|r| r.1)
}

fn run<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    conn.execute(sql, ()).unwrap();
}

#[test]
fn autocommit_statements_and_a_transaction_read_and_write_the_store() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    assert_eq!(rows(&b, "").unwrap(), [(1, 10), (2, 20)]);
    run(&a, "BEGIN CONCURRENT");
    run(&a, "UPDATE test SET value = value + 1");
    run(&a, "INSERT INTO test(value) VALUES (30)");
    assert_eq!(rows(&a, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
    assert_eq!(rows(&b, "").unwrap(), [(1, 10), (2, 20)]);
    run(&a, "COMMIT");
    assert_eq!(rows(&b, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
    assert!(db.mvcc_memory_used().unwrap().0 > 0);
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(rows(&b, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
}

/// Runs `sql` on `conn` and expects it to lose a conflict: the
/// transaction is rolled back, the connection refuses statements until
/// `ROLLBACK`, and the message says to roll back and retry.
fn loses<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    let err = conn.execute(sql, ()).unwrap_err();
    assert_eq!(err, Error::BusyConflict, "{sql}");
    assert!(err.to_string().contains("roll back and retry"));
    assert!(conn.is_aborted());
    assert_eq!(conn.execute("SELECT 1", ()), Err(Error::TransactionAborted));
    run(conn, "ROLLBACK");
    assert!(!conn.in_transaction());
}

#[test]
fn hermitage_g0_g1_and_p4_are_prevented() {
    g0_g1_and_p4(SETUP);
}

#[test]
fn hermitage_g0_g1_and_p4_are_prevented_on_a_table_with_indexes() {
    g0_g1_and_p4(INDEXED);
}

fn g0_g1_and_p4(setup: &str) {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, setup);
    let (t1, t2) = (db.connect(), db.connect());

    // G0 (write cycles), prevented: the second writer of row 1 may hold
    // its version, but writing row 2, which the first committed since it
    // began, gets the conflict.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 12 WHERE id = 1");
    run(&t1, "UPDATE test SET value = 21 WHERE id = 2");
    run(&t1, "COMMIT");
    loses(&t2, "UPDATE test SET value = 22 WHERE id = 2");
    assert_eq!(rows(&t1, "").unwrap(), [(1, 11), (2, 21)]);

    // G1a (aborted reads), prevented.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t1, "UPDATE test SET value = 101 WHERE id = 1");
    assert_eq!(rows(&t2, "").unwrap(), [(1, 10), (2, 20)]);
    run(&t1, "ROLLBACK");
    assert_eq!(rows(&t2, "").unwrap(), [(1, 10), (2, 20)]);
    run(&t2, "COMMIT");

    // G1b (intermediate reads), prevented.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t1, "UPDATE test SET value = 101 WHERE id = 1");
    assert_eq!(rows(&t2, "").unwrap(), [(1, 10), (2, 20)]);
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t1, "COMMIT");
    assert_eq!(rows(&t2, "").unwrap(), [(1, 10), (2, 20)]);
    run(&t2, "COMMIT");

    // G1c (circular information flow), prevented.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 22 WHERE id = 2");
    assert_eq!(value(&t1, 2), Some(20));
    assert_eq!(value(&t2, 1), Some(10));
    run(&t1, "COMMIT");
    run(&t2, "COMMIT");
    assert_eq!(rows(&t1, "").unwrap(), [(1, 11), (2, 22)]);

    // P4 (lost update), prevented: both read row 1 and update it; the
    // second updater's COMMIT gets the conflict.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    assert_eq!(value(&t1, 1), Some(10));
    assert_eq!(value(&t2, 1), Some(10));
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t1, "COMMIT");
    loses(&t2, "COMMIT");
    assert_eq!(rows(&t1, "").unwrap(), [(1, 11), (2, 20)]);
}

#[test]
fn hermitage_otv_pmp_and_g_single_are_prevented() {
    otv_pmp_and_g_single(SETUP);
}

#[test]
fn hermitage_otv_pmp_and_g_single_are_prevented_on_a_table_with_indexes() {
    otv_pmp_and_g_single(INDEXED);
}

fn otv_pmp_and_g_single(setup: &str) {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, setup);
    let (t1, t2, t3) = (db.connect(), db.connect(), db.connect());

    // OTV (observed transaction vanishes), prevented: T3 sees all of T1
    // and nothing of T2, which conflicts and vanishes whole.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t3, "BEGIN");
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t1, "UPDATE test SET value = 19 WHERE id = 2");
    run(&t2, "UPDATE test SET value = 12 WHERE id = 1");
    run(&t1, "COMMIT");
    run(&t3, "COMMIT");
    run(&t3, "BEGIN");
    assert_eq!(value(&t3, 1), Some(11));
    loses(&t2, "UPDATE test SET value = 18 WHERE id = 2");
    assert_eq!(value(&t3, 2), Some(19));
    run(&t3, "COMMIT");

    // PMP (predicate-many-preceders), prevented: a predicate read gives
    // the same rows after another transaction inserts a match.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    assert_eq!(rows(&t1, "WHERE value = 30").unwrap(), []);
    run(&t2, "INSERT INTO test VALUES (3, 30)");
    run(&t2, "COMMIT");
    assert_eq!(rows(&t1, "WHERE value % 3 = 0").unwrap(), []);
    run(&t1, "COMMIT");

    // PMP with a write, prevented: T2 deletes the row T1 updated under
    // it; the second to commit conflicts.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    run(&t1, "UPDATE test SET value = value + 10");
    run(&t2, "DELETE FROM test WHERE value = 20");
    run(&t1, "COMMIT");
    loses(&t2, "COMMIT");
    assert_eq!(rows(&t1, "").unwrap(), [(1, 20), (2, 30)]);

    // G-single (read skew), prevented: T1's second read is of its
    // snapshot, so it never sees half of T2.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    assert_eq!(value(&t1, 1), Some(10));
    assert_eq!(value(&t2, 1), Some(10));
    assert_eq!(value(&t2, 2), Some(20));
    run(&t2, "UPDATE test SET value = 12 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 18 WHERE id = 2");
    run(&t2, "COMMIT");
    assert_eq!(value(&t1, 2), Some(20));
    run(&t1, "COMMIT");

    // G-single with a write, prevented: T1 deletes the row T2 changed
    // since T1 began, and gets the conflict.
    reset(&t1);
    run(&t1, "BEGIN");
    run(&t2, "BEGIN");
    assert_eq!(value(&t1, 1), Some(10));
    run(&t2, "UPDATE test SET value = 12 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 18 WHERE id = 2");
    run(&t2, "COMMIT");
    loses(&t1, "DELETE FROM test WHERE value = 20");
    assert_eq!(rows(&t2, "").unwrap(), [(1, 12), (2, 18)]);
}

#[test]
fn hermitage_g2_item_and_g2_are_allowed_as_snapshot_isolation_allows_them() {
    g2_item_and_g2(SETUP);
}

#[test]
fn hermitage_g2_item_and_g2_are_allowed_as_snapshot_isolation_allows_them_on_a_table_with_indexes()
{
    g2_item_and_g2(INDEXED);
}

fn g2_item_and_g2(setup: &str) {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, setup);
    let (t1, t2) = (db.connect(), db.connect());

    // G2-item (write skew), allowed: each reads both rows and writes one.
    reset(&t1);
    run(&t1, "BEGIN CONCURRENT");
    run(&t2, "BEGIN CONCURRENT");
    assert_eq!(rows(&t1, "WHERE id IN (1, 2)").unwrap(), [(1, 10), (2, 20)]);
    assert_eq!(rows(&t2, "WHERE id IN (1, 2)").unwrap(), [(1, 10), (2, 20)]);
    run(&t1, "UPDATE test SET value = 11 WHERE id = 1");
    run(&t2, "UPDATE test SET value = 21 WHERE id = 2");
    run(&t1, "COMMIT");
    run(&t2, "COMMIT");
    assert_eq!(rows(&t1, "").unwrap(), [(1, 11), (2, 21)]);

    // G2 (anti-dependency cycles), allowed: each finds no match of a
    // predicate and inserts one.
    reset(&t1);
    run(&t1, "BEGIN CONCURRENT");
    run(&t2, "BEGIN CONCURRENT");
    assert_eq!(rows(&t1, "WHERE value % 3 = 0").unwrap(), []);
    assert_eq!(rows(&t2, "WHERE value % 3 = 0").unwrap(), []);
    run(&t1, "INSERT INTO test VALUES (3, 30)");
    run(&t2, "INSERT INTO test VALUES (4, 42)");
    run(&t1, "COMMIT");
    run(&t2, "COMMIT");
    assert_eq!(
        rows(&t1, "WHERE value % 3 = 0").unwrap(),
        [(3, 30), (4, 42)]
    );
}

#[test]
fn a_failed_statement_inside_a_transaction_is_taken_back_alone() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    run(&a, "BEGIN");
    run(&a, "INSERT INTO test VALUES (5, 50)");
    // The third row's rowid is taken: the statement's first two rows go.
    assert!(matches!(
        a.execute("INSERT INTO test VALUES (6, 60), (7, 70), (1, 99)", ()),
        Err(Error::Unique(_))
    ));
    // An update that fails halfway (NOT NULL is not declared, so make a
    // rowid collide) changes nothing.
    assert!(matches!(
        a.execute("UPDATE test SET id = 2 WHERE id IN (1, 5)", ()),
        Err(Error::Unique(_))
    ));
    assert_eq!(rows(&a, "").unwrap(), [(1, 10), (2, 20), (5, 50)]);
    assert!(a.in_transaction() && !a.is_aborted());
    // OR FAIL keeps the rows before the failing one; OR IGNORE skips;
    // OR REPLACE overwrites; an upsert updates.
    assert!(matches!(
        a.execute(
            "INSERT OR FAIL INTO test VALUES (8, 80), (2, 0), (9, 90)",
            ()
        ),
        Err(Error::Unique(_))
    ));
    run(&a, "INSERT OR IGNORE INTO test VALUES (1, 0), (10, 100)");
    run(&a, "INSERT OR REPLACE INTO test VALUES (2, 22)");
    run(
        &a,
        "INSERT INTO test VALUES (5, 0) ON CONFLICT(id) DO UPDATE SET value = value + 1",
    );
    let want = [(1, 10), (2, 22), (5, 51), (8, 80), (10, 100)];
    assert_eq!(rows(&a, "").unwrap(), want);
    assert_eq!(rows(&b, "").unwrap(), [(1, 10), (2, 20)]);
    run(&a, "COMMIT");
    assert_eq!(rows(&b, "").unwrap(), want);
    // OR ROLLBACK rolls the whole transaction back.
    run(&a, "BEGIN");
    run(&a, "DELETE FROM test WHERE id > 2");
    assert!(
        a.execute("INSERT OR ROLLBACK INTO test VALUES (1, 0)", ())
            .is_err()
    );
    assert!(!a.in_transaction());
    assert_eq!(rows(&a, "").unwrap(), want);
    // A statement outside BEGIN is its own transaction: it fails whole.
    assert!(
        a.execute("INSERT INTO test VALUES (20, 1), (1, 1)", ())
            .is_err()
    );
    assert_eq!(rows(&b, "").unwrap(), want);
    // Rows without a rowid given take one above the largest the
    // transaction sees and the largest another stores, so two
    // concurrent inserts take 11 and 12 and both commit.
    run(&a, "BEGIN");
    run(&b, "BEGIN");
    run(&a, "INSERT INTO test(value) VALUES (110)");
    run(&b, "INSERT INTO test(value) VALUES (111)");
    assert_eq!(a.last_insert_rowid(), 11);
    assert_eq!(b.last_insert_rowid(), 12);
    run(&a, "COMMIT");
    run(&b, "COMMIT");
    run(&a, "DELETE FROM test WHERE id = 12");
    // INSERT ... SELECT copies row by row into the store.
    run(
        &a,
        "INSERT INTO test SELECT id + 100, value FROM test WHERE id < 3",
    );
    assert_eq!(rows(&b, "WHERE id > 100").unwrap(), [(101, 10), (102, 22)]);
}

#[test]
fn what_mvcc_mode_does_not_support_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    run(
        &conn,
        "CREATE TABLE k(a PRIMARY KEY, b) WITHOUT ROWID; INSERT INTO k VALUES (1, 2)",
    );
    run(&conn, "PRAGMA journal_mode = mvcc");
    let refused = |sql: &str, message: &'static str| {
        assert_eq!(conn.execute(sql, ()), Err(Error::Sql(message)), "{sql}");
    };
    refused(
        "INSERT INTO k VALUES (2, 3)",
        "changing a WITHOUT ROWID table on a database in MVCC mode is not supported",
    );
    run(&conn, "BEGIN");
    refused(
        "CREATE TABLE v(x)",
        "a schema change inside a transaction on a database in MVCC mode is not supported",
    );
    run(&conn, "ROLLBACK");
    // Reading them is fine: nothing in the store changes them.
    assert_eq!(
        conn.query_row("SELECT count(*) FROM k WHERE a = 1", (), |r| r.get_i64(0)),
        Ok(1)
    );
    assert_eq!(
        conn.query_row("PRAGMA integrity_check", (), |r| r
            .get::<&str>(0)
            .map(str::to_string)),
        Ok("ok".to_string())
    );
}

#[test]
fn a_schema_change_waits_for_every_transaction_and_checkpoints_first() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    run(&b, "BEGIN CONCURRENT");
    run(&b, "INSERT INTO test VALUES (3, 30)");
    assert_eq!(
        a.execute(
            "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)",
            ()
        ),
        Err(Error::BusySchema)
    );
    run(&b, "COMMIT");
    assert!(db.mvcc_log_len().unwrap() > 32);
    run(
        &a,
        "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)",
    );
    // The checkpoint emptied the log and the store.
    assert_eq!(db.mvcc_memory_used().unwrap().0, 0);
    run(
        &b,
        "INSERT INTO bench(data, value) VALUES ('x', 1.5), ('y', 2.5)",
    );
    assert!(matches!(
        b.execute("INSERT INTO bench(data) VALUES (NULL)", ()),
        Err(Error::NotNull(_))
    ));
    run(&a, "DROP TABLE test");
    run(&a, "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT)");
    assert_eq!(rows(&b, "").unwrap(), []);
    assert_eq!(
        b.query_row("SELECT sum(value) FROM bench", (), |r| r.get_f64(0)),
        Ok(4.0)
    );
}

#[test]
fn statements_in_progress_keep_their_snapshot_while_others_commit() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    let mut stmt = a.prepare("SELECT id, value FROM test ORDER BY id").unwrap();
    let mut rows_a = stmt.query(()).unwrap();
    let first = rows_a.next().unwrap().unwrap().get_i64(1).unwrap();
    // Another connection commits, and this one changes rows, between
    // the query's steps: the query reads the snapshot it began on.
    run(
        &b,
        "UPDATE test SET value = 0; INSERT INTO test VALUES (3, 30)",
    );
    run(&a, "UPDATE test SET value = 5 WHERE id = 1");
    let second = rows_a.next().unwrap().unwrap().get_i64(1).unwrap();
    assert!(rows_a.next().unwrap().is_none());
    assert_eq!((first, second), (10, 20));
    drop(rows_a);
    drop(stmt);
    assert_eq!(rows(&a, "").unwrap(), [(1, 5), (2, 0), (3, 30)]);
}

#[test]
fn a_store_past_half_its_budget_is_checkpointed_before_the_next_transaction() {
    let disk = MemoryPlatform::new();
    let config = Config {
        mvcc_memory: 64 * 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "t.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    conn.execute("PRAGMA mvcc_checkpoint_threshold = 0", ())
        .unwrap();
    conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    // Far more than the budget in all, a little at a time.
    for i in 0..2000 {
        conn.execute(&format!("INSERT INTO test VALUES ({i}, {i})"), ())
            .unwrap();
    }
    let (used, budget) = db.mvcc_memory_used().unwrap();
    assert!(used <= budget);
    // One transaction past the budget fails, whole.
    conn.execute("BEGIN", ()).unwrap();
    let failed = conn.execute("INSERT INTO test SELECT id + 10000, value FROM test", ());
    assert_eq!(failed, Err(Error::OutOfMemory));
    assert!(conn.in_transaction() && !conn.is_aborted());
    conn.execute("COMMIT", ()).unwrap();
    assert_eq!(
        conn.query_row("SELECT count(*), max(id) FROM test", (), |r| Ok((
            r.get_i64(0)?,
            r.get_i64(1)?
        ))),
        Ok((2000, 1999))
    );
}

#[test]
fn prepared_statements_run_again_read_the_transaction_of_each_run() {
    use boundlite::record::ValueRef;
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    let mut begin = a.prepare("BEGIN CONCURRENT").unwrap();
    let mut commit = a.prepare("COMMIT").unwrap();
    let mut insert = a.prepare("INSERT INTO test VALUES (?1, ?1)").unwrap();
    let mut select = a
        .prepare("SELECT count(*) FROM test WHERE id <= ?1")
        .unwrap();
    for batch in 0..4i64 {
        begin.reset();
        while begin.step().unwrap().is_some() {}
        for i in 0..5 {
            let id = batch * 10 + i;
            insert.reset();
            insert.bind(1, ValueRef::Integer(id)).unwrap();
            while insert.step().unwrap().is_some() {}
            // Another connection commits meanwhile: unseen until the
            // next batch begins.
            run(&b, &format!("INSERT INTO test VALUES ({}, 0)", 1000 + id));
            select.reset();
            select.bind(1, ValueRef::Integer(id)).unwrap();
            let seen = select.step().unwrap().unwrap().get_i64(0).unwrap();
            // Rows of this batch so far, of earlier batches, and the
            // other connection's commits before this batch began (all
            // above `id`, so none counted).
            assert_eq!(seen, id + 1 - batch * 5, "batch {batch} row {i}");
        }
        // The query is left done, not reset, across the COMMIT.
        commit.reset();
        while commit.step().unwrap().is_some() {}
    }
    assert_eq!(rows(&b, "WHERE id < 1000").unwrap().len(), 20);
}

/// The rows of `u`, in rowid order.
fn u_rows<P: Platform>(conn: &Connection<'_, P, Global>) -> Vec<(i64, String)> {
    let mut stmt = conn.prepare("SELECT id, k FROM u ORDER BY id").unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        out.push((
            row.get_i64(0).unwrap(),
            row.get::<&str>(1).unwrap().to_string(),
        ));
    }
    out
}

#[test]
fn two_transactions_storing_one_unique_key_conflict_and_never_both_commit() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(
        &disk,
        "CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT UNIQUE COLLATE NOCASE)",
    );
    let (a, b) = (db.connect(), db.connect());

    // Both insert before either commits: the second commit loses.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO u VALUES (1, 'x')");
    run(&b, "INSERT INTO u VALUES (2, 'X')");
    run(&a, "COMMIT");
    loses(&b, "COMMIT");
    assert_eq!(u_rows(&a), [(1, "x".to_string())]);

    // The first commits before the second writes: the write loses.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO u VALUES (3, 'y')");
    run(&a, "COMMIT");
    loses(&b, "INSERT INTO u VALUES (4, 'Y')");
    // `'y '` is another key under NOCASE: it does not conflict.
    run(&b, "INSERT INTO u VALUES (4, 'y ')");

    // An update that moves a row onto a key another transaction stored.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO u VALUES (5, 'z')");
    run(&b, "UPDATE u SET k = 'Z' WHERE id = 4");
    run(&b, "COMMIT");
    loses(&a, "COMMIT");
    assert_eq!(
        u_rows(&a),
        [
            (1, "x".to_string()),
            (3, "y".to_string()),
            (4, "Z".to_string())
        ]
    );

    // Distinct keys both commit; a transaction sees its own keys.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO u VALUES (6, 'p')");
    run(&b, "INSERT INTO u VALUES (7, 'q')");
    assert!(matches!(
        a.execute("INSERT INTO u VALUES (8, 'P')", ()),
        Err(Error::Unique(_))
    ));
    run(&a, "COMMIT");
    run(&b, "COMMIT");
    assert_eq!(u_rows(&a).len(), 5);

    // An integer and a real of one value are one key; so are texts that
    // differ in trailing spaces under RTRIM.
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(
        &disk,
        "CREATE TABLE n(id INTEGER PRIMARY KEY, x UNIQUE, y TEXT COLLATE RTRIM, UNIQUE(y))",
    );
    let (a, b) = (db.connect(), db.connect());
    for (first, second) in [
        (
            "INSERT INTO n VALUES (1, 1, NULL)",
            "INSERT INTO n VALUES (2, 1.0, NULL)",
        ),
        (
            "INSERT INTO n VALUES (3, NULL, 'r')",
            "INSERT INTO n VALUES (4, NULL, 'r  ')",
        ),
    ] {
        run(&a, "BEGIN CONCURRENT");
        run(&b, "BEGIN CONCURRENT");
        run(&a, first);
        run(&b, second);
        run(&a, "COMMIT");
        loses(&b, "COMMIT");
    }
    // NULLs are distinct: they claim nothing.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO n VALUES (5, NULL, NULL)");
    run(&b, "INSERT INTO n VALUES (6, NULL, NULL)");
    run(&a, "COMMIT");
    run(&b, "COMMIT");
    assert_eq!(
        a.query_row("SELECT count(*) FROM n", (), |r| r.get_i64(0)),
        Ok(4)
    );

    // The suite's table: two transactions insert one `id` on two rowids.
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, INDEXED);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO test(rowid, id, value) VALUES (10, 3, 30)");
    run(&b, "INSERT INTO test(rowid, id, value) VALUES (11, 3, 31)");
    run(&a, "COMMIT");
    loses(&b, "COMMIT");
    assert_eq!(rows(&a, "").unwrap(), [(1, 10), (2, 20), (3, 30)]);
    assert_eq!(rows(&a, "WHERE id = 3").unwrap(), [(3, 30)]);
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(rows(&b, "WHERE value >= 20").unwrap(), [(2, 20), (3, 30)]);
    assert_eq!(
        a.query_row("PRAGMA integrity_check", (), |r| r
            .get::<&str>(0)
            .map(str::to_string)),
        Ok("ok".to_string())
    );
}
