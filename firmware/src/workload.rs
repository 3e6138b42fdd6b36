//! The work the firmware does, step by step, each step checked: a schema
//! with an index, thousands of rows inserted in WAL mode, queries (a join,
//! aggregates, ORDER BY), updates and deletes, a transaction larger than
//! the page cache, a sort larger than the heap, a checkpoint, the
//! integrity check, and a statement too big for the heap that must fail
//! with `OutOfMemory` and leave the database working.

use core::fmt::{self, Write};

use boundlite::alloc::{Allocator, Arena};
use boundlite::format::PageSize;
use boundlite::platform::Platform;
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};

use crate::board::say;
use crate::text::Text;

/// Readings inserted by the prepared statement, in [`BATCHES`] transactions.
const READINGS: i64 = 4000;
const BATCHES: i64 = 8;
/// Sensors, and the sites they are spread over.
const SENSORS: i64 = 16;
const SITES: i64 = 4;
/// Readings the transaction larger than the cache adds.
const BIG_TRANSACTION: i64 = 4000;
/// Page size of the database: the cache of 512-byte pages that takes a
/// quarter of a 64 KiB heap has 18 frames; with 1 KiB pages the minimum
/// 12 frames already take more, and the transaction larger than the cache
/// runs out of memory.
const PAGE_SIZE: u32 = 512;

/// Why the firmware fails.
pub enum Failure {
    /// The engine returned an error where the step expected none.
    Engine { step: &'static str, error: Error },
    /// A step's result is not what it must be.
    Wrong {
        step: &'static str,
        expected: i64,
        got: i64,
    },
    /// A step's text result is not what it must be.
    WrongText {
        step: &'static str,
        expected: &'static str,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Engine { step, error } => {
                write!(f, "{step}: {error} (SQLite code {})", error.code())
            }
            Failure::Wrong {
                step,
                expected,
                got,
            } => write!(f, "{step}: expected {expected}, got {got}"),
            Failure::WrongText { step, expected } => write!(f, "{step}: expected {expected}"),
        }
    }
}

/// What a step gives back, or why it failed.
pub type Outcome<T> = Result<T, Failure>;

/// Attaches the step's name to an engine error.
pub trait During<T> {
    /// The error, named after `step`.
    fn during(self, step: &'static str) -> Outcome<T>;
}

impl<T> During<T> for Result<T, Error> {
    fn during(self, step: &'static str) -> Outcome<T> {
        self.map_err(|error| Failure::Engine { step, error })
    }
}

fn expect(step: &'static str, expected: i64, got: i64) -> Outcome<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Failure::Wrong {
            step,
            expected,
            got,
        })
    }
}

/// The configuration for a heap of `heap` bytes: [`Config::for_heap`]'s
/// budgets, with [`PAGE_SIZE`] pages, the cache that fits them, and an
/// eighth of the heap to sort in (`for_heap` takes three 4 KiB pages at
/// least, 12 KiB, where an eighth is 8 KiB).
pub fn config(heap: usize) -> Config {
    let mut config = Config::for_heap(heap);
    if let Some(size) = PageSize::new(PAGE_SIZE) {
        config.page_size = size;
    }
    config.cache_frames = Config::cache_frames_for_heap(heap, PAGE_SIZE);
    config.sort_memory = (heap / 8).max(3 * PAGE_SIZE as usize);
    config
}

/// Runs every step on a database on `platform`, with `heap` as the
/// engine's only memory; `disk` is the RAM disk's arena, read for its use.
pub fn run<P: Platform>(platform: P, heap: &Arena<'_>, disk: &Arena<'_>) -> Outcome<()> {
    let capacity = heap.stats().capacity;
    let config = config(capacity);
    say(format_args!(
        "heap {} bytes; RAM disk {} bytes; page size {}, cache {} frames, \
         sort memory {} bytes, log index budget {} bytes",
        capacity,
        disk.stats().capacity,
        PAGE_SIZE,
        config.cache_frames,
        config.sort_memory,
        config.wal_index_budget
    ));
    let db = Database::open(platform, "sensors.db", &config, heap).during("open")?;
    let conn = db.connect();
    schema(&conn)?;
    insert_readings(&conn)?;
    query(&conn)?;
    change(&conn)?;
    big_transaction(&conn, config.cache_frames)?;
    sort(&conn, config.sort_memory, heap, disk)?;
    checkpoint(&conn)?;
    integrity(&conn, "integrity check")?;
    say(format_args!(
        "heap peak before the oversized statement: {} bytes",
        heap.stats().peak_in_use
    ));
    out_of_memory(&conn, heap)?;
    let pages = integer(&conn, "file size", "PRAGMA page_count")?;
    let used = disk.stats();
    say(format_args!(
        "file: {pages} pages of {PAGE_SIZE} bytes; RAM disk: {} bytes in use \
         (file, log, shared index, with room to grow), peak {}",
        used.in_use, used.peak_in_use
    ));
    Ok(())
}

