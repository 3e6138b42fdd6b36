//! Allocation-failure sweeps of one SQL statement, as most compatibility
//! tests run them: every failure is `OutOfMemory`, and a failed change
//! leaves the rows as they were.

use boundlite::alloc::{Allocator, FaultAlloc, SweepReport, oom_sweep};
use boundlite::platform::Platform;
use boundlite::{Connection, Error};

use crate::compare::{Exact, Owned, Rows};

/// Sweeps the query `sql` on `conn` (whose allocator `fault` fails):
/// every failed run is `OutOfMemory`; the report's value is the row count.
pub fn sweep_rows<P: Platform, A: Allocator + Clone, F: Allocator>(
    fault: &FaultAlloc<F>,
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> SweepReport<usize> {
    oom_sweep(
        fault,
        true,
        |_| {
            let mut stmt = conn.prepare(sql)?;
            let mut n = 0;
            while stmt.step()?.is_some() {
                n += 1;
            }
            Ok::<_, Error>(n)
        },
        |n, e| assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}"),
    )
    .expect("the sweep ends with a run that succeeds")
}

/// Sweeps the change `sql` on `conn`: every failed run is `OutOfMemory`
/// and leaves `contents` as it was; the report's value is the count of
/// rows changed.
pub fn sweep_change<P: Platform, A: Allocator + Clone, F: Allocator>(
    fault: &FaultAlloc<F>,
    conn: &Connection<'_, P, A>,
    sql: &str,
    contents: impl Fn() -> Rows,
) -> SweepReport<usize> {
    let before = contents();
    oom_sweep(
        fault,
        true,
        |_| conn.execute(sql, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
            assert!(contents() == before, "{sql}: failure {n} left a trace");
        },
    )
    .expect("the sweep ends with a run that succeeds")
}

/// Sweeps the query `sql` on `conn` both ways, one allocation failing and
/// every allocation from one on failing: each failed run is
/// `OutOfMemory`, the run that succeeds gives `want`, and each way fails
/// at more than `at_least` points. Returns the points of each way.
pub fn sweep_query_both<P: Platform, A: Allocator + Clone, F: Allocator>(
    fault: &FaultAlloc<F>,
    conn: &Connection<'_, P, A>,
    sql: &str,
    want: &[Vec<Exact>],
    at_least: usize,
) -> [usize; 2] {
    [true, false].map(|persistent| {
        let report = oom_sweep(
            fault,
            persistent,
            |_| Exact::ours(conn, sql),
            |n, e| assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}"),
        )
        .expect("the sweep ends with a run that succeeds");
        assert_eq!(report.value, want, "{sql}");
        assert!(
            report.failure_points > at_least,
            "{sql}: {} points",
            report.failure_points
        );
        report.failure_points
    })
}
