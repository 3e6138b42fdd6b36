//! The Rust API: `Row::get::<T>` and its errors, parameters from Rust
//! values (`params!`, `named_params!`) against rusqlite's round trip,
//! `query_map`/`query_row`/`Rows`, and `Transaction` guards.

use boundlite::alloc::Global;
use boundlite::connection::{ColumnMismatch, Expected, Found, Value};
use boundlite::platform::MemoryPlatform;
use boundlite::record::{ValueRef, ValueType};
use boundlite::{Config, Connection, Database, Error, TransactionBehavior, named_params, params};
use boundlite_tests::compare::{Exact, Owned};

fn open<'d>(disk: &'d MemoryPlatform, name: &str) -> Database<&'d MemoryPlatform, Global> {
    Database::open(disk, name, &Config::DEFAULT, Global).unwrap()
}

const ROW: &str = "SELECT 42 AS i, 2.5 AS r, 'text' AS t, x'00ff' AS b, NULL AS n, \
                   5000000000 AS big, -1 AS neg, 0 AS f, CAST(x'ff' AS TEXT) AS bad";

#[test]
fn every_type_converts_as_rusqlite_converts_it() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "get.db");
    let conn = db.connect();
    let mut stmt = conn.prepare(ROW).unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), 42);
    assert_eq!(row.get::<i32>(0).unwrap(), 42);
    assert_eq!(row.get::<u32>(0).unwrap(), 42);
    assert_eq!(row.get::<f64>(0).unwrap(), 42.0);
    assert!(row.get::<bool>(0).unwrap());
    assert!(!row.get::<bool>(7).unwrap());
    assert_eq!(row.get::<f64>(1).unwrap(), 2.5);
    assert_eq!(row.get::<&str>(2).unwrap(), "text");
    assert_eq!(row.get::<&[u8]>(3).unwrap(), [0, 0xff]);
    assert_eq!(row.get::<ValueRef<'_>>(4).unwrap(), ValueRef::Null);
    assert_eq!(row.get::<i64>("big").unwrap(), 5_000_000_000);
    assert_eq!(row.get::<i32>("NEG").unwrap(), -1);
    assert_eq!(row.get::<Option<i64>>("n").unwrap(), None);
    assert_eq!(row.get::<Option<&str>>("t").unwrap(), Some("text"));
    assert_eq!(row.get::<Option<Option<f64>>>(4).unwrap(), None);
    let owned: Value<Global> = row.get("b").unwrap();
    assert_eq!(owned.as_ref(), ValueRef::Blob(&[0, 0xff]));
    let owned: Value<Global> = row.get(2).unwrap();
    assert_eq!(owned.as_ref(), ValueRef::text("text"));
    assert_eq!(row.get_ref("r").unwrap(), ValueRef::Real(2.5));
    // Every rusqlite reading of the same row agrees.
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle
        .query_row(ROW, [], |r| {
            assert_eq!(r.get::<_, i64>(0)?, row.get::<i64>(0).unwrap());
            assert_eq!(r.get::<_, f64>(0)?, row.get::<f64>(0).unwrap());
            assert_eq!(r.get::<_, bool>(0)?, row.get::<bool>(0).unwrap());
            assert_eq!(r.get::<_, f64>(1)?, row.get::<f64>(1).unwrap());
            assert_eq!(r.get::<_, String>(2)?, row.get::<&str>(2).unwrap());
            assert_eq!(r.get::<_, Vec<u8>>(3)?, row.get::<&[u8]>(3).unwrap());
            assert_eq!(
                r.get::<_, Option<i64>>(4)?,
                row.get::<Option<i64>>(4).unwrap()
            );
            assert!(r.get::<_, i32>(5).is_err() && row.get::<i32>(5).is_err());
            assert!(r.get::<_, u32>(6).is_err() && row.get::<u32>(6).is_err());
            assert!(r.get::<_, i64>(2).is_err() && row.get::<i64>(2).is_err());
            assert!(r.get::<_, i64>(1).is_err() && row.get::<i64>(1).is_err());
            assert!(r.get::<_, i64>(4).is_err() && row.get::<i64>(4).is_err());
            assert!(r.get::<_, Vec<u8>>(2).is_err() && row.get::<&[u8]>(2).is_err());
            Ok(())
        })
        .unwrap();
}

