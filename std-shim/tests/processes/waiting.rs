//! A write transaction open in one process makes writers in others wait,
//! and what they were refused never appears.
//!
//! Without locks, SQLite's and the second shell's inserts would succeed
//! while the first shell's transaction is open (the `busy` assertions
//! fail), and the two commits would then race for the same WAL frames.

use crate::procs::{
    Shell, Sqlite, assert_rows_exactly, run_shell, shell_integrity, sqlite_integrity, text, wal_db,
};

#[test]
fn an_open_write_transaction_makes_others_wait_never_vanish() {
    let (_dir, db) = wal_db();
    let mut holder = Shell::open(&db);
    let printed = holder.run(
        "PRAGMA busy_timeout=0; BEGIN; \
         INSERT INTO t(who, n) VALUES ('a', 1); INSERT INTO t(who, n) VALUES ('a', 2);",
        "ready",
    );
    assert_eq!(printed, ["0"]);

    let mut sqlite = Sqlite::open(&db, 0);
    assert_eq!(sqlite.exec("INSERT INTO t(who, n) VALUES ('s', 1)"), "busy");
    // Readers are not kept out, and see nothing uncommitted.
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "ok 0");
    let refused = run_shell(
        &db,
        &[
            "PRAGMA busy_timeout=0",
            "INSERT INTO t(who, n) VALUES ('b', 1)",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        text(&refused.stderr),
        "Error: database is locked (code 5)\n"
    );
    let reader = run_shell(&db, &["SELECT count(*) FROM t"]);
    assert_eq!(text(&reader.stdout), "0\n", "{}", text(&reader.stderr));

    assert_eq!(holder.run("COMMIT;", "committed"), Vec::<String>::new());
    // The lock is free again: SQLite writes at once.
    assert_eq!(sqlite.exec("INSERT INTO t(who, n) VALUES ('s', 2)"), "ok");
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "ok 3");
    let ended = holder.finish();
    assert!(ended.status.success(), "{}", ended.stderr);
    assert_eq!(ended.stderr, "");
    drop(sqlite);

    let reader = run_shell(&db, &["SELECT who, n FROM t ORDER BY id"]);
    assert_eq!(text(&reader.stdout), "a|1\na|2\ns|2\n");
    assert_rows_exactly(&db, "a", &[1, 2]);
    assert_rows_exactly(&db, "s", &[2]);
    assert_rows_exactly(&db, "b", &[]);
    assert_eq!(shell_integrity(&db), "ok");
    assert_eq!(sqlite_integrity(&db), "ok");
}

#[test]
fn an_open_sqlite_write_transaction_makes_the_shell_wait() {
    let (_dir, db) = wal_db();
    let mut sqlite = Sqlite::open(&db, 0);
    assert_eq!(
        sqlite.exec("BEGIN; INSERT INTO t(who, n) VALUES ('s', 1);"),
        "ok"
    );
    let mut shell = Shell::open(&db);
    assert_eq!(
        shell.run(
            "PRAGMA busy_timeout=0; INSERT INTO t(who, n) VALUES ('b', 1);",
            "tried"
        ),
        ["0"]
    );
    assert_eq!(shell.run("SELECT count(*) FROM t;", "read"), ["0"]);
    assert_eq!(sqlite.exec("COMMIT"), "ok");
    assert_eq!(shell.run("SELECT count(*) FROM t;", "read"), ["1"]);
    assert_eq!(
        shell.run("INSERT INTO t(who, n) VALUES ('b', 2);", "written"),
        Vec::<String>::new()
    );
    let ended = shell.finish();
    assert_eq!(ended.status.code(), Some(1));
    assert_eq!(
        ended.stderr,
        "Error: near line 1: database is locked (code 5)\n  in: INSERT INTO t(who, n) VALUES ('b', 1)\n"
    );
    drop(sqlite);
    assert_rows_exactly(&db, "s", &[1]);
    assert_rows_exactly(&db, "b", &[2]);
    assert_eq!(shell_integrity(&db), "ok");
    assert_eq!(sqlite_integrity(&db), "ok");
}
