//! The bodies of the fuzz targets: `fuzz/` (cargo-fuzz, nightly) includes
//! this file, and `tests/tests/fuzz_smoke.rs` runs the same bodies on
//! stable over the seed corpus and seeded mutations, so there is one copy.
//!
//! Every target takes arbitrary bytes and must return: an engine error is
//! an acceptable outcome, a panic is a finding. Each runs the engine in an
//! arena of [`ARENA_BYTES`], so an allocation sized by a damaged field
//! fails there instead of taking the machine's memory; on the file targets
//! (files of at most a few hundred KiB) running out of that arena is itself
//! a finding (but for the integrity check's bit per page of a database a
//! log says is that large), as is `Misuse` (an internal state the file
//! should not reach).
//! Scans stop with a panic past more entries than the file could hold (a
//! cycle the engine did not catch).
//!
//! - [`open_read`]: the bytes are a database file;
//! - [`wal_read`]: the bytes are the `-wal` of a fixed valid database,
//!   their checksums optionally recomputed so frames get past them;
//! - [`sql_text`]: the bytes are SQL text run against a small database;
//! - [`page_damage`]: the bytes pick pages and fields of a fixed valid
//!   database (B-tree headers, cell pointers, cells, overflow and freelist
//!   links, the file header) and the values written there: the file stays
//!   mostly valid, so the damage reaches deep.

use std::cell::RefCell;
use std::sync::OnceLock;

use boundlite::alloc::Arena;
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::{RecordRef, ValueRef};
use boundlite::wal::{ByteOrder, CheckpointMode, Checksum};
use boundlite::{Config, Database, Error, PageNo, RowId};

/// The arena each run's engine lives in.
pub const ARENA_BYTES: usize = 16 << 20;

/// The path of the database on each run's RAM disk.
const DB: &str = "fuzz.db";
/// The path of its log.
const WAL: &str = "fuzz.db-wal";

/// SQL the bases are written with: tables, indexes, payloads that spill to
/// overflow pages, and a freelist.
const BASE_SQL: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
    CREATE INDEX t_name ON t(name);
    CREATE TABLE k(a, b, c);
    CREATE INDEX k_ab ON k(a, b);
    INSERT INTO t
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
    SELECT i, 'name_' || (i * 37 % 150),
        zeroblob(CASE WHEN i % 25 = 0 THEN 1500 ELSE i % 40 END) FROM n;
    INSERT INTO k SELECT id % 7, name, id * 1.5 FROM t WHERE id % 3 = 0;
    DELETE FROM t WHERE id % 5 = 0;";

/// Statements [`sql_text`] runs its input after, on a fresh copy of the
/// small base each time.
const SQL_BASE: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT, c REAL);
    CREATE INDEX t_b ON t(b);
    CREATE TABLE u(x, y UNIQUE);
    INSERT INTO t VALUES (1, 'one', 1, 1.5), (2, 'two', 2, NULL), (3, NULL, 2, -0.5);
    INSERT INTO u VALUES (1, 'a'), (2, x'00ff'), (NULL, 3);
    CREATE VIEW v AS SELECT a, b FROM t WHERE b > 1;";

/// Runs `f` with an arena of [`ARENA_BYTES`], one buffer per thread.
fn with_arena<R>(f: impl FnOnce(&Arena<'_>) -> R) -> R {
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; ARENA_BYTES]);
    }
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let arena = Arena::new(&mut buffer).expect("an arena over the buffer");
        f(&arena)
    })
}

fn config(page_size: u32) -> Config {
    Config {
        page_size: PageSize::new(page_size).expect("a valid page size"),
        cache_frames: 32,
        ..Config::DEFAULT
    }
}

/// Panics on what a damaged file must never give.
fn check(e: Error) {
    assert!(
        !matches!(e, Error::OutOfMemory | Error::Misuse(_)),
        "a small damaged file gave {e:?}"
    );
}