/// The mismatch `row.get::<T>(column)` reports.
fn mismatch(err: Error) -> ColumnMismatch {
    match err {
        Error::ColumnType(m) => m,
        other => panic!("not a column type error: {other:?}"),
    }
}

#[test]
fn wrong_types_name_the_column_and_what_it_held() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "errors.db");
    let conn = db.connect();
    let mut stmt = conn.prepare(ROW).unwrap();
    let row = stmt.step().unwrap().unwrap();
    let err = row.get::<i64>(2).unwrap_err();
    assert_eq!(err.code(), 20);
    assert_eq!(
        err.to_string(),
        "datatype mismatch: column 2 (t): expected integer, found text"
    );
    let m = mismatch(row.get::<i64>("n").unwrap_err());
    assert_eq!(
        (m.column, m.name.as_str(), m.expected, m.found),
        (4, "n", Expected::Integer, Found::Type(ValueType::Null))
    );
    assert_eq!(
        row.get::<i32>("big").unwrap_err().to_string(),
        "datatype mismatch: column 5 (big): expected integer within i32, found integer out of range"
    );
    assert_eq!(
        mismatch(row.get::<u32>(6).unwrap_err()).found,
        Found::OutOfRange
    );
    assert_eq!(
        row.get::<&str>(8).unwrap_err().to_string(),
        "datatype mismatch: column 8 (bad): expected text, found text that is not UTF-8"
    );
    assert_eq!(
        row.get::<&[u8]>(2).unwrap_err().to_string(),
        "datatype mismatch: column 2 (t): expected blob, found text"
    );
    assert_eq!(
        row.get::<f64>(3).unwrap_err().to_string(),
        "datatype mismatch: column 3 (b): expected real or integer, found blob"
    );
    assert_eq!(
        row.get::<bool>(1).unwrap_err().to_string(),
        "datatype mismatch: column 1 (r): expected integer as bool, found real"
    );
    // Option does not hide a wrong type, only NULL.
    assert!(matches!(
        row.get::<Option<i64>>(2),
        Err(Error::ColumnType(_))
    ));
    assert!(matches!(row.get::<i64>(9), Err(Error::Misuse(_))));
    assert!(matches!(row.get::<i64>("nope"), Err(Error::Misuse(_))));
    // The getters of one type keep their names.
    assert_eq!(row.get_i64(0).unwrap(), 42);
    assert!(matches!(row.get_text(0), Err(Error::ColumnType(_))));
}

/// One Rust value of each kind bound to `?1`, and what SQLite stores.
fn round_trip(
    conn: &Connection<'_, &MemoryPlatform, Global>,
    oracle: &rusqlite::Connection,
    ours: &dyn boundlite::ToValue,
    theirs: &dyn rusqlite::ToSql,
) {
    conn.execute("DELETE FROM t", ()).unwrap();
    oracle.execute("DELETE FROM t", []).unwrap();
    conn.execute("INSERT INTO t VALUES (?1, ?1, ?1)", params![ours])
        .unwrap();
    oracle
        .execute("INSERT INTO t VALUES (?1, ?1, ?1)", [theirs])
        .unwrap();
    let sql = "SELECT a, typeof(a), b, typeof(b), c, typeof(c) FROM t";
    assert_eq!(
        Exact::ours(conn, sql).unwrap(),
        Exact::theirs(oracle, sql).unwrap(),
        "{:?}",
        ours.to_value()
    );
}