/// The one integer the query `sql` returns.
fn integer<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    step: &'static str,
    sql: &str,
) -> Outcome<i64> {
    let mut stmt = conn.prepare(sql).during(step)?;
    let row = stmt.step().during(step)?;
    match row {
        Some(row) => row.get_i64(0).during(step),
        None => Err(Failure::Wrong {
            step,
            expected: 1,
            got: 0,
        }),
    }
}

fn schema<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Outcome<()> {
    conn.execute(
        "CREATE TABLE sensors(id INTEGER PRIMARY KEY, name TEXT NOT NULL, site TEXT NOT NULL);
         CREATE TABLE readings(id INTEGER PRIMARY KEY, sensor INTEGER NOT NULL,
                               tag TEXT NOT NULL, value REAL NOT NULL);
         CREATE INDEX readings_by_sensor ON readings(sensor, value);",
        &[],
    )
    .during("schema")?;
    let mut mode = conn.prepare("PRAGMA journal_mode").during("journal mode")?;
    match mode.step().during("journal mode")? {
        Some(row) if row.get_text(0).during("journal mode")? == "wal" => {}
        _ => {
            return Err(Failure::WrongText {
                step: "journal mode",
                expected: "wal",
            });
        }
    }
    drop(mode);
    let mut insert = conn
        .prepare("INSERT INTO sensors(id, name, site) VALUES (?1, ?2, ?3)")
        .during("sensors")?;
    let (mut name, mut site) = (Text::<16>::new(), Text::<16>::new());
    for id in 1..=SENSORS {
        name.clear();
        site.clear();
        let _ = write!(name, "sensor-{id:02}");
        let _ = write!(site, "site-{}", id % SITES);
        insert.reset();
        insert.bind(1, ValueRef::Integer(id)).during("sensors")?;
        insert
            .bind(2, ValueRef::Text(name.as_bytes()))
            .during("sensors")?;
        insert
            .bind(3, ValueRef::Text(site.as_bytes()))
            .during("sensors")?;
        insert.step().during("sensors")?;
    }
    drop(insert);
    let tables = integer(
        conn,
        "schema",
        "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'index')",
    )?;
    expect("schema", 3, tables)?;
    let sensors = integer(conn, "sensors", "SELECT count(*) FROM sensors")?;
    expect("sensors", SENSORS, sensors)?;
    say(format_args!(
        "schema: 2 tables and 1 index in WAL mode; {sensors} sensors inserted"
    ));
    Ok(())
}

/// The tag of reading `id`: its order differs from the ids', so sorting
/// by it moves every row.
fn tag(id: i64, text: &mut Text<24>) {
    text.clear();
    let _ = write!(text, "tag-{:05}-{:05}", (id * 7919) % 100_000, id);
}

fn insert_readings<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Outcome<()> {
    let step = "insert readings";
    let mut insert = conn
        .prepare("INSERT INTO readings(id, sensor, tag, value) VALUES (?1, ?2, ?3, ?4)")
        .during(step)?;
    let mut text = Text::<24>::new();
    let per_batch = READINGS / BATCHES;
    for batch in 0..BATCHES {
        conn.execute("BEGIN", &[]).during(step)?;
        for id in batch * per_batch + 1..=(batch + 1) * per_batch {
            tag(id, &mut text);
            insert.reset();
            insert.bind(1, ValueRef::Integer(id)).during(step)?;
            insert
                .bind(2, ValueRef::Integer(1 + id % SENSORS))
                .during(step)?;
            insert
                .bind(3, ValueRef::Text(text.as_bytes()))
                .during(step)?;
            insert
                .bind(4, ValueRef::Real((id % 1000) as f64 * 0.5))
                .during(step)?;
            insert.step().during(step)?;
        }
        conn.execute("COMMIT", &[]).during(step)?;
    }
    drop(insert);
    let rows = integer(conn, step, "SELECT count(*) FROM readings")?;
    expect(step, READINGS, rows)?;
    say(format_args!(
        "insert: {rows} readings in {BATCHES} transactions of {per_batch}"
    ));
    Ok(())
}

/// Sensor 3's three highest readings: a query the index on (sensor, value)
/// answers.
macro_rules! top_three {
    () => {
        "SELECT id, value FROM readings WHERE sensor = 3 ORDER BY value DESC, id LIMIT 3"
    };
}

