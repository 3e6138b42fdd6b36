//! The memory benchmark's workloads (`benches/src/memory/workload.rs`:
//! insert-heavy, read-heavy, mixed, scan-heavy, update-churn, bulk) and a
//! schema-heavy script, as small SQL scripts that the whole-workload
//! sweeps run to every failure point, with the model of what each
//! committed prefix leaves in the database.
//!
//! A [`Script`] is a list of [`Unit`]s, each one transaction: a single
//! statement in autocommit, or `BEGIN`, statements, `COMMIT`. A unit's
//! last statement is its commit point: an error there may come after the
//! commit was durable, so the unit may or may not have landed; an error
//! anywhere else leaves it out. [`model`] runs the same units on SQLite
//! and records the contents of every table after each, so a sweep checks
//! what a failed run left against what SQLite holds after the same
//! committed units.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Allocator;
use boundlite::platform::Platform;
use boundlite::{Connection, Error};

use crate::compare::{Exact, Owned};

/// Rows the workloads seed for the failure sweeps, in [`SEED_UNITS`]
/// transactions (the benchmark seeds 10,000 in batches of 1,000, and
/// 200,000 for bulk).
pub const SEED_ROWS: i64 = 240;
/// Transactions the seed rows are inserted in.
pub const SEED_UNITS: i64 = 2;
/// Run batches of the stream workloads, one transaction each.
pub const ITERATIONS: usize = 3;
/// Statements in a run batch.
pub const BATCH_SIZE: usize = 5;
/// The bulk workload's zeroblob: longer than a page, so it takes an
/// overflow chain.
pub const BLOB_BYTES: usize = 6000;

/// One transaction of a script: its statements, committed at the last.
#[derive(Debug, Clone)]
pub struct Unit(pub Vec<String>);

/// A named list of transactions.
#[derive(Debug, Clone)]
pub struct Script {
    pub name: String,
    pub units: Vec<Unit>,
}

/// Every table's name and rows (`rowid` first, in `rowid` order), tables
/// in name order: what a committed prefix of a script leaves.
pub type Contents = Vec<(String, Vec<Vec<Exact>>)>;

/// Where a run of a script stopped on an error.
#[derive(Debug)]
pub struct Stop {
    /// Units whose commit returned before the error.
    pub committed: usize,
    /// Whether the failing statement was its unit's commit point.
    pub at_commit: bool,
    /// The statement that failed.
    pub sql: String,
    pub error: Error,
}

/// Every workload script, in the benchmark's order, seeding `seed_rows`
/// rows (a multiple of [`SEED_UNITS`]), then the schema-heavy one.
pub fn scripts(seed_rows: i64) -> Vec<Script> {
    let mut all = streams(seed_rows);
    all.push(bulk(seed_rows));
    all.push(schema_heavy());
    all
}

/// The stream workloads and the bulk one, each entering MVCC mode first
/// and checkpointing its store last. The schema-heavy script is left out:
/// it changes the schema inside a transaction, which MVCC mode refuses
/// (see `docs/mvcc.md`).
pub fn mvcc_scripts(seed_rows: i64) -> Vec<Script> {
    let mut all = streams(seed_rows);
    all.push(bulk(seed_rows));
    all.into_iter()
        .map(|script| {
            let mut units = vec![unit(&["PRAGMA journal_mode = mvcc"])];
            units.extend(script.units);
            units.push(unit(&["PRAGMA wal_checkpoint(TRUNCATE)"]));
            Script {
                name: format!("{} (mvcc)", script.name),
                units,
            }
        })
        .collect()
}

fn streams(seed_rows: i64) -> Vec<Script> {
    vec![
        stream("insert-heavy", Mix::InsertOnly, seed_rows),
        stream("read-heavy", Mix::SelectPercent(90), seed_rows),
        stream("mixed", Mix::SelectPercent(50), seed_rows),
        stream("scan-heavy", Mix::Scan, seed_rows),
        stream("update-churn", Mix::Update, seed_rows),
    ]
}

