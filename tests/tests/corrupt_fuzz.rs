//! No panic and no hang on corrupt files: valid databases (written by
//! SQLite: tables, an index, overflow payloads, a freelist) get random
//! bytes changed, then are opened, scanned and written through the public
//! API. Any `Ok` or `Err` is acceptable; a panic fails the test, and a
//! watchdog aborts the process if one case runs for minutes (a loop).
//!
//! Reproduce with `BOUNDLITE_SEED=<seed>`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use boundlite::RowId;
use boundlite::alloc::Global;
use boundlite::btree::SeekMode;
use boundlite::platform::MemoryPlatform;
use boundlite::record::{KeyColumn, RecordRef, ValueRef};
use boundlite::{Config, Database, Error, PageNo};
use boundlite_tests::rng::Rng;

fn pristine(page_size: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size = {page_size};
         CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
         CREATE INDEX t_name ON t(name);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
         INSERT INTO t SELECT i, 'name_' || (i * 37 % 600), randomblob(CASE WHEN i % 50 = 0 THEN 3000 ELSE i % 90 END) FROM n;
         DELETE FROM t WHERE id % 7 = 0;"
    ))
    .unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

/// Every table and index root named in the schema, as far as it reads.
fn roots(db: &Database<&MemoryPlatform, Global>) -> Vec<(bool, PageNo)> {
    let mut out = Vec::new();
    let mut schema = db.table_cursor(PageNo::ONE);
    let mut more = schema.first().unwrap_or(false);
    while more && out.len() < 16 {
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
        more = schema.next().unwrap_or(false);
    }
    out
}

/// Reads and writes everything it can; returns how many errors it met.
fn exercise(bytes: &[u8], rng: &mut Rng) -> usize {
    let disk = MemoryPlatform::new();
    disk.write_file("c.db", bytes).unwrap();
    let config = Config {
        cache_frames: 64,
        ..Config::DEFAULT
    };
    let db = match Database::open(&disk, "c.db", &config, Global) {
        Ok(db) => db,
        Err(_) => return 1,
    };
    let mut errors = 0;
    let trees = roots(&db);
    for &(is_table, root) in &trees {
        if is_table {
            let mut cursor = db.table_cursor(root);
            let mut steps = 0;
            let mut more = cursor.first();
            while let Ok(true) = more {
                if cursor.payload().is_err() {
                    errors += 1;
                }
                steps += 1;
                assert!(steps < 100_000, "a scan does not end");
                more = cursor.next();
            }
            errors += usize::from(more.is_err());
            for _ in 0..20 {
                let _ = cursor.seek(RowId::new(rng.below(700) as i64), SeekMode::Ge);
                let _ = cursor.prev();
            }
        } else {
            let mut cursor = db.index_cursor(root);
            let mut steps = 0;
            let mut more = cursor.last();
            while let Ok(true) = more {
                steps += 1;
                assert!(steps < 100_000, "a scan does not end");
                more = cursor.prev();
            }
            errors += usize::from(more.is_err());
        }
    }
    if let Ok(txn) = db.begin_write() {
        let key = [KeyColumn::ASC_BINARY; 2];
        for &(is_table, root) in &trees {
            for _ in 0..30 {
                let id = rng.below(700) as i64;
                let result = if is_table {
                    match rng.below(3) {
                        0 => txn.delete_row(root, RowId::new(id)).map(drop),
                        _ => txn.insert_row(root, RowId::new(id), &[3, 1, 0x15, 7, b'x']),
                    }
                } else {
                    txn.insert_key(root, &[3, 1, 1, 7, id as u8], &key)
                        .map(drop)
                };
                if let Err(e) = result {
                    assert!(!matches!(e, Error::OutOfMemory), "{e} on a small file");
                    errors += 1;
                    break;
                }
            }
        }
        let _ = txn.commit();
    }
    errors
}

#[test]
fn corrupt_files_give_errors_never_panics_or_hangs() {
    static PROGRESS: AtomicU64 = AtomicU64::new(0);
    std::thread::spawn(|| {
        let mut last = u64::MAX;
        loop {
            std::thread::sleep(Duration::from_secs(120));
            let now = PROGRESS.load(Ordering::Relaxed);
            if now == last {
                eprintln!("corrupt_fuzz: case {now} ran for two minutes: a loop without end");
                std::process::abort();
            }
            last = now;
        }
    });
    let seed = boundlite_tests::rng::seed(0xc0ff_ee11);
    let mut rng = Rng::new(seed);
    let mut cases = 0;
    let mut erroring = 0;
    for page_size in [512u32, 1024, 4096] {
        let clean = pristine(page_size);
        assert_eq!(
            exercise(&clean, &mut rng),
            0,
            "the pristine file reads cleanly"
        );
        for _ in 0..150 {
            let mut bytes = clean.clone();
            let flips = 1 + rng.below(12);
            for _ in 0..flips {
                // Mostly B-tree page content, sometimes the header.
                let at = if rng.below(10) == 0 {
                    rng.below(100)
                } else {
                    rng.below(bytes.len() as u64)
                };
                bytes[at as usize] = rng.next_u64() as u8;
            }
            if exercise(&bytes, &mut rng) > 0 {
                erroring += 1;
            }
            cases += 1;
            PROGRESS.store(cases, Ordering::Relaxed);
        }
    }
    println!("{cases} corrupt files, {erroring} reported errors, none panicked");
    assert!(
        erroring > cases / 10,
        "corruption was rarely noticed: {erroring} of {cases}"
    );
}