fn query<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Outcome<()> {
    let step = "join";
    let mut join = conn
        .prepare(
            "SELECT s.site, count(*), sum(r.value) FROM readings AS r
             JOIN sensors AS s ON s.id = r.sensor GROUP BY s.site ORDER BY s.site",
        )
        .during(step)?;
    let (mut groups, mut rows) = (0, 0);
    while let Some(row) = join.step().during(step)? {
        let site = row.get_text(0).during(step)?;
        let count = row.get_i64(1).during(step)?;
        let sum = row.get_f64(2).during(step)?;
        say(format_args!("  {site}: {count} readings, sum {sum}"));
        groups += 1;
        rows += count;
    }
    drop(join);
    expect(step, SITES, groups)?;
    expect(step, READINGS, rows)?;
    say(format_args!(
        "join: readings JOIN sensors GROUP BY site, {groups} groups over {rows} rows"
    ));

    let step = "aggregate";
    let mut stats = conn
        .prepare("SELECT count(*), min(value), max(value), avg(value) FROM readings")
        .during(step)?;
    if let Some(row) = stats.step().during(step)? {
        let count = row.get_i64(0).during(step)?;
        expect(step, READINGS, count)?;
        say(format_args!(
            "aggregate: count {count}, min {}, max {}, avg {}",
            row.get_f64(1).during(step)?,
            row.get_f64(2).during(step)?,
            row.get_f64(3).during(step)?
        ));
    }
    drop(stats);

    let step = "order by";
    let mut plan = conn
        .prepare(concat!("EXPLAIN QUERY PLAN ", top_three!()))
        .during(step)?;
    while let Some(row) = plan.step().during(step)? {
        say(format_args!("  plan: {}", row.get_text(3).during(step)?));
    }
    drop(plan);
    let mut top = conn.prepare(top_three!()).during(step)?;
    let mut shown = 0;
    let mut last = f64::INFINITY;
    while let Some(row) = top.step().during(step)? {
        let id = row.get_i64(0).during(step)?;
        let value = row.get_f64(1).during(step)?;
        if value > last {
            return Err(Failure::WrongText {
                step,
                expected: "values in descending order",
            });
        }
        last = value;
        say(format_args!("  reading {id}: {value}"));
        shown += 1;
    }
    expect(step, 3, shown)?;
    say(format_args!(
        "order by: sensor 3's {shown} highest readings"
    ));
    Ok(())
}

fn change<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Outcome<()> {
    let step = "update";
    let updated = conn
        .execute(
            "UPDATE readings SET value = value + 1000 WHERE sensor = 5",
            &[],
        )
        .during(step)?;
    expect(step, READINGS / SENSORS, updated as i64)?;
    let high = integer(
        conn,
        step,
        "SELECT count(*) FROM readings WHERE value >= 1000",
    )?;
    expect(step, READINGS / SENSORS, high)?;
    say(format_args!("update: {updated} rows of sensor 5"));

    let step = "delete";
    let deleted = conn
        .execute("DELETE FROM readings WHERE id % 10 = 0", &[])
        .during(step)?;
    expect(step, READINGS / 10, deleted as i64)?;
    let left = integer(conn, step, "SELECT count(*) FROM readings")?;
    expect(step, READINGS - READINGS / 10, left)?;
    say(format_args!("delete: {deleted} rows, {left} left"));
    Ok(())
}

fn big_transaction<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    cache_frames: usize,
) -> Outcome<()> {
    let step = "big transaction";
    let before = integer(conn, step, "PRAGMA page_count")?;
    conn.execute("BEGIN", &[]).during(step)?;
    let inserted = conn
        .execute(
            "INSERT INTO readings(id, sensor, tag, value)
             WITH RECURSIVE n(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM n WHERE x < ?2)
             SELECT x, 1 + x % 16, printf('tag-%05d-%05d', (x * 7919) % 100000, x),
                    (x % 1000) * 0.5 FROM n",
            &[
                ValueRef::Integer(READINGS + 1),
                ValueRef::Integer(READINGS + BIG_TRANSACTION),
            ],
        )
        .during("big transaction: insert")?;
    expect(step, BIG_TRANSACTION, inserted as i64)?;
    let retagged = conn
        .execute("UPDATE readings SET tag = tag || '.' WHERE id % 3 = 0", &[])
        .during("big transaction: update")?;
    let after = integer(conn, step, "PRAGMA page_count")?;
    conn.execute("COMMIT", &[])
        .during("big transaction: commit")?;
    let rows = integer(conn, step, "SELECT count(*) FROM readings")?;
    expect(step, READINGS - READINGS / 10 + BIG_TRANSACTION, rows)?;
    let grown = after - before;
    if grown <= cache_frames as i64 {
        return Err(Failure::Wrong {
            step,
            expected: cache_frames as i64 + 1,
            got: grown,
        });
    }
    say(format_args!(
        "big transaction: {inserted} rows inserted and {retagged} updated in one transaction; \
         the file grew by {grown} pages, the cache holds {cache_frames}; {rows} rows"
    ));
    Ok(())
}