/// What the run batches of a stream workload do.
#[derive(Debug, Clone, Copy)]
enum Mix {
    InsertOnly,
    /// SELECT by id this often, INSERT otherwise.
    SelectPercent(u64),
    Scan,
    Update,
}

/// The benchmark's generator (splitmix64), so the scripts are fixed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SCHEMA: &str = "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";

fn unit(statements: &[&str]) -> Unit {
    Unit(statements.iter().map(|s| s.to_string()).collect())
}

fn transaction(statements: Vec<String>) -> Unit {
    let mut all = vec!["BEGIN".to_string()];
    all.extend(statements);
    all.push("COMMIT".to_string());
    Unit(all)
}

/// The seed units: rows `(id, '<prefix><key>', id * 1.1)`, `key` being
/// `key_of(id)`.
fn seed(rows: i64, prefix: &str, key_of: &str) -> Vec<Unit> {
    let per = rows / SEED_UNITS;
    (0..SEED_UNITS)
        .map(|u| {
            let (from, to) = (u * per + 1, (u + 1) * per);
            Unit(vec![format!(
                "INSERT INTO bench SELECT i, '{prefix}' || ({key_of}), i * 1.1 FROM \
                 (WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) \
                 SELECT i FROM n)"
            )])
        })
        .collect()
}

fn stream(name: &'static str, mix: Mix, seed_rows: i64) -> Script {
    let mut rng = Rng(0x5eed_0000_b0de_d11e);
    let mut units = vec![unit(&[SCHEMA])];
    let mut next_id = 1;
    if !matches!(mix, Mix::InsertOnly) {
        units.extend(seed(seed_rows, "seed_", "i"));
        next_id = seed_rows + 1;
    }
    let existing = |rng: &mut Rng| 1 + rng.below(seed_rows as u64);
    for batch in 0..ITERATIONS {
        let mut statements = Vec::new();
        for s in 0..BATCH_SIZE {
            let insert = |id: i64| {
                format!(
                    "INSERT INTO bench VALUES ({id}, 'row_{id}_{}', {id}.5)",
                    "x".repeat((id % 40) as usize)
                )
            };
            let sql = match mix {
                Mix::InsertOnly => {
                    next_id += 1;
                    insert(next_id - 1)
                }
                Mix::SelectPercent(p) if rng.below(100) < p => {
                    format!("SELECT * FROM bench WHERE id = {}", existing(&mut rng))
                }
                Mix::SelectPercent(_) => {
                    next_id += 1;
                    insert(next_id - 1)
                }
                Mix::Scan => format!(
                    "SELECT * FROM bench WHERE data LIKE '%seed_{}%'",
                    existing(&mut rng)
                ),
                Mix::Update => format!(
                    "UPDATE bench SET data = 'upd_{batch}_{s}', value = {} WHERE id = {}",
                    rng.below(1000),
                    existing(&mut rng)
                ),
            };
            statements.push(sql);
        }
        units.push(transaction(statements));
    }
    Script {
        name: name.to_string(),
        units,
    }
}

fn bulk(seed_rows: i64) -> Script {
    let mut units = vec![unit(&[SCHEMA])];
    units.extend(seed(
        seed_rows,
        "bulk_",
        &format!("(i * 7919) % {}", seed_rows / 4),
    ));
    for sql in [
        "CREATE INDEX bench_value ON bench(value)",
        "DELETE FROM bench WHERE id % 2 = 0",
        "UPDATE bench SET value = value + 1",
        "SELECT * FROM bench ORDER BY data",
        "SELECT (id / 2) % 50, count(*), sum(value) FROM bench GROUP BY (id / 2) % 50",
        "SELECT DISTINCT data FROM bench",
    ] {
        units.push(unit(&[sql]));
    }
    units.push(transaction(vec![format!(
        "INSERT INTO bench SELECT id + {seed_rows}, data, value FROM bench"
    )]));
    units.push(Unit(vec![format!(
        "INSERT INTO bench VALUES (1000000, zeroblob({BLOB_BYTES}), 0)"
    )]));
    units.push(unit(&["SELECT length(data) FROM bench WHERE id = 1000000"]));
    Script {
        name: "bulk".to_string(),
        units,
    }
}

