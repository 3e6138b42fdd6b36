//! A seeded scheduler runs several SQL connections' random transactions
//! on a database in MVCC mode statement by statement, interleaved, and
//! checks every read and every outcome against a model of snapshot
//! isolation with first-committer-wins: a transaction reads the commits
//! before its `BEGIN` and its own writes; a write or `COMMIT` of a row
//! committed by another since its `BEGIN` gets `BusyConflict`, and
//! nothing of it is kept. Reproducible from `BOUNDLITE_SEED`. The
//! transactions run on Hermitage's table stored by rowid and on the
//! suite's own, `id int primary key` (a `UNIQUE` index beside the rowid)
//! with an index on `value`, read through both indexes too.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::rng::{Rng, seed};

type State = BTreeMap<i64, i64>;

/// One connection's open transaction in the model.
struct Open {
    /// The commits before its `BEGIN`.
    snapshot: State,
    /// The commit count when it began.
    began: u64,
    /// What it wrote: a value, or `None` for a delete.
    writes: BTreeMap<i64, Option<i64>>,
}

impl Open {
    fn sees(&self) -> State {
        let mut state = self.snapshot.clone();
        for (&id, &value) in &self.writes {
            match value {
                Some(v) => state.insert(id, v),
                None => state.remove(&id),
            };
        }
        state
    }
}

/// The committed state and, per row, the commit that last wrote it.
struct Model {
    committed: State,
    commits: u64,
    last_write: BTreeMap<i64, u64>,
}

impl Model {
    fn conflicts(&self, open: &Open, id: i64) -> bool {
        self.last_write.get(&id).is_some_and(|&c| c > open.began)
    }

    fn commit(&mut self, writes: &BTreeMap<i64, Option<i64>>) {
        if writes.is_empty() {
            return;
        }
        self.commits += 1;
        for (&id, &value) in writes {
            match value {
                Some(v) => self.committed.insert(id, v),
                None => self.committed.remove(&id),
            };
            self.last_write.insert(id, self.commits);
        }
    }
}

fn read<P: Platform>(conn: &Connection<'_, P, Global>) -> State {
    read_by(conn, "SELECT id, value FROM test")
}

/// The rows as `sql` (a query of `id, value`) finds them.
fn read_by<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> State {
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut out = State::new();
    while let Some(row) = rows.next().unwrap() {
        out.insert(row.get_i64(0).unwrap(), row.get_i64(1).unwrap());
    }
    out
}

/// A change to row `id` and what it makes of the row the transaction
/// sees: `None` when it writes nothing (the row is not there to change).
fn change(rng: &mut Rng, id: i64, seen: Option<i64>) -> (String, Option<Option<i64>>) {
    let v = rng.below(1000) as i64;
    match rng.below(3) {
        0 => (
            format!("INSERT OR REPLACE INTO test VALUES ({id}, {v})"),
            Some(Some(v)),
        ),
        1 => (
            format!("UPDATE test SET value = value + 1 WHERE id = {id}"),
            seen.map(|s| Some(s + 1)),
        ),
        _ => (
            format!("DELETE FROM test WHERE id = {id}"),
            seen.map(|_| None),
        ),
    }
}

/// Every way `schema`'s reads may find the rows: a scan, and through
/// each index.
fn reads(indexed: bool) -> &'static [&'static str] {
    match indexed {
        false => &["SELECT id, value FROM test"],
        true => &[
            "SELECT id, value FROM test",
            "SELECT id, value FROM test WHERE value >= 0",
            "SELECT id, value FROM test WHERE id IN (0, 1, 2, 3, 4, 5, 6, 7)",
            "SELECT id, value FROM test WHERE id >= 0 AND value < 2000",
        ],
    }
}

#[test]
fn interleaved_sql_transactions_keep_snapshot_isolation() {
    interleave(
        "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT)",
        false,
        seed(0x5349),
    );
}

#[test]
fn interleaved_sql_transactions_on_a_table_with_indexes_keep_snapshot_isolation() {
    interleave(
        "CREATE TABLE test(id int primary key, value int); CREATE INDEX test_value ON test(value)",
        true,
        seed(0x534a),
    );
}