/// A database written by the engine from `sql` on 512-byte pages and
/// checkpointed into its file: the file, and the log `in_log` leaves
/// after it (the engine creates databases in WAL mode).
fn written(sql: &str, in_log: &str) -> (Vec<u8>, Vec<u8>) {
    let disk = MemoryPlatform::new();
    let config = Config {
        wal_autocheckpoint: 0,
        ..config(512)
    };
    let db = Database::open(&disk, DB, &config, boundlite::alloc::Global)
        .expect("a database on a RAM disk");
    let conn = db.connect();
    conn.execute(sql, &[]).expect("the base's SQL runs");
    db.checkpoint(CheckpointMode::Truncate)
        .expect("the checkpoint runs");
    if !in_log.is_empty() {
        conn.execute(in_log, &[]).expect("the log's SQL runs");
    }
    let file = disk.file_bytes(DB).expect("the file").to_vec();
    let log = disk.file_bytes(WAL).map(|b| b.to_vec()).unwrap_or_default();
    (file, log)
}

/// The database [`page_damage`] damages: [`BASE_SQL`] on 512-byte pages.
pub fn base_database() -> &'static [u8] {
    static BASE: OnceLock<Vec<u8>> = OnceLock::new();
    BASE.get_or_init(|| written(BASE_SQL, "").0)
}

/// The database file [`wal_read`] reads beside its input, and a valid log
/// for it (a seed): rows inserted, updated and deleted after the file was
/// last written.
pub fn wal_base() -> &'static (Vec<u8>, Vec<u8>) {
    static BASE: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    BASE.get_or_init(|| {
        written(
            BASE_SQL,
            "INSERT INTO t(name, data) VALUES ('logged', zeroblob(900));
             UPDATE k SET c = c + 1 WHERE a = 3;
             DELETE FROM t WHERE id < 40;
             CREATE TABLE w(z);
             INSERT INTO w VALUES (1), (2);",
        )
    })
}

/// Every table and index root the schema names, as far as it reads.
fn roots<A: boundlite::alloc::Allocator + Clone>(
    db: &Database<&MemoryPlatform, A>,
    limit: usize,
) -> Vec<(bool, PageNo)> {
    let mut out = Vec::new();
    let mut schema = db.table_cursor(PageNo::ONE);
    let mut more = schema.first();
    let mut steps = 0;
    while let Ok(true) = more {
        steps += 1;
        assert!(steps <= limit, "the schema's scan does not end");
        if let Ok(payload) = schema.payload() {
            if let Ok(entry) = RecordRef::parse(&payload, None) {
                let is_table = matches!(entry.column(0), Ok(ValueRef::Text(b"table")));
                if let Ok(ValueRef::Integer(root)) = entry.column(3) {
                    if let Some(root) = u32::try_from(root).ok().and_then(PageNo::new) {
                        out.push((is_table, root));
                    }
                }
            }
        }
        more = schema.next();
    }
    if let Err(e) = more {
        check(e);
    }
    out
}

/// Opens the database on `disk` and reads all it can: the integrity
/// check, every tree forwards or backwards, seeks, SQL over the schema's
/// tables, then one small write. `bytes` is what the files hold in all,
/// the bound of any scan.
fn exercise(disk: &MemoryPlatform, bytes: usize) {
    with_arena(|arena| {
        let db = match Database::open(disk, DB, &config(4096), arena) {
            Ok(db) => db,
            Err(e) => return check(e),
        };
        // An entry takes at least 4 bytes of a page (a cell pointer and
        // two one-byte varints), so no tree holds more than this.
        let limit = bytes / 4 + 16;
        // The integrity check's map takes a bit per page, and a log's
        // commit may give the database any size (SQLite trusts it too).
        let huge = db.page_count() as usize / 8 > ARENA_BYTES / 4;
        let check = |e: Error| {
            if !(huge && e == Error::OutOfMemory) {
                check(e);
            }
        };
        if let Err(e) = db.integrity_check(20) {
            check(e);
        }
        let trees = roots(&db, limit);
        for &(is_table, root) in trees.iter().take(16) {
            let mut steps = 0;
            if is_table {
                let mut cursor = db.table_cursor(root);
                let mut more = cursor.first();
                while let Ok(true) = more {
                    steps += 1;
                    assert!(steps <= limit, "a scan of tree {root} does not end");
                    if let Err(e) = cursor.payload() {
                        check(e);
                    }
                    more = cursor.next();
                }
                if let Err(e) = more {
                    check(e);
                }
                for id in [0, 1, 7, 40, 149, i64::MAX] {
                    if let Err(e) = cursor
                        .seek(RowId::new(id), boundlite::btree::SeekMode::Ge)
                        .and_then(|_| cursor.prev())
                    {
                        check(e);
                    }
                }
            } else {
                let mut cursor = db.index_cursor(root);
                let mut more = cursor.last();
                while let Ok(true) = more {
                    steps += 1;
                    assert!(steps <= limit, "a scan of index {root} does not end");
                    more = cursor.prev();
                }
                if let Err(e) = more {
                    check(e);
                }
            }
        }
        let statements = [
            "SELECT count(*), max(id), sum(length(data)) FROM t",
            "SELECT name, id FROM t WHERE name >= 'name_5' ORDER BY name LIMIT 20",
            "SELECT a, count(*), group_concat(b) FROM k GROUP BY a",
            "SELECT * FROM k WHERE a = 3 AND b > 'n'",
            "SELECT * FROM w",
            "PRAGMA integrity_check",
            "INSERT INTO t(name, data) VALUES ('fuzz', zeroblob(700))",
            "DELETE FROM k WHERE a = 1",
        ];
        run_all(&db.connect(), &statements, limit, check);
    });
}

