//! Shared pieces of boundlite's benchmarks: counting the allocations an
//! operation makes, so every timing is reported with its allocation count.

pub mod joins;
pub mod memory;

use std::fmt::Write;

use boundlite::platform::Platform;
use boundlite::record::ValueRef;
use boundlite::{Connection, Error};
use boundlite_alloc::{Allocator, Counting, CountingStats, Global};

/// Inserts rows `1..=rows` into `table`, shaped `(id INTEGER PRIMARY KEY,
/// data TEXT, value REAL)`: row `id` holds `'data_<id>'` and `value(id)`.
/// One transaction, one prepared statement, as the bulk benches load.
pub fn load_rows<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    table: &str,
    rows: i64,
    value: impl Fn(i64) -> f64,
) -> Result<(), Error> {
    let sql = format!("INSERT INTO {table} VALUES (?, ?, ?)");
    let mut insert = conn.prepare(&sql)?;
    conn.execute("BEGIN", &[])?;
    let mut data = String::new();
    for id in 1..=rows {
        data.clear();
        data.push_str("data_");
        write!(data, "{id}").map_err(|_| Error::OutOfMemory)?;
        insert.reset();
        insert.bind(1, ValueRef::Integer(id))?;
        insert.bind(2, ValueRef::Text(data.as_bytes()))?;
        insert.bind(3, ValueRef::Real(value(id)))?;
        while insert.step()?.is_some() {}
    }
    drop(insert);
    conn.execute("COMMIT", &[])?;
    Ok(())
}

/// Runs `op` once on a fresh counting allocator and returns what it
/// allocated. Benchmarks print this beside their timings: a hot path that
/// should not allocate shows its zero here.
pub fn allocations_of<R>(op: impl FnOnce(&Counting<Global>) -> R) -> (R, CountingStats) {
    let counting = Counting::new(Global);
    let result = op(&counting);
    (result, counting.stats())
}

/// Prints one line of allocation figures for benchmark `name`, with
/// `items` operations in one run (allocations per item = allocations /
/// items).
pub fn report_allocations(name: &str, items: u64, stats: &CountingStats) {
    let per_item = stats.allocations as f64 / items.max(1) as f64;
    println!(
        "allocations {name}: {} allocations + {} reallocations for {items} items \
         ({per_item:.3} allocations per item), peak {} bytes",
        stats.allocations, stats.reallocations, stats.peak_bytes
    );
}

/// What was allocated between two snapshots of one counting allocator.
pub fn allocations_between(before: &CountingStats, after: &CountingStats) -> CountingStats {
    CountingStats {
        allocations: after.allocations - before.allocations,
        deallocations: after.deallocations - before.deallocations,
        reallocations: after.reallocations - before.reallocations,
        failures: after.failures - before.failures,
        total_bytes: after.total_bytes.wrapping_sub(before.total_bytes),
        ..*after
    }
}

/// Runs the prepared query `stmt` to its end, reading every column of
/// every row: a checksum of the values, to compare with
/// [`sqlite_checksum`] of the same query.
pub fn checksum<P: Platform, A: Allocator + Clone>(
    stmt: &mut boundlite::Statement<'_, '_, P, A>,
) -> Result<u64, Error> {
    stmt.reset();
    let mut sum = 0u64;
    while let Some(row) = stmt.step()? {
        for value in row.values() {
            sum = sum.wrapping_add(match value {
                ValueRef::Integer(i) => i as u64,
                ValueRef::Real(r) => r as u64,
                ValueRef::Text(t) | ValueRef::Blob(t) => t.len() as u64,
                ValueRef::Null => 1,
            });
        }
    }
    Ok(sum)
}

/// [`checksum`] of a query run by SQLite.
pub fn sqlite_checksum(stmt: &mut rusqlite::Statement<'_>) -> rusqlite::Result<u64> {
    use rusqlite::types::ValueRef as Theirs;
    let n = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut sum = 0u64;
    while let Some(row) = rows.next()? {
        for i in 0..n {
            sum = sum.wrapping_add(match row.get_ref(i)? {
                Theirs::Integer(i) => i as u64,
                Theirs::Real(r) => r as u64,
                Theirs::Text(t) | Theirs::Blob(t) => t.len() as u64,
                Theirs::Null => 1,
            });
        }
    }
    Ok(sum)
}
