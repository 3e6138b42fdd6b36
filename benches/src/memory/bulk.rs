//! The bulk workload's steps: statements that each touch the whole table,
//! run once each after the seed batches, each timed and checked on its
//! own.
//!
//! The steps run in [`Step::ALL`]'s order on the first connection, on the
//! table the seed batches filled (`seed_rows` rows, ids `1..=seed_rows`,
//! `data` repeating about four times a value; see `workload`):
//!
//! | step | SQL | what it stresses |
//! |---|---|---|
//! | `create-index` | `CREATE INDEX` on `value` | an index build over a filled table |
//! | `delete` | `DELETE` of the even ids | a transaction larger than the cache |
//! | `update` | `UPDATE` of every row's `value` | every row and every index entry rewritten |
//! | `order-by` | `ORDER BY data` over every row | a sort of the whole table |
//! | `group-by` | `GROUP BY (id / 2) % 50000` | 50,000 groups (at 200,000 seeded rows) |
//! | `distinct` | `SELECT DISTINCT data` | folding duplicates over every row |
//! | `double` | `INSERT INTO bench SELECT` in `BEGIN`..`COMMIT` | a statement that reads the table it doubles |
//! | `zeroblob` | a `zeroblob(blob_bytes)` stored, then `length()` | a value larger than any cache |
//!
//! Every step reduces what it returned to a [`StepResult`]: rows read,
//! rows changed (INSERT, UPDATE and DELETE only: SQLite's `changes()`
//! keeps its last value across other statements) and a checksum of every
//! value of every row. The checksum adds up a hash per row, so it does
//! not depend on the order rows come in (GROUP BY and DISTINCT leave it
//! unspecified), except for a step that sorts: its sort column's values
//! are also hashed in sequence, so a wrong order changes it while ties,
//! whose order SQL leaves open, do not. Two engines that return the same
//! rows agree on every figure; [`compare`] says whether they did.
//!
//! A step that fails is recorded with the engine's error, not raised: the
//! statement's effects are undone (a failed step inside `BEGIN` is rolled
//! back), and the next steps run on the table as it was, so one report
//! names every step that fails. Their results are then not compared, as
//! the table no longer matches the other engine's.

use std::fmt::Write;
use std::time::{Duration, Instant};

use super::driver::Session;
use super::error::EngineFailure;
use super::measure::Tally;
use super::progress::Progress;
use super::workload::WorkloadSpec;

/// One step of the bulk workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// `CREATE INDEX` on the filled table.
    CreateIndex,
    /// `DELETE` of half the rows.
    Delete,
    /// `UPDATE` of every row.
    Update,
    /// A query sorting every row on a column without an index.
    OrderBy,
    /// A query with about 50,000 groups.
    GroupBy,
    /// `SELECT DISTINCT` of a column with duplicates.
    Distinct,
    /// `INSERT ... SELECT` doubling the table, inside one transaction.
    Double,
    /// A zeroblob stored, then its `length()`.
    Zeroblob,
}

/// What a statement of a step returns, and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlKind {
    /// Returns rows; with `Some(column)`, the rows come sorted on that
    /// column (from 0), and the order of its values is checked.
    Query(Option<usize>),
    /// INSERT, UPDATE or DELETE: the rows it changed are checked.
    Change,
    /// Anything else (DDL, BEGIN, COMMIT): only success is checked.
    Other,
}

/// The value a statement's `?1` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkParam {
    /// The largest seeded id (`seed_rows`): added to ids, it makes fresh
    /// ones.
    MaxId,
    /// The zeroblob's size.
    BlobBytes,
}

/// One statement of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepSql {
    /// The SQL.
    pub sql: &'static str,
    /// How its result is checked.
    pub kind: SqlKind,
    /// What `?1` is bound to, if it has a parameter.
    pub param: Option<BulkParam>,
}

const fn sql(sql: &'static str, kind: SqlKind) -> StepSql {
    StepSql {
        sql,
        kind,
        param: None,
    }
}

/// The groups of the GROUP BY step: 50,000 at 200,000 seeded rows (the
/// odd ids left by the DELETE step give `id / 2` every value below
/// `seed_rows / 2` once), fewer below 100,000 rows.
pub const GROUPS: u64 = 50_000;

/// Undoes the `double` step's transaction when one of its statements fails.
pub const ROLLBACK_SQL: &str = "ROLLBACK";