fn schema_heavy() -> Script {
    let rows = |n: i64, f: &dyn Fn(i64) -> String| (1..=n).map(f).collect::<Vec<_>>().join(", ");
    let a_rows = rows(40, &|i| {
        format!("({i}, 'name_{}', {})", (i * 13) % 40, i % 5)
    });
    let b_rows = rows(30, &|i| format!("({i}, {}, 'note_{i}')", (i * 7) % 40 + 1));
    let units = vec![
        unit(&["CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT, grp INT)"]),
        unit(&["CREATE TABLE b(id INTEGER PRIMARY KEY, a_id INT, note TEXT UNIQUE)"]),
        Unit(vec![format!("INSERT INTO a VALUES {a_rows}")]),
        Unit(vec![format!("INSERT INTO b VALUES {b_rows}")]),
        unit(&["CREATE INDEX a_grp ON a(grp, name)"]),
        transaction(
            [
                "UPDATE a SET name = name || '!' WHERE grp = 2",
                "DELETE FROM b WHERE id % 3 = 0",
                "INSERT INTO b SELECT id + 100, id, 'copy ' || name FROM a WHERE grp < 2",
            ]
            .map(String::from)
            .to_vec(),
        ),
        unit(&["SELECT grp, count(*), sum(id), max(name) FROM a GROUP BY grp ORDER BY grp"]),
        unit(&["SELECT a.name, b.note FROM a JOIN b ON b.a_id = a.id ORDER BY b.note DESC"]),
        unit(&[
            "SELECT name FROM a WHERE id IN (SELECT a_id FROM b WHERE note LIKE 'copy%') ORDER BY name",
        ]),
        unit(&["CREATE TABLE c AS SELECT grp, count(*) AS n FROM a GROUP BY grp"]),
        unit(&["DROP INDEX a_grp"]),
        unit(&["PRAGMA wal_checkpoint(TRUNCATE)"]),
        unit(&["CREATE TABLE d(k TEXT PRIMARY KEY, v BLOB)"]),
        unit(&["INSERT INTO d SELECT name || id, zeroblob(id * 40) FROM a"]),
        unit(&["DROP TABLE c"]),
        transaction(
            [
                "DELETE FROM a WHERE grp = 3",
                "UPDATE b SET note = upper(note) WHERE id > 100",
                "CREATE INDEX d_k ON d(k DESC)",
            ]
            .map(String::from)
            .to_vec(),
        ),
        unit(&["SELECT k, length(v) FROM d WHERE length(v) > 1000 ORDER BY 2 DESC LIMIT 5"]),
        unit(&["DROP TABLE d"]),
        unit(&["PRAGMA wal_checkpoint(TRUNCATE)"]),
    ];
    Script {
        name: "schema-heavy".to_string(),
        units,
    }
}

/// Runs one statement on boundlite, reading every row it returns.
pub fn step_all<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<(), Error> {
    let mut stmt = conn.prepare(sql)?;
    while stmt.step()?.is_some() {}
    Ok(())
}

/// Runs `script` on `conn` to its end, or to its first error.
pub fn run<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    script: &Script,
) -> Result<(), Stop> {
    for (committed, Unit(statements)) in script.units.iter().enumerate() {
        for (i, sql) in statements.iter().enumerate() {
            if let Err(error) = step_all(conn, sql) {
                return Err(Stop {
                    committed,
                    at_commit: i + 1 == statements.len(),
                    sql: sql.clone(),
                    error,
                });
            }
        }
    }
    Ok(())
}

/// What SQLite holds after each prefix of `script`'s units: entry `k` is
/// the contents after `k` units.
pub fn model(script: &Script) -> Vec<Contents> {
    let conn = rusqlite::Connection::open_in_memory().expect("SQLite opens a memory database");
    let mut out = vec![sqlite_contents(&conn)];
    for Unit(statements) in &script.units {
        for sql in statements {
            let mut stmt = conn
                .prepare(sql)
                .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
            let mut rows = stmt.query([]).unwrap();
            while rows
                .next()
                .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"))
                .is_some()
            {}
        }
        out.push(sqlite_contents(&conn));
    }
    out
}

