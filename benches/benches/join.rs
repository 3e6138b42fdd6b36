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

use boundlite_benches::joins::{CHAIN, EXISTS, JOIN, chain_setup, in_list, setup};
use common::group_over;
use criterion::{Criterion, criterion_group, criterion_main};

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