const CREATE_INDEX: [StepSql; 1] = [sql(
    "CREATE INDEX bench_value ON bench(value)",
    SqlKind::Other,
)];
const DELETE: [StepSql; 1] = [sql("DELETE FROM bench WHERE id % 2 = 0", SqlKind::Change)];
const UPDATE: [StepSql; 1] = [sql("UPDATE bench SET value = value + 1", SqlKind::Change)];
const ORDER_BY: [StepSql; 1] = [sql(
    "SELECT id, data, value FROM bench ORDER BY data",
    SqlKind::Query(Some(1)),
)];
const GROUP_BY: [StepSql; 1] = [sql(
    "SELECT (id / 2) % 50000, count(*), min(id), max(data) FROM bench \
     GROUP BY (id / 2) % 50000",
    SqlKind::Query(None),
)];
const DISTINCT: [StepSql; 1] = [sql("SELECT DISTINCT data FROM bench", SqlKind::Query(None))];
const DOUBLE: [StepSql; 3] = [
    sql("BEGIN", SqlKind::Other),
    StepSql {
        param: Some(BulkParam::MaxId),
        ..sql(
            "INSERT INTO bench SELECT id + ?1, data, value FROM bench",
            SqlKind::Change,
        )
    },
    sql("COMMIT", SqlKind::Other),
];
const ZEROBLOB: [StepSql; 3] = [
    sql(
        "CREATE TABLE blobs(id INTEGER PRIMARY KEY, b BLOB)",
        SqlKind::Other,
    ),
    StepSql {
        param: Some(BulkParam::BlobBytes),
        ..sql(
            "INSERT INTO blobs VALUES (1, zeroblob(?1))",
            SqlKind::Change,
        )
    },
    sql("SELECT length(b) FROM blobs", SqlKind::Query(None)),
];

impl Step {
    /// Every step, in the order they run.
    pub const ALL: [Step; 8] = [
        Step::CreateIndex,
        Step::Delete,
        Step::Update,
        Step::OrderBy,
        Step::GroupBy,
        Step::Distinct,
        Step::Double,
        Step::Zeroblob,
    ];

    /// The name reports use.
    pub const fn name(self) -> &'static str {
        match self {
            Step::CreateIndex => "create-index",
            Step::Delete => "delete",
            Step::Update => "update",
            Step::OrderBy => "order-by",
            Step::GroupBy => "group-by",
            Step::Distinct => "distinct",
            Step::Double => "double",
            Step::Zeroblob => "zeroblob",
        }
    }

    /// The step's statements, in order.
    pub const fn statements(self) -> &'static [StepSql] {
        match self {
            Step::CreateIndex => &CREATE_INDEX,
            Step::Delete => &DELETE,
            Step::Update => &UPDATE,
            Step::OrderBy => &ORDER_BY,
            Step::GroupBy => &GROUP_BY,
            Step::Distinct => &DISTINCT,
            Step::Double => &DOUBLE,
            Step::Zeroblob => &ZEROBLOB,
        }
    }

    /// Whether the step opens a transaction it must roll back on failure.
    pub const fn in_transaction(self) -> bool {
        matches!(self, Step::Double)
    }
}

/// One value of a returned row, whichever engine read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// NULL.
    Null,
    /// An INTEGER.
    Integer(i64),
    /// A REAL.
    Real(f64),
    /// TEXT, as bytes.
    Text(&'a [u8]),
    /// A BLOB.
    Blob(&'a [u8]),
}

impl Cell<'_> {
    /// FNV-1a over a type tag and the value's bytes: equal values of the
    /// same type hash equal, whatever engine returned them.
    fn hash(self) -> u64 {
        let (tag, number, bytes): (u8, [u8; 8], &[u8]) = match self {
            Cell::Null => (0, [0; 8], &[]),
            Cell::Integer(v) => (1, v.to_le_bytes(), &[]),
            Cell::Real(v) => (2, v.to_bits().to_le_bytes(), &[]),
            Cell::Text(b) => (3, [0; 8], b),
            Cell::Blob(b) => (4, [0; 8], b),
        };
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &byte in [tag].iter().chain(&number).chain(bytes) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }
}

/// SplitMix64's finaliser: spreads every input bit over the output.
const fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Accumulates the rows of one step; see the module doc.
#[derive(Debug, Clone, Default)]
pub struct Digest {
    /// The sorted column of the statement running, if any.
    order_column: Option<usize>,
    /// The column the next value belongs to.
    column: usize,
    /// The hash of the row so far.
    row: u64,
    rows: u64,
    changes: u64,
    /// Sum of row hashes: order-independent.
    unordered: u64,
    /// Sorted-column hashes chained in order.
    ordered: u64,
}

