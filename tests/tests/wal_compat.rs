//! The write-ahead log against real SQLite, both ways: logs SQLite wrote
//! (copied while its connection is open, so never checkpointed) recover
//! here to exactly SQLite's committed frames and checkpoint into databases
//! SQLite accepts; logs written here are recovered by SQLite; and a log
//! whose last frame is torn or damaged is recovered by both to the same
//! last valid commit.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::path::{Path, PathBuf};

use boundlite::PageNo;
use boundlite::format::PageSize;
use boundlite::wal::{ByteOrder, CheckpointMode, CheckpointResult, MAGIC_LITTLE_ENDIAN, Wal};
use boundlite_alloc::Global;
use boundlite_platform::{File, OpenMode, Platform};
use boundlite_std::{StdFile, StdPlatform};

type Rows = Vec<(i64, String)>;

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn open_std(path: &Path) -> StdFile {
    StdPlatform::new()
        .open(path.to_str().unwrap(), OpenMode::Create)
        .unwrap()
}

fn open_wal(db: &Path, page_size: u32) -> Wal<StdFile, Global> {
    let size = PageSize::new(page_size).unwrap();
    Wal::open(open_std(&wal_path(db)), size, Global).unwrap()
}

fn rows(conn: &rusqlite::Connection) -> Rows {
    let mut stmt = conn.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Integrity check result and rows of the database at `path`, as SQLite
/// reads it (with whatever `-wal` lies beside it).
fn sqlite_view(path: &Path) -> (String, Rows) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    (ok, rows(&conn))
}

/// What `PRAGMA wal_checkpoint(mode)` returns on the database at `path`.
fn sqlite_checkpoint(path: &Path, mode: &str) -> (i64, i64, i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .unwrap()
}

/// Copies the database at `src` and its `-wal` to `dir/name`.
fn copy_pair(src: &Path, dir: &Path, name: &str) -> PathBuf {
    let dst = dir.join(name);
    std::fs::copy(src, &dst).unwrap();
    std::fs::copy(wal_path(src), wal_path(&dst)).unwrap();
    dst
}

/// The frame numbers of the commit frames in the log bytes, read straight
/// from the frame headers (no checksum checks): an independent count.
fn commit_frames(wal: &[u8], page_size: u32) -> Vec<u32> {
    let frame = 24 + page_size as usize;
    (0..(wal.len() - 32) / frame)
        .filter(|i| {
            let at = 32 + i * frame + 4;
            u32::from_be_bytes(wal[at..at + 4].try_into().unwrap()) != 0
        })
        .map(|i| i as u32 + 1)
        .collect()
}

/// Every page of the database as of the log's last commit: from the log,
/// else from the database file.
fn logical_image(db: &Path, page_size: u32) -> Vec<u8> {
    let mut wal = open_wal(db, page_size);
    let mut file = open_std(db);
    let pages = wal
        .db_size()
        .unwrap_or((file.size().unwrap() / u64::from(page_size)) as u32);
    let mut image = vec![0u8; pages as usize * page_size as usize];
    for (i, buf) in image.chunks_mut(page_size as usize).enumerate() {
        let page = PageNo::new(i as u32 + 1).unwrap();
        if !wal.read_version(page, wal.max_frame(), buf).unwrap() {
            file.read_exact_at(page.offset(page_size), buf).unwrap();
        }
    }
    image
}

/// Runs a full checkpoint of our own, in TRUNCATE mode, on the database at
/// `db`, and returns its result.
fn our_checkpoint(db: &Path, page_size: u32) -> CheckpointResult {
    let mut wal = open_wal(db, page_size);
    let mut file = open_std(db);
    let mut buf = vec![0u8; page_size as usize];
    wal.checkpoint(CheckpointMode::Truncate, &mut file, &mut buf, [])
        .unwrap()
}