/// Runs each of `statements` on `conn` to its end, handing its error to
/// `check`; a statement past `limit` rows does not end (a cycle the
/// engine did not catch), which panics.
fn run_all<A: boundlite::alloc::Allocator + Clone>(
    conn: &boundlite::Connection<'_, &MemoryPlatform, A>,
    statements: &[&str],
    limit: usize,
    check: impl Fn(Error),
) {
    for sql in statements {
        let outcome = conn.prepare(sql).and_then(|mut stmt| {
            let mut rows = 0;
            while stmt.step()?.is_some() {
                rows += 1;
                assert!(rows <= limit, "{sql} does not end");
            }
            Ok(())
        });
        if let Err(e) = outcome {
            check(e);
        }
    }
}

/// `data` as a database file: opened, checked, read and written.
pub fn open_read(data: &[u8]) {
    let disk = MemoryPlatform::new();
    disk.write_file(DB, data)
        .expect("the RAM disk takes the file");
    exercise(&disk, data.len());
}

/// `data` as the log of [`wal_base`]'s file. An input whose first byte is
/// odd has its checksums and salts made right past that byte (the header's
/// and every frame's, chained), so the fuzzer reaches what frames say
/// rather than stopping at the checksum.
pub fn wal_read(data: &[u8]) {
    let (file, _) = wal_base();
    let disk = MemoryPlatform::new();
    disk.write_file(DB, file)
        .expect("the RAM disk takes the file");
    let log = sealed_if_odd(data, sealed);
    disk.write_file(WAL, &log)
        .expect("the RAM disk takes the log");
    exercise(&disk, file.len() + log.len());
}

/// A log target's input as the log it stands for: past its first byte,
/// sealed by `seal` when that byte is odd, else as it is.
fn sealed_if_odd(data: &[u8], seal: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    match data.split_first() {
        Some((flag, rest)) if flag & 1 == 1 => seal(rest),
        _ => data.to_vec(),
    }
}

/// `log` with the header's checksum, and each whole frame's salts and
/// chained checksum, recomputed as a writer would have written them.
pub fn sealed(log: &[u8]) -> Vec<u8> {
    let mut log = log.to_vec();
    if log.len() < 32 {
        return log;
    }
    let order = if log[3] == 0x82 {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
    let page_size = match u32::from_be_bytes([log[8], log[9], log[10], log[11]]) {
        1 => 65536,
        n => n as usize,
    };
    let mut sum = Checksum::ZERO.update(order, &log[..24]);
    log[24..28].copy_from_slice(&sum.s0.to_be_bytes());
    log[28..32].copy_from_slice(&sum.s1.to_be_bytes());
    let salts: [u8; 8] = log[16..24].try_into().expect("8 bytes");
    let mut at = 32;
    while page_size >= 512 && at + 24 + page_size <= log.len() {
        log[at + 8..at + 16].copy_from_slice(&salts);
        sum = sum
            .update(order, &log[at..at + 8])
            .update(order, &log[at + 24..at + 24 + page_size]);
        log[at + 16..at + 20].copy_from_slice(&sum.s0.to_be_bytes());
        log[at + 20..at + 24].copy_from_slice(&sum.s1.to_be_bytes());
        at += 24 + page_size;
    }
    log
}

/// `data` as SQL text (up to its first invalid UTF-8 byte) run on a small
/// database in the arena: any error is fine, running out of the arena
/// too. Recursive queries are skipped, as they may run without end in
/// SQLite as well.
pub fn sql_text(data: &[u8]) {
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default(),
    };
    if text.len() > 2048 || text.to_ascii_lowercase().contains("recursive") {
        return;
    }
    let disk = MemoryPlatform::new();
    with_arena(|arena| {
        let Ok(db) = Database::open(&disk, DB, &config(1024), arena) else {
            return;
        };
        let conn = db.connect();
        if conn.execute(SQL_BASE, &[]).is_err() {
            return;
        }
        let _ = conn.execute(text, &[]);
        if !conn.is_aborted() {
            let _ = conn.execute("ROLLBACK", &[]);
        }
        let report = db.integrity_check(10);
        assert!(
            !matches!(&report, Ok(r) if !r.is_ok()),
            "the database fails its integrity check after {text:?}"
        );
    });
}