fn interleave(schema: &str, indexed: bool, base: u64) {
    let (mut commits, mut conflicts) = (0, 0);
    for round in 0..8u64 {
        let mut rng = Rng::new(base.wrapping_add(round.wrapping_mul(0x51ed)));
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
        let setup = db.connect();
        setup.execute(schema, ()).unwrap();
        setup.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
        let n = 2 + (round % 3) as usize;
        let conns: Vec<_> = (0..n).map(|_| db.connect()).collect();
        let mut open: Vec<Option<Open>> = (0..n).map(|_| None).collect();
        let mut model = Model {
            committed: State::new(),
            commits: 0,
            last_write: BTreeMap::new(),
        };
        for step in 0..400 {
            let c = rng.below(n as u64) as usize;
            let conn = &conns[c];
            let context = format!("seed {base} round {round} step {step} connection {c}");
            if rng.below(40) == 0 {
                setup
                    .execute("PRAGMA wal_checkpoint(TRUNCATE)", ())
                    .unwrap();
            }
            match (&mut open[c], rng.below(10)) {
                (None, 0..=2) => {
                    let begin = ["BEGIN", "BEGIN CONCURRENT"][rng.below(2) as usize];
                    conn.execute(begin, ()).unwrap();
                    open[c] = Some(Open {
                        snapshot: model.committed.clone(),
                        began: model.commits,
                        writes: BTreeMap::new(),
                    });
                }
                (None, 3..=5) => {
                    for sql in reads(indexed) {
                        assert_eq!(read_by(conn, sql), model.committed, "{context}: {sql}");
                    }
                }
                (None, _) => {
                    let id = rng.below(8) as i64;
                    let (sql, write) = change(&mut rng, id, model.committed.get(&id).copied());
                    conn.execute(&sql, ()).unwrap();
                    if let Some(w) = write {
                        model.commit(&BTreeMap::from([(id, w)]));
                    }
                    assert!(!conn.in_transaction());
                }
                (Some(t), 0) => {
                    let conflict = t.writes.keys().any(|&id| model.conflicts(t, id));
                    let result = conn.execute("COMMIT", ());
                    if conflict {
                        assert_eq!(result, Err(Error::BusyConflict), "{context}");
                        conn.execute("ROLLBACK", ()).unwrap();
                        conflicts += 1;
                    } else {
                        result.unwrap();
                        model.commit(&t.writes);
                        commits += 1;
                    }
                    open[c] = None;
                }
                (Some(_), 1) => {
                    conn.execute("ROLLBACK", ()).unwrap();
                    open[c] = None;
                }
                (Some(t), 2..=4) => {
                    for sql in reads(indexed) {
                        assert_eq!(read_by(conn, sql), t.sees(), "{context}: {sql}");
                    }
                }
                (Some(t), _) => {
                    let id = rng.below(8) as i64;
                    let (sql, write) = change(&mut rng, id, t.sees().get(&id).copied());
                    let result = conn.execute(&sql, ());
                    match write {
                        Some(_) if model.conflicts(t, id) => {
                            assert_eq!(result, Err(Error::BusyConflict), "{context}: {sql}");
                            assert!(conn.is_aborted());
                            conn.execute("ROLLBACK", ()).unwrap();
                            open[c] = None;
                            conflicts += 1;
                        }
                        Some(w) => {
                            if let Err(e) = result {
                                panic!("{context}: {sql}: {e:?}");
                            }
                            t.writes.insert(id, w);
                        }
                        None => assert_eq!(result, Ok(0), "{context}: {sql}"),
                    }
                }
            }
        }
        assert_eq!(read(&setup), model.committed);
        setup
            .execute("PRAGMA wal_checkpoint(TRUNCATE)", ())
            .unwrap();
        assert_eq!(
            setup.query_row("PRAGMA integrity_check", (), |r| r
                .get::<&str>(0)
                .map(str::to_string)),
            Ok("ok".to_string())
        );
    }
    println!("{commits} transactions committed, {conflicts} lost a conflict");
    assert!(commits > 50 && conflicts > 10, "{commits} {conflicts}");
}
