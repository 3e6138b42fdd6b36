//! An allocation-failure sweep over a small program written with the
//! Rust API (a transaction guard, named and positional parameters,
//! column names, `query_map` with `Row::get` by name into owned values):
//! every failure is `OutOfMemory`, leaks nothing, leaves the database
//! sound and the transaction whole or absent.

use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, oom_sweep};
use boundlite::connection::Value;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error, named_params, params};

const NAMES: [&str; 8] = ["ada", "brian", "carl", "dora", "emil", "fay", "gus", "hal"];

/// Opens `api.db` on `disk` in `alloc`, stores eight rows in one
/// transaction and reads back the names of those scoring at least 3.
fn program<A: Allocator + Clone>(
    disk: &MemoryPlatform,
    alloc: A,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let db = Database::open(disk, "api.db", &Config::DEFAULT, alloc)?;
    let conn = db.connect();
    let tx = conn.transaction()?;
    let mut insert = tx.prepare("INSERT INTO t(name, score) VALUES (:name, :score)")?;
    for (i, name) in NAMES.iter().enumerate() {
        insert.execute(named_params! {":name": name, ":score": i as f64 * 1.5})?;
    }
    drop(insert);
    tx.commit()?;
    let mut query =
        conn.prepare("SELECT id, name AS who, score FROM t WHERE score >= ?1 ORDER BY score DESC")?;
    let columns = query.column_names()?.map(String::from).collect();
    let mut who = Vec::new();
    for row in query.query_map(params![3.0], |row| {
        let name: Value<A> = row.get("who")?;
        Ok((row.get::<i64>("id")?, name, row.get::<Option<f64>>(2)?))
    })? {
        let (_, name, _) = row?;
        who.push(
            String::from_utf8(match name {
                Value::Text(t) => t.to_vec(),
                _ => Vec::new(),
            })
            .unwrap_or_default(),
        );
    }
    Ok((columns, who))
}

#[test]
fn the_api_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let setup = Database::open(&disk, "api.db", &Config::DEFAULT, Global).unwrap();
    setup
        .connect()
        .execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)",
            (),
        )
        .unwrap();
    drop(setup);
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    // Checks the database is sound and holds the transaction whole or
    // not at all, then empties it (a run that absorbed its failure, as
    // the page cache does by evicting, committed too).
    let committed = |expect_empty: bool| {
        let db = Database::open(&disk, "api.db", &Config::DEFAULT, Global).unwrap();
        assert!(db.integrity_check(0).unwrap().is_ok());
        let conn = db.connect();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", (), |r| r.get(0))
            .unwrap();
        assert!(
            rows == 0 || (rows == 8 && !expect_empty),
            "{rows} rows: a part of the transaction"
        );
        conn.execute("DELETE FROM t", ()).unwrap();
    };
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                committed(false);
                program(&disk, f)
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                committed(false);
            },
        )
        .expect("the sweep ends with a run that succeeds");
        let (columns, who) = report.value;
        assert_eq!(columns, ["id", "who", "score"]);
        assert_eq!(who, ["hal", "gus", "fay", "emil", "dora", "carl"]);
        assert!(
            report.failure_points > 20,
            "{} points",
            report.failure_points
        );
        assert_eq!(arena.stats().live_allocations, 0);
        committed(false);
    }
    committed(true);
}