/// Reads damage instructions from the fuzzer's bytes, a byte at a time.
struct Instructions<'d>(&'d [u8]);

impl Instructions<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes([self.byte()?, self.byte()?]))
    }

    /// A value for a field of `width` bytes: mostly near the edges
    /// (0, 1, the maximum, a page number of the file), else raw bytes.
    fn value(&mut self, width: usize, pages: u32) -> Option<u64> {
        let max = if width >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * width)) - 1
        };
        Some(match self.byte()? % 8 {
            0 => 0,
            1 => 1,
            2 => max,
            3 => u64::from(self.byte()?) % u64::from(pages + 2),
            4 => u64::from(pages) + u64::from(self.byte()?),
            _ => {
                let mut v = 0u64;
                for _ in 0..width.min(8) {
                    v = v << 8 | u64::from(self.byte()?);
                }
                v
            }
        })
    }
}

/// Writes `value` big-endian into the `width` bytes at `at`, as far as the
/// file goes.
fn put(file: &mut [u8], at: usize, width: usize, value: u64) {
    for i in 0..width {
        if let Some(b) = file.get_mut(at + i) {
            *b = (value >> (8 * (width - 1 - i))) as u8;
        }
    }
}

/// One damage to `file` of 512-byte pages, picked by `input`: a field of
/// the file header, of a B-tree page header, a cell pointer, bytes at a
/// cell, or a link of an overflow or freelist page.
fn damage_once(file: &mut [u8], input: &mut Instructions<'_>) -> Option<()> {
    const PAGE: usize = 512;
    let pages = (file.len() / PAGE) as u32;
    let page = usize::from(input.u16()?) % pages.max(1) as usize;
    let start = page * PAGE;
    let header = start + if page == 0 { 100 } else { 0 };
    let kind = file.get(header).copied().unwrap_or(0);
    let is_btree = matches!(kind, 2 | 5 | 10 | 13);
    match input.byte()? % 6 {
        // The file header: page size, reserved bytes, page count,
        // freelist trunk and count, schema cookie and format, encoding.
        0 => {
            const FIELDS: [(usize, usize); 10] = [
                (16, 2),
                (18, 2),
                (20, 1),
                (28, 4),
                (32, 4),
                (36, 4),
                (40, 4),
                (44, 4),
                (52, 4),
                (56, 4),
            ];
            let (at, width) = FIELDS[usize::from(input.byte()?) % FIELDS.len()];
            let value = input.value(width, pages)?;
            put(file, at, width, value);
        }
        // A B-tree page header field: type, first freeblock, cell count,
        // content start, fragmented bytes, right child.
        1 if is_btree => {
            const FIELDS: [(usize, usize); 6] = [(0, 1), (1, 2), (3, 2), (5, 2), (7, 1), (8, 4)];
            let (at, width) = FIELDS[usize::from(input.byte()?) % FIELDS.len()];
            let value = match at {
                0 => u64::from([0u8, 2, 5, 10, 13, 1][usize::from(input.byte()?) % 6]),
                _ => input.value(width, pages)?,
            };
            put(file, header + at, width, value);
        }
        // A cell pointer.
        2 if is_btree => {
            let cells = usize::from(u16::from_be_bytes([
                *file.get(header + 3)?,
                *file.get(header + 4)?,
            ]));
            let array = header + if kind < 8 { 12 } else { 8 };
            let cell = usize::from(input.byte()?) % cells.max(1);
            let value = input.value(2, pages)?;
            put(file, array + 2 * cell, 2, value);
        }
        // A cell's bytes: its child pointer, payload size and rowid
        // varints, record header, or its overflow page number.
        3 if is_btree => {
            let cells = usize::from(u16::from_be_bytes([
                *file.get(header + 3)?,
                *file.get(header + 4)?,
            ]));
            let array = header + if kind < 8 { 12 } else { 8 };
            let cell = usize::from(input.byte()?) % cells.max(1);
            let pointer = usize::from(u16::from_be_bytes([
                *file.get(array + 2 * cell)?,
                *file.get(array + 2 * cell + 1)?,
            ]));
            let offset = usize::from(input.byte()? % 16);
            let width = 1 + usize::from(input.byte()? % 4);
            let value = input.value(width, pages)?;
            put(file, start + pointer + offset, width, value);
        }
        // A link of an overflow or freelist page: the next page, a trunk's
        // leaf count, a trunk's leaf.
        4 if !is_btree || page > 0 => {
            let at = [0, 4, 8, 12][usize::from(input.byte()? % 4)];
            let value = input.value(4, pages)?;
            put(file, start + at, 4, value);
        }
        // Raw bytes anywhere on the page.
        _ => {
            let at = start + usize::from(input.u16()?) % PAGE;
            let width = 1 + usize::from(input.byte()? % 4);
            let value = input.value(width, pages)?;
            put(file, at, width, value);
        }
    }
    Some(())
}