fn sort<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sort_memory: usize,
    heap: &Arena<'_>,
    disk: &Arena<'_>,
) -> Outcome<()> {
    let step = "sort";
    let bytes = integer(conn, step, "SELECT sum(length(tag)) FROM readings")?;
    let expected = integer(conn, step, "SELECT count(*) FROM readings")?;
    let disk_before = disk.stats().in_use;
    disk.reset_peak();
    let failed_before = heap.stats().failed_allocations;
    let mut sorted = conn
        .prepare("SELECT tag FROM readings ORDER BY tag")
        .during(step)?;
    let mut previous = Text::<24>::new();
    let mut rows = 0;
    while let Some(row) = sorted.step().during(step)? {
        let tag = row.get_text(0).during(step)?;
        if rows > 0 && tag.as_bytes() < previous.as_bytes() {
            return Err(Failure::WrongText {
                step,
                expected: "tags in ascending order",
            });
        }
        previous.set(tag.as_bytes());
        rows += 1;
    }
    drop(sorted);
    expect(step, expected, rows)?;
    let spilled = disk.stats().peak_in_use.saturating_sub(disk_before);
    let refused = heap.stats().failed_allocations - failed_before;
    if spilled == 0 {
        return Err(Failure::WrongText {
            step,
            expected: "a sort that spills to temporary files",
        });
    }
    say(format_args!(
        "sort: ORDER BY tag of {rows} rows ({bytes} bytes of tags) in a {} byte heap \
         ({} bytes of sort memory): the RAM disk's use rose by up to {spilled} bytes \
         while it ran (its temporary files); {refused} allocations refused",
        heap.stats().capacity,
        sort_memory
    ));
    Ok(())
}

fn checkpoint<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Outcome<()> {
    for (step, sql) in [
        ("checkpoint (PASSIVE)", "PRAGMA wal_checkpoint(PASSIVE)"),
        ("checkpoint (TRUNCATE)", "PRAGMA wal_checkpoint(TRUNCATE)"),
    ] {
        let mut stmt = conn.prepare(sql).during(step)?;
        let Some(row) = stmt.step().during(step)? else {
            return Err(Failure::WrongText {
                step,
                expected: "a row from wal_checkpoint",
            });
        };
        let busy = row.get_i64(0).during(step)?;
        let log = row.get_i64(1).during(step)?;
        let copied = row.get_i64(2).during(step)?;
        expect(step, 0, busy)?;
        expect(step, log, copied)?;
        say(format_args!(
            "{step}: busy {busy}, {log} frames in the log, {copied} copied into the file"
        ));
    }
    Ok(())
}

fn integrity<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    step: &'static str,
) -> Outcome<()> {
    let mut check = conn.prepare("PRAGMA integrity_check").during(step)?;
    let mut lines = 0;
    let mut ok = false;
    while let Some(row) = check.step().during(step)? {
        let line = row.get_text(0).during(step)?;
        say(format_args!("{step}: {line}"));
        ok = line == "ok";
        lines += 1;
    }
    if ok && lines == 1 {
        Ok(())
    } else {
        Err(Failure::WrongText {
            step,
            expected: "ok",
        })
    }
}

fn out_of_memory<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    heap: &Arena<'_>,
) -> Outcome<()> {
    let step = "oversized statement";
    let rows = integer(conn, step, "SELECT count(*) FROM readings")?;
    let bytes = integer(conn, step, "SELECT sum(length(tag) + 1) FROM readings")?;
    let before = heap.stats();
    let result = integer(
        conn,
        step,
        "SELECT length(group_concat(tag, ',')) FROM readings",
    );
    match result {
        Err(Failure::Engine {
            error: Error::OutOfMemory,
            ..
        }) => {}
        Err(other) => return Err(other),
        Ok(length) => {
            return Err(Failure::Wrong {
                step,
                expected: -1,
                got: length,
            });
        }
    }
    let after = heap.stats();
    say(format_args!(
        "oversized statement: group_concat of {rows} tags ({bytes} bytes) in a {} byte heap: \
         out of memory (SQLite code {}), {} allocations refused",
        before.capacity,
        Error::OutOfMemory.code(),
        after.failed_allocations - before.failed_allocations
    ));
    expect(
        "no leak after the failure",
        before.live_allocations as i64,
        after.live_allocations as i64,
    )?;
    let step = "after the failure";
    conn.execute(
        "INSERT INTO readings(id, sensor, tag, value) VALUES (100000, 1, 'after', 0.0)",
        &[],
    )
    .during(step)?;
    let count = integer(conn, step, "SELECT count(*) FROM readings")?;
    expect(step, rows + 1, count)?;
    say(format_args!(
        "after the failure: one more row inserted, {count} rows"
    ));
    integrity(conn, "integrity check after the failure")
}