/// A WAL-mode database SQLite writes in `dir` with several transactions and
/// no checkpoint; returns its connection (still open) and the rows after
/// each transaction.
fn sqlite_wal_database(dir: &Path, page_size: u32) -> (rusqlite::Connection, PathBuf, Vec<Rows>) {
    let path = dir.join("theirs.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size={page_size};
         PRAGMA journal_mode=WAL;
         PRAGMA wal_autocheckpoint=0;
         PRAGMA synchronous=FULL;
         CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
         CREATE INDEX t_v ON t(v);"
    ))
    .unwrap();
    let mut states = Vec::new();
    let batches = [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 150)
         INSERT INTO t SELECT i, printf('row %d %.*c', i, i % 90, 'x') FROM n;",
        "UPDATE t SET v = v || ' updated' WHERE id % 7 = 0;",
        "DELETE FROM t WHERE id BETWEEN 40 AND 70;",
        "WITH RECURSIVE n(i) AS (SELECT 151 UNION ALL SELECT i+1 FROM n WHERE i < 260)
         INSERT INTO t SELECT i, printf('late %d %.*c', i, i % 60, 'y') FROM n;",
        "UPDATE t SET v = 'last' WHERE id IN (1, 100, 200, 255);",
    ];
    for sql in batches {
        conn.execute_batch(&format!("BEGIN; {sql} COMMIT;"))
            .unwrap();
        states.push(rows(&conn));
    }
    (conn, path, states)
}

#[test]
fn a_log_sqlite_wrote_recovers_and_checkpoints_here() {
    for page_size in [512u32, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let (conn, src, states) = sqlite_wal_database(dir.path(), page_size);
        let ours = copy_pair(&src, dir.path(), "ours.db");
        let theirs = copy_pair(&src, dir.path(), "theirs-copy.db");
        let expected_rows = rows(&conn);
        assert_eq!(&expected_rows, states.last().unwrap());
        drop(conn);

        let wal_bytes = std::fs::read(wal_path(&ours)).unwrap();
        assert_eq!(
            u32::from_be_bytes(wal_bytes[..4].try_into().unwrap()) & !1,
            MAGIC_LITTLE_ENDIAN,
        );
        let frames_in_file = ((wal_bytes.len() - 32) / (24 + page_size as usize)) as u32;
        let commits = commit_frames(&wal_bytes, page_size);
        // Schema, the journal-mode change and five transactions.
        assert!(commits.len() >= 5, "{commits:?}");
        assert_eq!(commits.last(), Some(&frames_in_file));

        let wal = open_wal(&ours, page_size);
        let native = if cfg!(target_endian = "little") {
            ByteOrder::Little
        } else {
            ByteOrder::Big
        };
        assert_eq!(wal.header().unwrap().order, native);
        // One connection: closing the last one would checkpoint the copy.
        let sqlite = rusqlite::Connection::open(&theirs).unwrap();
        let page_count: i64 = sqlite
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        let (busy, log): (i64, i64) = sqlite
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((busy, i64::from(wal.max_frame())), (0, log));
        assert_eq!(wal.max_frame(), frames_in_file);
        assert_eq!(wal.db_size().map(i64::from), Some(page_count));
        drop(wal);

        // What we read as of the last commit is what SQLite's own full
        // checkpoint leaves in the database file, byte for byte.
        let image = logical_image(&ours, page_size);
        let truncated: (i64, i64, i64) = sqlite
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(truncated, (0, 0, 0));
        drop(sqlite);
        let theirs_bytes = std::fs::read(&theirs).unwrap();
        assert_eq!(image.len(), theirs_bytes.len());
        assert!(image == theirs_bytes, "page {page_size}: images differ");

        // Our checkpoint leaves the same file, which SQLite reads alone.
        let result = our_checkpoint(&ours, page_size);
        assert_eq!(
            result,
            CheckpointResult {
                busy: false,
                log: 0,
                checkpointed: 0
            }
        );
        assert_eq!(std::fs::metadata(wal_path(&ours)).unwrap().len(), 0);
        assert!(std::fs::read(&ours).unwrap() == theirs_bytes);
        std::fs::remove_file(wal_path(&ours)).unwrap();
        assert_eq!(sqlite_view(&ours), ("ok".to_string(), expected_rows));
    }
}