impl Digest {
    /// Takes the next value of the current row.
    pub fn value(&mut self, cell: Cell<'_>) {
        let hash = cell.hash();
        self.row = mix(self.row ^ hash.rotate_left(self.column as u32 % 64));
        if self.order_column == Some(self.column) {
            self.ordered = mix(self.ordered ^ hash);
        }
        self.column += 1;
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.unordered = self
            .unordered
            .wrapping_add(mix(self.row ^ self.column as u64));
        self.rows += 1;
        self.row = 0;
        self.column = 0;
    }

    /// What the step returned.
    pub fn finish(&self) -> StepResult {
        StepResult {
            rows: self.rows,
            changes: self.changes,
            checksum: mix(self.unordered ^ mix(self.ordered) ^ self.changes.rotate_left(32)),
        }
    }
}

/// What a step that completed returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepResult {
    /// Rows its queries returned.
    pub rows: u64,
    /// Rows its INSERT, UPDATE or DELETE changed.
    pub changes: u64,
    /// See the module doc.
    pub checksum: u64,
}

/// Why a step stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// The statement that failed.
    pub sql: &'static str,
    /// Whether the engine ran out of memory.
    pub out_of_memory: bool,
    /// The engine's message.
    pub message: String,
}

/// How a step went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It completed.
    Done(StepResult),
    /// A statement failed.
    Failed(StepFailure),
    /// Not run: an earlier step failed and the run stops at the first
    /// failure ([`super::Options::stop_at_failed_step`]).
    NotRun,
}

/// One step of one engine's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// Its wall time, its statements from the first to the one that
    /// failed (a rollback after a failure is not counted).
    pub time: Duration,
    /// How it went.
    pub outcome: StepOutcome,
    /// The first step that failed before this one on the same engine:
    /// this one ran on a table the other engine does not have.
    pub after_failure: Option<Step>,
}

impl StepReport {
    /// The failure, if the step failed.
    pub fn failure(&self) -> Option<&StepFailure> {
        match &self.outcome {
            StepOutcome::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The result, if the step completed.
    pub fn result(&self) -> Option<StepResult> {
        match self.outcome {
            StepOutcome::Done(r) => Some(r),
            _ => None,
        }
    }
}

impl StepFailure {
    /// One line: the error and the statement.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if self.out_of_memory {
            let _ = write!(out, "OutOfMemory ({})", self.message);
        } else {
            out.push_str(&self.message);
        }
        let _ = write!(out, " in {}", self.sql);
        out
    }
}

/// The value `param` takes in `spec`'s run.
fn param_value(param: BulkParam, spec: &WorkloadSpec) -> i64 {
    let value = match param {
        BulkParam::MaxId => spec.seeded_rows(),
        BulkParam::BlobBytes => spec.blob_bytes,
    };
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Runs `step` on `session`, rolling back its transaction if it fails.
fn run_step<S: Session>(session: &mut S, step: Step, spec: &WorkloadSpec) -> StepOutcome {
    let mut digest = Digest::default();
    for statement in step.statements() {
        digest.order_column = match statement.kind {
            SqlKind::Query(column) => column,
            _ => None,
        };
        let param = statement.param.map(|p| param_value(p, spec));
        let params = param.as_slice();
        match session.run_sql(statement.sql, params, &mut digest) {
            Ok(changes) => {
                if statement.kind == SqlKind::Change {
                    digest.changes += changes;
                }
            }
            Err(error) => {
                let failure = StepFailure {
                    sql: statement.sql,
                    out_of_memory: error.is_out_of_memory(),
                    message: error.to_string(),
                };
                if step.in_transaction() {
                    // Whether the engine already ended the transaction
                    // or not, none must be left open for the next step;
                    // the step's own error is the one reported.
                    let _ = session.run_sql(ROLLBACK_SQL, &[], &mut Digest::default());
                }
                return StepOutcome::Failed(failure);
            }
        }
    }
    StepOutcome::Done(digest.finish())
}

/// Runs every step of the bulk workload on `session`, adding the rows
/// they return to `tally`; with `stop_at_failure`, the steps after a
/// failed one are [`StepOutcome::NotRun`].
pub fn run_steps<S: Session>(
    session: &mut S,
    spec: &WorkloadSpec,
    stop_at_failure: bool,
    tally: &mut Tally,
    progress: &mut Progress,
) -> Vec<StepReport> {
    let mut reports = Vec::with_capacity(Step::ALL.len());
    let mut failed = None;
    for step in Step::ALL {
        if stop_at_failure && failed.is_some() {
            reports.push(StepReport {
                step,
                time: Duration::ZERO,
                outcome: StepOutcome::NotRun,
                after_failure: failed,
            });
            continue;
        }
        progress.label(&format!("{} {}", S::ENGINE.name(), step.name()));
        let start = Instant::now();
        let outcome = run_step(session, step, spec);
        let time = start.elapsed();
        if let StepOutcome::Done(result) = outcome {
            tally.rows += result.rows;
            tally.checksum = tally.checksum.wrapping_add(result.checksum);
        }
        let after_failure = failed;
        if matches!(outcome, StepOutcome::Failed(_)) && failed.is_none() {
            failed = Some(step);
        }
        reports.push(StepReport {
            step,
            time,
            outcome,
            after_failure,
        });
        progress.tick();
    }
    reports
}

/// Whether two engines' runs of one step agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreement {
    /// Both completed with the same result.
    Agree,
    /// Both completed, on the same table, with different results: one
    /// engine returned a wrong answer.
    Disagree,
    /// Not comparable: a step failed or did not run, here or before.
    NotCompared,
}