/// `data` as up to 8 damages to [`base_database`], then read as
/// [`open_read`] reads.
pub fn page_damage(data: &[u8]) {
    let mut file = base_database().to_vec();
    let mut input = Instructions(data);
    for _ in 0..8 {
        if damage_once(&mut file, &mut input).is_none() {
            break;
        }
    }
    open_read(&file);
}

/// The path of the MVCC logical log beside [`DB`].
const MVCC_LOG: &str = "fuzz.db-log";

/// Tables of the MVCC base: no indexes, which the store does not keep.
const MVCC_BASE_SQL: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
    CREATE TABLE k(a, b, c);
    INSERT INTO t
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
    SELECT i, 'name_' || i, zeroblob(i % 30) FROM n;
    INSERT INTO k VALUES (1, 'b', 2.5), (NULL, x'00', -1);
    PRAGMA journal_mode = mvcc;";

/// A database in MVCC mode whose logical log holds commits not yet
/// checkpointed: the database file, its WAL and a valid log (a seed for
/// [`mvcc_log_read`]).
pub fn mvcc_base() -> &'static (Vec<u8>, Vec<u8>, Vec<u8>) {
    use boundlite::mvcc::store::Change;
    use boundlite::record::encode_into;
    static BASE: OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = OnceLock::new();
    BASE.get_or_init(|| {
        let disk = MemoryPlatform::new();
        let config = Config {
            wal_autocheckpoint: 0,
            ..config(512)
        };
        let db = Database::open(&disk, DB, &config, boundlite::alloc::Global)
            .expect("a database on a RAM disk");
        db.connect()
            .execute(MVCC_BASE_SQL, &[])
            .expect("the base's SQL runs");
        let schema = db.schema().expect("the schema");
        let t = schema.table("t").and_then(|t| t.root).expect("t's root");
        let k = schema.table("k").and_then(|k| k.root).expect("k's root");
        let mut record = boundlite::alloc::Vec::new();
        for commit in 0..6i64 {
            let mut txn = db.begin_mvcc().expect("a transaction");
            for row in 0..4 {
                let id = 50 + commit * 4 + row;
                record.clear();
                let blob = vec![commit as u8; (id as usize * 13) % 700];
                encode_into(
                    &[
                        ValueRef::Null,
                        ValueRef::Text(b"logged"),
                        ValueRef::Blob(&blob),
                    ],
                    &mut record,
                )
                .expect("a record");
                let change = if id <= 60 {
                    Change::Update(&record)
                } else {
                    Change::Insert(&record)
                };
                txn.write(t, RowId::new(id), change).expect("a write");
            }
            txn.write(t, RowId::new(1 + commit), Change::Delete)
                .expect("a delete");
            record.clear();
            encode_into(
                &[ValueRef::Integer(commit), ValueRef::Real(0.5)],
                &mut record,
            )
            .expect("a record");
            txn.write(k, RowId::new(10 + commit), Change::Insert(&record))
                .expect("an insert");
            txn.commit().expect("a commit");
        }
        drop(db);
        let bytes = |name| {
            disk.file_bytes(name)
                .map(|b| b.to_vec())
                .unwrap_or_default()
        };
        (bytes(DB), bytes(WAL), bytes(MVCC_LOG))
    })
}

