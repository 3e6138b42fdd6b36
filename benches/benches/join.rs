//! Joins and the queries SQL users write with them, beside SQLite, over
//! `parent(id INTEGER PRIMARY KEY, name TEXT)` (1,000 rows) and
//! `child(id INTEGER PRIMARY KEY, pid INTEGER, v REAL)` (10,000 rows,
//! indexed on `pid`):
//!
//! - `join_1k_x_10k_indexed`: `SELECT p.name, c.v FROM parent p JOIN
//!   child c ON c.pid = p.id`, 10,000 rows, the inner loop an index seek;
//! - `in_1000_rowids`: `SELECT * FROM child WHERE id IN (<1,000 ids>)`;
//! - `correlated_exists`: `SELECT count(*) FROM parent p WHERE EXISTS
//!   (SELECT 1 FROM child c WHERE c.pid = p.id AND c.v > 9000.0)`;
//! - `chain_6_tables`: sqllogictest's `select5.test` style, six comma-
//!   joined tables of ten rows without an index (`s1`..`s6`), the terms
//!   linking them in another order than `FROM`'s, so only the order of
//!   the loops keeps the join from reading the product of the tables.
//!
//! boundlite runs on a [`MemoryPlatform`] with [`Config::DEFAULT`], SQLite
//! on an in-memory database; both through prepared statements, reading
//! every column of every row. After each group the bench prints the
//! allocations boundlite makes per warm execution.

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

mod common;

use common::group_over;
use criterion::{Criterion, criterion_group, criterion_main};

const PARENTS: i64 = 1_000;
const CHILDREN: i64 = 10_000;

/// The schema and rows, the same on both engines.
fn setup() -> String {
    let mut sql = String::from(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER, v REAL);
         CREATE INDEX child_pid ON child(pid);
         BEGIN;",
    );
    for i in 1..=PARENTS {
        sql += &format!("INSERT INTO parent VALUES ({i}, 'parent_{i}');");
    }
    for i in 1..=CHILDREN {
        let pid = (i * 7_919) % PARENTS + 1;
        sql += &format!("INSERT INTO child VALUES ({i}, {pid}, {i}.5);");
    }
    sql += "COMMIT;";
    sql
}

const JOIN: &str = "SELECT p.name, c.v FROM parent p JOIN child c ON c.pid = p.id";
const EXISTS: &str = "SELECT count(*) FROM parent p WHERE EXISTS \
     (SELECT 1 FROM child c WHERE c.pid = p.id AND c.v > 9000.0)";

/// `SELECT * FROM child WHERE id IN (...)` with 1,000 scattered ids.
fn in_list() -> String {
    let ids: Vec<String> = (0..1_000)
        .map(|i| ((i * 37) % CHILDREN + 1).to_string())
        .collect();
    format!("SELECT * FROM child WHERE id IN ({})", ids.join(","))
}

/// Six tables `s1`..`s6` of ten rows, `a` 1..10 and `b` = 11 - `a`.
fn chain_setup() -> String {
    let mut sql = String::new();
    for t in 1..=6 {
        sql += &format!("CREATE TABLE s{t}(a INTEGER, b INTEGER, c TEXT);");
        for a in 1..=10 {
            sql += &format!("INSERT INTO s{t} VALUES ({a}, {}, 'row {a}');", 11 - a);
        }
    }
    sql
}

const CHAIN: &str = "SELECT s1.c, s2.c, s3.c, s4.c, s5.c, s6.c \
     FROM s1, s2, s3, s4, s5, s6 \
     WHERE s4.a = s3.b AND s1.a = s6.b AND s5.a = s3.b AND s2.a = s6.b AND s4.b = s2.a";

/// One group: `sql` on both engines (see `common::group_over`).
fn group(c: &mut Criterion, name: &str, sql: &str) {
    group_over(c, name, &setup(), sql);
}

fn benches(c: &mut Criterion) {
    group(c, "join_1k_x_10k_indexed", JOIN);
    group(c, "in_1000_rowids", &in_list());
    group(c, "correlated_exists", EXISTS);
    group_over(c, "chain_6_tables", &chain_setup(), CHAIN);
}

criterion_group!(join, benches);
criterion_main!(join);