/// Compares one step's reports from two engines.
pub fn compare(a: &StepReport, b: &StepReport) -> Agreement {
    if a.after_failure.is_some() || b.after_failure.is_some() {
        return Agreement::NotCompared;
    }
    match (a.result(), b.result()) {
        (Some(x), Some(y)) if x == y => Agreement::Agree,
        (Some(_), Some(_)) => Agreement::Disagree,
        _ => Agreement::NotCompared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(rows: &[&[Cell<'_>]], order: Option<usize>) -> StepResult {
        let mut d = Digest {
            order_column: order,
            ..Digest::default()
        };
        for row in rows {
            for &cell in *row {
                d.value(cell);
            }
            d.end_row();
        }
        d.finish()
    }

    #[test]
    fn unsorted_rows_hash_the_same_in_any_order() {
        let a: &[Cell<'_>] = &[Cell::Integer(1), Cell::Text(b"x")];
        let b: &[Cell<'_>] = &[Cell::Integer(2), Cell::Text(b"y")];
        assert_eq!(digest(&[a, b], None), digest(&[b, a], None));
        assert_ne!(digest(&[a, b], None), digest(&[a, a], None));
        // A value moved to another column is another row.
        let swapped: &[Cell<'_>] = &[Cell::Text(b"x"), Cell::Integer(1)];
        assert_ne!(digest(&[a], None), digest(&[swapped], None));
        // Same bytes, another type.
        assert_ne!(
            digest(&[&[Cell::Text(b"x")]], None),
            digest(&[&[Cell::Blob(b"x")]], None)
        );
    }

    #[test]
    fn sorted_rows_check_the_order_of_the_sort_column_only() {
        let a: &[Cell<'_>] = &[Cell::Integer(1), Cell::Text(b"k")];
        let b: &[Cell<'_>] = &[Cell::Integer(2), Cell::Text(b"k")];
        let c: &[Cell<'_>] = &[Cell::Integer(3), Cell::Text(b"z")];
        // Ties on the sort column may come in either order.
        assert_eq!(digest(&[a, b, c], Some(1)), digest(&[b, a, c], Some(1)));
        // A row out of order changes the checksum.
        assert_ne!(digest(&[a, b, c], Some(1)), digest(&[c, a, b], Some(1)));
    }

    #[test]
    fn results_after_a_failure_are_not_compared() {
        let done = |after_failure| StepReport {
            step: Step::Update,
            time: Duration::ZERO,
            outcome: StepOutcome::Done(StepResult::default()),
            after_failure,
        };
        assert_eq!(compare(&done(None), &done(None)), Agreement::Agree);
        assert_eq!(
            compare(&done(Some(Step::Delete)), &done(None)),
            Agreement::NotCompared
        );
        let mut other = done(None);
        other.outcome = StepOutcome::Done(StepResult {
            rows: 1,
            ..StepResult::default()
        });
        assert_eq!(compare(&done(None), &other), Agreement::Disagree);
    }
}