/// `data` as the logical log of [`mvcc_base`]'s database: opened (which
/// recovers the log), every table read through an MVCC transaction, one
/// write committed, the log checkpointed into the B-trees, the mode left
/// for WAL, then checked and read through SQL. An input whose first byte
/// is odd has its header checksum, and each whole frame's salt and
/// chained checksum, made right past that byte ([`mvcc_sealed`]).
pub fn mvcc_log_read(data: &[u8]) {
    use boundlite::mvcc::store::Change;
    let (file, wal, _) = mvcc_base();
    let disk = MemoryPlatform::new();
    disk.write_file(DB, file)
        .expect("the RAM disk takes the file");
    disk.write_file(WAL, wal)
        .expect("the RAM disk takes the WAL");
    let log = sealed_if_odd(data, mvcc_sealed);
    disk.write_file(MVCC_LOG, &log)
        .expect("the RAM disk takes the log");
    let limit = (file.len() + wal.len() + log.len()) / 4 + 64;
    with_arena(|arena| {
        let db = match Database::open(&disk, DB, &config(512), arena) {
            Ok(db) => db,
            Err(e) => return check(e),
        };
        let tables: Vec<PageNo> = roots(&db, limit)
            .into_iter()
            .filter_map(|(is_table, root)| is_table.then_some(root))
            .collect();
        let outcome = db.begin_mvcc().and_then(|mut txn| {
            for &root in tables.iter().take(8) {
                let mut rows = txn.rows(root);
                let mut more = rows.first()?;
                let mut steps = 0;
                while more {
                    steps += 1;
                    assert!(steps <= limit, "a scan of table {root} does not end");
                    rows.with_record(|_, record| {
                        for value in RecordRef::parse(record, None)?.columns() {
                            value?;
                        }
                        Ok(())
                    })?;
                    more = rows.next()?;
                }
            }
            if let Some(&root) = tables.last() {
                txn.write(root, RowId::new(i64::MAX - 1), Change::Delete)?;
            }
            txn.commit().map(|_| ())
        });
        if let Err(e) = outcome {
            check(e);
        }
        let statements = [
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "PRAGMA journal_mode = wal",
            "PRAGMA integrity_check",
            "SELECT count(*), max(id), sum(length(data)) FROM t",
            "SELECT a, count(*) FROM k GROUP BY a",
            "INSERT INTO t(name, data) VALUES ('fuzz', zeroblob(300))",
        ];
        run_all(&db.connect(), &statements, limit, check);
    });
}

/// `log` with its header's checksum, and each whole frame's salt and
/// chained checksum, recomputed as the log's writer would have written
/// them (`docs/mvcc.md`, "Logical log format").
pub fn mvcc_sealed(log: &[u8]) -> Vec<u8> {
    const HEADER: usize = 32;
    let mut log = log.to_vec();
    if log.len() < HEADER {
        return log;
    }
    let order = ByteOrder::Big;
    let mut sum = Checksum::ZERO.update(order, &log[..24]);
    log[24..28].copy_from_slice(&sum.s0.to_be_bytes());
    log[28..32].copy_from_slice(&sum.s1.to_be_bytes());
    let salt: [u8; 8] = log[8..16].try_into().expect("8 bytes");
    let mut at = HEADER;
    while at + HEADER <= log.len() {
        let body = u32::from_be_bytes(log[at..at + 4].try_into().expect("4 bytes")) as usize;
        let end = at + HEADER + body.div_ceil(8) * 8;
        if end > log.len() {
            break;
        }
        log[at + 16..at + 24].copy_from_slice(&salt);
        sum = sum
            .update(order, &log[at..at + 24])
            .update(order, &log[at + HEADER..end]);
        log[at + 24..at + 28].copy_from_slice(&sum.s0.to_be_bytes());
        log[at + 28..at + 32].copy_from_slice(&sum.s1.to_be_bytes());
        at = end;
    }
    log
}