/// The tables a script made: MVCC mode's own `sqlite_mvcc`, which holds
/// the store's checkpoint boundary, is left out.
const TABLES: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_mvcc' ORDER BY name";

fn table_query(name: &str) -> String {
    format!("SELECT rowid, * FROM \"{name}\" ORDER BY rowid")
}

fn name_of(row: &[Exact]) -> String {
    match row {
        [Exact::Text(t)] => String::from_utf8_lossy(t).into_owned(),
        other => panic!("a table name: {other:?}"),
    }
}

fn sqlite_contents(conn: &rusqlite::Connection) -> Contents {
    Exact::theirs_ok(conn, TABLES)
        .iter()
        .map(|row| {
            let name = name_of(row);
            let rows = Exact::theirs_ok(conn, &table_query(&name));
            (name, rows)
        })
        .collect()
}

/// Every table's rows as boundlite reads them through `conn`.
pub fn contents<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Result<Contents, Error> {
    Exact::ours(conn, TABLES)?
        .iter()
        .map(|row| {
            let name = name_of(row);
            Exact::ours(conn, &table_query(&name)).map(|rows| (name, rows))
        })
        .collect()
}

/// Checks what a database holds after a run of `script` stopped at
/// `stop` (or, with `None`, ran to its end): the transaction in progress
/// is rolled back, `PRAGMA integrity_check` says `ok`, every table holds
/// what SQLite holds after the units committed (and, when the failure was
/// at a commit point, possibly the failed unit too), and the connection
/// commits changes and runs a query. Returns the units the database holds.
pub fn check_recovered<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    model: &[Contents],
    stop: Option<&Stop>,
    context: &str,
) -> usize {
    if conn.in_transaction() {
        conn.execute("ROLLBACK", ())
            .unwrap_or_else(|e| panic!("{context}: ROLLBACK after the failure: {e}"));
    }
    let integrity = Exact::ours(conn, "PRAGMA integrity_check")
        .unwrap_or_else(|e| panic!("{context}: integrity_check: {e}"));
    assert_eq!(
        integrity,
        [[Exact::Text(b"ok".to_vec())]],
        "{context}: integrity_check"
    );
    let held = contents(conn).unwrap_or_else(|e| panic!("{context}: reading back: {e}"));
    let (committed, maybe) = match stop {
        None => (model.len() - 1, false),
        Some(stop) => (stop.committed, stop.at_commit),
    };
    let units = if held == model[committed] {
        committed
    } else if maybe && held == model[committed + 1] {
        committed + 1
    } else {
        panic!(
            "{context}: the database holds neither the {committed} units committed{}: {:?} vs {:?}",
            if maybe { " nor the unit in flight" } else { "" },
            held.iter().map(|(n, r)| (n, r.len())).collect::<Vec<_>>(),
            model[committed]
                .iter()
                .map(|(n, r)| (n, r.len()))
                .collect::<Vec<_>>()
        )
    };
    // Three commits that leave the contents as they were, so that a
    // reopened database is checked against the same model.
    [
        "CREATE TABLE probe(x)",
        "INSERT INTO probe VALUES (1)",
        "SELECT count(*) FROM probe",
        "DROP TABLE probe",
    ]
    .iter()
    .try_for_each(|sql| step_all(conn, sql))
    .unwrap_or_else(|e| panic!("{context}: the connection after the failure: {e}"));
    units
}

/// How many failure points a sweep covers: with
/// `BOUNDLITE_FULL_SWEEP=1` every one of `total`, else at most about
/// `default_points` of them spread evenly over the whole run (the stride
/// returned), so the default `cargo test` stays quick.
pub fn stride(total: usize, default_points: usize) -> usize {
    let full = std::env::var("BOUNDLITE_FULL_SWEEP").is_ok_and(|v| v == "1");
    if full {
        1
    } else {
        total.div_ceil(default_points.max(1)).max(1)
    }
}