/// A rollback-mode database SQLite writes, then changes with `sql`;
/// returns the file's bytes before and after.
fn rollback_database(path: &Path, page_size: u32, changes: &[&str]) -> Vec<Vec<u8>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size={page_size};
         CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
         CREATE INDEX t_v ON t(v);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
         INSERT INTO t SELECT i, printf('first %d %.*c', i, i % 70, 'z') FROM n;"
    ))
    .unwrap();
    let mut images = vec![std::fs::read(path).unwrap()];
    for sql in changes {
        conn.execute_batch(sql).unwrap();
        images.push(std::fs::read(path).unwrap());
    }
    images
}

/// Appends, as one transaction, every page of `after` that differs from
/// `before` (page 1 always, marked for WAL mode as the pager marks it).
fn append_difference(wal: &mut Wal<StdFile, Global>, before: &[u8], after: &[u8], page_size: u32) {
    let ps = page_size as usize;
    let mut pages: Vec<(PageNo, Vec<u8>)> = Vec::new();
    for (i, page) in after.chunks(ps).enumerate() {
        if i == 0 || before.get(i * ps..(i + 1) * ps) != Some(page) {
            let mut bytes = page.to_vec();
            if i == 0 {
                bytes[18] = 2;
                bytes[19] = 2;
            }
            pages.push((PageNo::new(i as u32 + 1).unwrap(), bytes));
        }
    }
    let db_size = (after.len() / ps) as u32;
    wal.append(pages.iter().map(|(p, b)| (*p, b.as_slice())), db_size)
        .unwrap();
}

