//! boundlite's main job until the shell exists: a database that lives
//! entirely inside one fixed arena (the RAM disk holding its file and log,
//! the page cache, every buffer), with the arena's statistics printed as it
//! goes, and an OOM sweep showing that every allocation failure of a
//! transaction is an ordinary, leak-free error that leaves the database
//! intact.
//!
//! Run it with `cargo run --release -p boundlite --example arena`.

use std::process::ExitCode;

use boundlite::alloc::{Allocator, Arena, ArenaStats, FaultAlloc, Global, Vec, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Database, Error, PageNo, Result, RowId, TreeKind};

const ARENA_BYTES: usize = 256 * 1024;

fn config() -> Config {
    Config {
        page_size: PageSize::MIN,
        cache_frames: 48,
        wal_autocheckpoint: 64,
        ..Config::DEFAULT
    }
}

fn show(label: &str, s: ArenaStats) {
    println!(
        "{label:<34} in use {:>7} B  peak {:>7} B  live {:>4}  allocations {:>6}  refused {}",
        s.in_use, s.peak_in_use, s.live_allocations, s.total_allocations, s.failed_allocations
    );
}

/// Inserts rows `from..=to` (id, 'sensor-<id>', reading) in one transaction.
fn insert<P: Platform, A: Allocator + Clone>(
    db: &Database<P, A>,
    table: PageNo,
    from: i64,
    to: i64,
) -> Result<()> {
    let txn = db.begin_write()?;
    let mut record = Vec::new_in(db.allocator().clone());
    let mut name = [0u8; 32];
    for id in from..=to {
        let text = format_name(id, &mut name);
        record.clear();
        encode_into(
            &[
                ValueRef::Integer(id),
                ValueRef::Text(text),
                ValueRef::Real(id as f64 * 0.25),
            ],
            &mut record,
        )?;
        txn.insert_row(table, RowId::new(id), &record)?;
    }
    txn.commit()
}

/// "sensor-<id>" into `buf`, without allocating.
fn format_name(id: i64, buf: &mut [u8; 32]) -> &[u8] {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(cursor, "sensor-{id}");
    let len = cursor.position() as usize;
    &buf[..len]
}

/// Rows in `table` and the sum of their readings, through a read snapshot.
fn scan<P: Platform, A: Allocator + Clone>(
    db: &Database<P, A>,
    table: PageNo,
) -> Result<(u64, f64)> {
    let read = db.begin_read()?;
    let mut cursor =
        boundlite::btree::TableCursor::new(&read, table, Vec::new_in(db.allocator().clone()));
    let (mut rows, mut sum) = (0, 0.0);
    let mut more = cursor.first()?;
    while more {
        let payload = cursor.payload()?;
        if let ValueRef::Real(reading) = RecordRef::parse(&payload, None)?.column(2)? {
            sum += reading;
        }
        rows += 1;
        drop(payload);
        more = cursor.next()?;
    }
    Ok((rows, sum))
}

fn run(arena: &Arena<'_>) -> Result<()> {
    let disk = MemoryPlatform::new_in(arena);
    let db = Database::open(&disk, "sensors.db", &config(), arena)?;
    show("database open (cache allocated)", arena.stats());
    let txn = db.begin_write()?;
    let table = txn.create_table(
        "readings",
        "CREATE TABLE readings(id INTEGER, name TEXT, reading REAL)",
    )?;
    txn.commit()?;
    for batch in 0..15 {
        insert(&db, table, batch * 100 + 1, batch * 100 + 100)?;
    }
    show("1,500 rows in 15 transactions", arena.stats());
    let (rows, sum) = scan(&db, table)?;
    println!("scan: {rows} rows, readings sum to {sum}");
    let result = db.checkpoint(CheckpointMode::Truncate)?;
    println!(
        "checkpoint (TRUNCATE): log copied into the file and emptied, busy: {}",
        result.busy
    );
    println!("integrity check: {}", db.integrity_check(0)?);
    println!(
        "file: {} pages of {} bytes, {} on the freelist",
        db.page_count(),
        db.pager().page_size(),
        db.freelist_count()
    );
    show("after the checkpoint", arena.stats());

    // Too much for the arena: a transaction far larger than what is left.
    match insert(&db, table, 10_001, 40_000) {
        Ok(()) => println!("30,000 more rows unexpectedly fit"),
        Err(e) => println!(
            "30,000 more rows in one transaction: {e} (SQLite code {})",
            e.code()
        ),
    }
    let (rows_after, _) = scan(&db, table)?;
    println!(
        "after the refused transaction: {rows_after} rows, unchanged: {}",
        rows_after == rows
    );
    show("after the refused transaction", arena.stats());
    Ok(())
}

fn main() -> ExitCode {
    // The arena's own buffer: on firmware a `static` array, here one
    // allocation from the global heap, made fallibly like every other.
    let Ok(mut buffer) = Vec::try_from_elem_in(0u8, ARENA_BYTES, Global) else {
        eprintln!("error: no {ARENA_BYTES} bytes for the arena");
        return ExitCode::FAILURE;
    };
    let Ok(arena) = Arena::new(&mut buffer) else {
        eprintln!("error: {ARENA_BYTES} bytes cannot hold an arena");
        return ExitCode::FAILURE;
    };
    println!(
        "arena: {} bytes, {} usable",
        arena.stats().capacity,
        arena.stats().available
    );
    if let Err(e) = run(&arena) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    show("everything dropped", arena.stats());

    // Every allocation of opening a database and committing 50 rows,
    // failed in turn.
    let fault = FaultAlloc::new(&arena);
    let baseline = arena.stats().live_allocations;
    let mut unclean = 0;
    let report = oom_sweep(
        &fault,
        true,
        |f| {
            let disk = MemoryPlatform::new_in(f);
            let db = Database::open(&disk, "sweep.db", &config(), f)?;
            let txn = db.begin_write()?;
            let table = txn.create_tree(TreeKind::Table)?;
            txn.commit()?;
            insert(&db, table, 1, 50)?;
            Ok::<_, Error>(())
        },
        |_, e| {
            if e != Error::OutOfMemory || arena.stats().live_allocations != baseline {
                unclean += 1;
            }
        },
    );
    match report {
        Ok(r) => println!(
            "OOM sweep: {} failure points, all OutOfMemory and leak-free: {}; the run that succeeded made {} allocations",
            r.failure_points,
            unclean == 0,
            r.allocations
        ),
        Err(e) => println!("OOM sweep: a run failed without an injected fault: {e}"),
    }
    if unclean == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