#[test]
fn parameters_bind_as_rusqlite_binds_them() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "params.db");
    let conn = db.connect();
    let schema = "CREATE TABLE t(a, b INTEGER, c TEXT)";
    conn.execute(schema, ()).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute(schema, []).unwrap();
    let blob: &[u8] = &[1, 2, 3];
    let value: Value<Global> = Value::Integer(9);
    round_trip(&conn, &oracle, &7i64, &7i64);
    round_trip(&conn, &oracle, &i64::MIN, &i64::MIN);
    round_trip(&conn, &oracle, &-5i32, &-5i32);
    round_trip(&conn, &oracle, &u32::MAX, &u32::MAX);
    round_trip(&conn, &oracle, &1.25f64, &1.25f64);
    round_trip(&conn, &oracle, &-0.0f64, &-0.0f64);
    round_trip(&conn, &oracle, &true, &true);
    round_trip(&conn, &oracle, &false, &false);
    round_trip(&conn, &oracle, &"12", &"12");
    round_trip(&conn, &oracle, &"héllo", &"héllo");
    round_trip(&conn, &oracle, &blob, &blob);
    round_trip(&conn, &oracle, &None::<i64>, &None::<i64>);
    round_trip(&conn, &oracle, &Some(3i64), &Some(3i64));
    round_trip(&conn, &oracle, &Some("x"), &Some("x"));
    round_trip(&conn, &oracle, &ValueRef::Real(0.5), &0.5f64);
    round_trip(&conn, &oracle, &value, &9i64);
    assert!(matches!(
        conn.execute("INSERT INTO t VALUES (?1, 0, 0)", params![u64::MAX]),
        Err(Error::Misuse(_))
    ));
    // Named parameters, in any order; those not named are NULL.
    let mut insert = conn.prepare("INSERT INTO t VALUES (:a, @b, $c)").unwrap();
    insert.execute(named_params! {"$c": "z", ":a": 1}).unwrap();
    insert
        .execute(&[(":a", &2 as &dyn boundlite::ToValue), ("@b", &3)][..])
        .unwrap();
    let got: Vec<(i64, Option<i64>, Option<String>)> = conn
        .prepare("SELECT a, b, c FROM t WHERE a IN (1, 2) ORDER BY a")
        .unwrap()
        .query_map((), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<Option<&str>>(2)?.map(String::from),
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, [(1, None, Some("z".into())), (2, Some(3), None)]);
    // What does not fit the statement is refused, never dropped.
    assert!(matches!(
        insert.execute(named_params! {":nope": 1}),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        insert.execute(params![1, 2]),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        insert.execute(params![1, 2, 3, 4]),
        Err(Error::Misuse(_))
    ));
    assert_eq!(insert.execute(params![1, 2, 3]).unwrap(), 1);
}

#[test]
fn query_map_reads_ten_thousand_rows() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "many.db");
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, sq INTEGER, name TEXT)",
        (),
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    let mut insert = tx.prepare("INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
    for i in 1..=10_000i64 {
        let name = format!("n{i}");
        assert_eq!(insert.execute(params![i, i * i, name.as_str()]).unwrap(), 1);
    }
    drop(insert);
    tx.commit().unwrap();
    let mut stmt = conn
        .prepare("SELECT id, sq, name FROM t WHERE id > ?1 ORDER BY id")
        .unwrap();
    let mut expected = 0i64;
    for row in stmt
        .query_map(params![0], |row| {
            Ok((
                row.get::<i64>("id")?,
                row.get::<i64>(1)?,
                row.get::<&str>(2)?.len(),
            ))
        })
        .unwrap()
    {
        let (id, sq, len) = row.unwrap();
        expected += 1;
        assert_eq!(
            (id, sq, len),
            (expected, expected * expected, format!("n{expected}").len())
        );
    }
    assert_eq!(expected, 10_000);
    // Run again, stopping early: the statement is reset and runs anew.
    let firsts: Vec<i64> = stmt
        .query_map(params![9_990], |row| row.get(0))
        .unwrap()
        .take(3)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(firsts, [9_991, 9_992, 9_993]);
    let mut rows = stmt.query(params![9_998]).unwrap();
    assert_eq!(rows.next().unwrap().unwrap().get::<i64>(0).unwrap(), 9_999);
    assert_eq!(rows.next().unwrap().unwrap().get::<i64>(0).unwrap(), 10_000);
    assert!(rows.next().unwrap().is_none());
    drop(rows);
    assert_eq!(
        stmt.query_row(params![9_999], |r| r.get::<i64>(1)).unwrap(),
        100_000_000
    );
    assert_eq!(
        stmt.query_row(params![10_000], |r| r.get::<i64>(0)),
        Err(Error::NoRows)
    );
    // A mapping error ends the rows with it.
    let mut mapped = stmt
        .query_map(params![0], |row| row.get::<&str>(0).map(str::len))
        .unwrap();
    assert!(matches!(mapped.next(), Some(Err(Error::ColumnType(_)))));
    // A writer can commit once the rows are dropped: no snapshot is kept.
    drop(mapped);
    let other = db.connect();
    other.execute("DELETE FROM t WHERE id > 5000", ()).unwrap();
    assert_eq!(
        conn.query_row("SELECT count(*) FROM t", (), |r| r.get::<i64>(0))
            .unwrap(),
        5_000
    );
}