#[test]
fn a_log_we_write_is_recovered_by_sqlite() {
    for page_size in [1024u32, 4096] {
        let dir = tempfile::tempdir().unwrap();
        // SQLite makes the three states in rollback mode, in a scratch file.
        let scratch = dir.path().join("scratch.db");
        let changes = [
            "WITH RECURSIVE n(i) AS (SELECT 201 UNION ALL SELECT i+1 FROM n WHERE i < 320)
             INSERT INTO t SELECT i, printf('second %d %.*c', i, i % 50, 'q') FROM n;",
            "UPDATE t SET v = 'third' WHERE id % 5 = 0; DELETE FROM t WHERE id < 30;",
        ];
        let images = rollback_database(&scratch, page_size, &changes);
        let final_rows = sqlite_view(&scratch).1;

        // Our database: the first state, marked for WAL mode, and a log
        // that takes it to the third state in two transactions.
        let path = dir.path().join("ours.db");
        let mut first = images[0].clone();
        first[18] = 2;
        first[19] = 2;
        std::fs::write(&path, &first).unwrap();
        let mut wal = open_wal(&path, page_size);
        append_difference(&mut wal, &images[0], &images[1], page_size);
        append_difference(&mut wal, &images[1], &images[2], page_size);
        let frames = wal.max_frame();
        assert_eq!(wal.header().unwrap().order, ByteOrder::Big);
        drop(wal);

        let copy = copy_pair(&path, dir.path(), "copy.db");
        let (busy, log, _) = sqlite_checkpoint(&copy, "PASSIVE");
        assert_eq!((busy, log), (0, i64::from(frames)));
        let (ok, got) = sqlite_view(&path);
        assert_eq!(ok, "ok", "page size {page_size}");
        assert_eq!(got, final_rows);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}

#[test]
fn a_log_sqlite_wrote_continues_here_and_sqlite_reads_the_result() {
    let page_size = 4096;
    let dir = tempfile::tempdir().unwrap();
    let (conn, src, _) = sqlite_wal_database(dir.path(), page_size);
    let ours = copy_pair(&src, dir.path(), "ours.db");
    let next = copy_pair(&src, dir.path(), "next.db");
    drop(conn);
    let before = logical_image(&ours, page_size);
    // SQLite makes the next state in its own copy and checkpoints it.
    {
        let conn = rusqlite::Connection::open(&next).unwrap();
        conn.execute_batch(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 300 UNION ALL SELECT i+1 FROM n WHERE i < 360)
             INSERT INTO t SELECT i, printf('next %d', i) FROM n;
             DELETE FROM t WHERE id % 11 = 0;
             COMMIT;",
        )
        .unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let after = std::fs::read(&next).unwrap();
    let expected = sqlite_view(&next);
    assert_eq!(expected.0, "ok");

    // We append that state to SQLite's little-endian log.
    let mut wal = open_wal(&ours, page_size);
    let old_frames = wal.max_frame();
    append_difference(&mut wal, &before, &after, page_size);
    assert_eq!(wal.header().unwrap().order, ByteOrder::Little);
    assert!(wal.max_frame() > old_frames);
    drop(wal);
    assert_eq!(sqlite_view(&ours), expected);
}

/// Damages the last frame of a copy of SQLite's log with `damage`, and
/// checks both engines recover the commit before the last.
fn torn_tail(damage: &dyn Fn(&mut Vec<u8>, usize), what: &str) {
    let page_size = 1024;
    let dir = tempfile::tempdir().unwrap();
    let (conn, src, states) = sqlite_wal_database(dir.path(), page_size);
    let wal_bytes = std::fs::read(wal_path(&src)).unwrap();
    drop(conn);
    let commits = commit_frames(&wal_bytes, page_size);
    let (last, previous) = (commits[commits.len() - 1], commits[commits.len() - 2]);
    assert!(
        last > previous + 1,
        "{what}: the last transaction has one frame"
    );
    let mut damaged = wal_bytes.clone();
    let last_frame_at = 32 + (last as usize - 1) * (24 + page_size as usize);
    damage(&mut damaged, last_frame_at);

    let theirs = dir.path().join("theirs-copy.db");
    let ours = dir.path().join("ours.db");
    for path in [&theirs, &ours] {
        std::fs::copy(&src, path).unwrap();
        std::fs::write(wal_path(path), &damaged).unwrap();
    }
    let wal = open_wal(&ours, page_size);
    assert_eq!(wal.max_frame(), previous, "{what}");
    drop(wal);
    let (busy, log, _) = sqlite_checkpoint(&theirs, "PASSIVE");
    assert_eq!((busy, log), (0, i64::from(previous)), "{what}");
    let state = &states[states.len() - 2];
    assert_eq!(
        sqlite_view(&theirs),
        ("ok".to_string(), state.clone()),
        "{what}"
    );
    // Our checkpoint of the damaged log gives SQLite the same state.
    our_checkpoint(&ours, page_size);
    std::fs::remove_file(wal_path(&ours)).unwrap();
    assert_eq!(
        sqlite_view(&ours),
        ("ok".to_string(), state.clone()),
        "{what}"
    );
}

#[test]
fn a_log_cut_in_its_last_frame_recovers_to_the_commit_before() {
    torn_tail(&|wal, at| wal.truncate(at + 24 + 500), "cut mid-page");
    torn_tail(&|wal, at| wal.truncate(at + 10), "cut mid-header");
}

#[test]
fn a_log_whose_last_frame_is_damaged_recovers_to_the_commit_before() {
    torn_tail(&|wal, at| wal[at + 24 + 700] ^= 0x01, "page byte flipped");
    torn_tail(&|wal, at| wal[at + 20] ^= 0x80, "checksum flipped");
    // A torn write: the frame's second half still holds zeros.
    torn_tail(
        &|wal, at| wal[at + 24 + 512..at + 24 + 1024].fill(0),
        "torn page",
    );
}
