//! Reading a view beside reading the same query written as a subquery in
//! `FROM`, and beside SQLite, over `t(id INTEGER PRIMARY KEY, name TEXT,
//! v REAL)` (10,000 rows) and `big AS SELECT id, name, v FROM t WHERE v
//! > 100.0`:
//!
//! - `view_scan`: `SELECT * FROM big`, one row per step;
//! - `subquery_scan`: `SELECT * FROM (SELECT id, name, v FROM t WHERE v >
//!   100.0)`, the same rows;
//! - `view_count`: `SELECT count(*) FROM big`, one step.
//!
//! The executor holds no syntax tree between steps, so a view's text is
//! parsed on each step (see `core/src/exec/views.rs`): the gap between
//! `view_scan` and `subquery_scan`, and the allocations each prints per
//! warm execution, are that cost. (A view is parsed for every statement
//! with a word of its name, which is why it is not called `v` here: the
//! subquery's column `v` would make that statement parse it too.)

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

mod common;

use common::group_over;
use criterion::{Criterion, criterion_group, criterion_main};

const ROWS: i64 = 10_000;

fn setup() -> String {
    let mut sql = String::from(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
         CREATE VIEW big AS SELECT id, name, v FROM t WHERE v > 100.0;
         BEGIN;",
    );
    for i in 1..=ROWS {
        sql += &format!("INSERT INTO t VALUES ({i}, 'name_{i}', {i}.5);");
    }
    sql += "COMMIT;";
    sql
}

fn benches(c: &mut Criterion) {
    let setup = setup();
    group_over(c, "view_scan", &setup, "SELECT * FROM big");
    group_over(
        c,
        "subquery_scan",
        &setup,
        "SELECT * FROM (SELECT id, name, v FROM t WHERE v > 100.0)",
    );
    group_over(c, "view_count", &setup, "SELECT count(*) FROM big");
}

criterion_group!(view, benches);
criterion_main!(view);