fn count(conn: &Connection<'_, &MemoryPlatform, Global>) -> i64 {
    conn.query_row("SELECT count(*) FROM t", (), |r| r.get(0))
        .unwrap()
}

/// Inserts a row in a transaction, then fails before committing.
fn insert_then_fail(conn: &Connection<'_, &MemoryPlatform, Global>) -> Result<(), Error> {
    let tx = conn.transaction()?;
    tx.execute("INSERT INTO t VALUES (1)", ())?;
    tx.execute("INSERT INTO no_such_table VALUES (1)", ())?;
    tx.commit()
}

#[test]
fn transaction_guards_roll_back_unless_committed() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "tx.db");
    let conn = db.connect();
    conn.execute("CREATE TABLE t(x)", ()).unwrap();
    {
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (1), (2)", ()).unwrap();
        assert_eq!(count(&tx), 2);
        assert!(conn.in_transaction());
    }
    assert!(!conn.in_transaction());
    assert_eq!(count(&conn), 0);
    // An early return through `?` drops the guard: rolled back.
    assert!(insert_then_fail(&conn).is_err());
    assert!(!conn.in_transaction());
    assert_eq!(count(&conn), 0);
    let tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (3)", ()).unwrap();
    tx.rollback().unwrap();
    assert_eq!(count(&conn), 0);
    for behavior in [
        TransactionBehavior::Deferred,
        TransactionBehavior::Immediate,
        TransactionBehavior::Exclusive,
    ] {
        let tx = conn.transaction_with_behavior(behavior).unwrap();
        tx.execute("INSERT INTO t VALUES (4)", ()).unwrap();
        tx.commit().unwrap();
    }
    assert_eq!(count(&conn), 3);
    // Immediate takes the write lock at once: a second writer is busy.
    let other = db.connect();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    assert_eq!(
        other
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .err(),
        Some(Error::Busy)
    );
    assert!(!other.in_transaction());
    drop(tx);
    // One transaction at a time on a connection, as BEGIN says.
    let tx = conn.transaction().unwrap();
    assert!(conn.transaction().is_err());
    drop(tx);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_script_takes_its_parameters_as_a_whole() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "script.db");
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b, c); CREATE TABLE u(x, y)", ())
        .unwrap();
    let script = "INSERT INTO t VALUES (?, ?, ?); INSERT INTO u VALUES (?2, ?1)";
    conn.execute(script, params![1, "two", 3.0]).unwrap();
    let rows = |sql| Exact::ours(&conn, sql).unwrap();
    assert_eq!(
        rows("SELECT * FROM u"),
        [[Exact::Text(b"two".to_vec()), Exact::Int(1)]]
    );
    // A value no statement takes, or one missing, refuses the script
    // before any of it runs.
    for wrong in [params![1, 2, 3, 4], params![1, 2], params![]] {
        assert!(matches!(conn.execute(script, wrong), Err(Error::Misuse(_))));
    }
    let named = "INSERT INTO t VALUES (:a, :b, 0); INSERT INTO u VALUES (:b, :c)";
    assert!(matches!(
        conn.execute(named, named_params! {":a": 1, ":z": 2}),
        Err(Error::Misuse(_))
    ));
    conn.execute(named, named_params! {":a": 5, ":c": 6})
        .unwrap();
    assert_eq!(
        rows("SELECT count(*) FROM t UNION ALL SELECT count(*) FROM u"),
        [[Exact::Int(2)], [Exact::Int(2)]]
    );
    assert_eq!(
        rows("SELECT x, y FROM u WHERE y = 6"),
        [[Exact::Null, Exact::Int(6)]]
    );
    // A statement that takes parameters, given none, is refused.
    assert!(matches!(
        conn.execute("INSERT INTO u VALUES (?1, 0)", ()),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn long_column_names_are_cut_in_errors_without_memory() {
    let disk = MemoryPlatform::new();
    let db = open(&disk, "long.db");
    let conn = db.connect();
    let err = conn
        .query_row("SELECT 'x' AS a_rather_long_column_name", (), |r| {
            r.get::<i64>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "datatype mismatch: column 0 (a_rather_long_colu...): expected integer, found text"
    );
    assert_eq!(std::mem::size_of::<Error>(), 32);
}
