//! The pager against real SQLite: files whose freelist this engine wrote
//! pass SQLite's integrity check, and freelists SQLite wrote are consumed
//! and rebuilt here without complaint.

use boundlite::format::PageSize;
use boundlite::pager::Pager;
use boundlite::{Config, PageNo};
use boundlite_alloc::Global;
use boundlite_platform::OpenMode;
use boundlite_platform::Platform;
use boundlite_std::StdPlatform;

fn sqlite_check(path: &std::path::Path) -> (String, i64, i64) {
    let db = rusqlite::Connection::open(path).unwrap();
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let free: i64 = db
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    (ok, pages, free)
}

#[test]
fn a_freelist_we_write_passes_sqlites_integrity_check() {
    for page_size in [512u32, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ours.db");
        // SQLite creates the empty database (page 1 only).
        {
            let db = rusqlite::Connection::open(&path).unwrap();
            db.execute_batch(&format!("PRAGMA page_size={page_size}; VACUUM;"))
                .unwrap();
        }
        let platform = StdPlatform::new();
        let file = platform
            .open(path.to_str().unwrap(), OpenMode::ReadWrite)
            .unwrap();
        let cfg = Config {
            page_size: PageSize::new(page_size).unwrap(),
            cache_frames: 400,
            ..Config::DEFAULT
        };
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, Global).unwrap();
        // 300 pages at 512 bytes needs three trunks.
        pager.begin_write().unwrap();
        let mut pages = Vec::new();
        for _ in 0..300 {
            pages.push(pager.allocate().unwrap().number());
        }
        for no in &pages {
            pager.free(*no).unwrap();
        }
        pager.commit().unwrap();
        drop(pager);
        assert_eq!(
            sqlite_check(&path),
            ("ok".to_string(), 301, 300),
            "page size {page_size}"
        );
    }
}

#[test]
fn a_freelist_sqlite_wrote_is_consumed_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "PRAGMA page_size=512;
             CREATE TABLE t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT randomblob(300) FROM n;
             DROP TABLE t;",
        )
        .unwrap();
    }
    let (ok, page_count, free) = sqlite_check(&path);
    assert_eq!(ok, "ok");
    assert!(free > 1000, "SQLite left {free} free pages");

    let platform = StdPlatform::new();
    let file = platform
        .open(path.to_str().unwrap(), OpenMode::ReadWrite)
        .unwrap();
    let cfg = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    };
    let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, Global).unwrap();
    assert_eq!(i64::from(pager.header().freelist_count), free);
    assert_eq!(i64::from(pager.page_count()), page_count);

    // Take every free page (in batches the cache can hold), then give them
    // all back; SQLite must agree with the result.
    let mut taken = Vec::new();
    while pager.header().freelist_count > 0 {
        pager.begin_write().unwrap();
        for _ in 0..40 {
            if pager.header().freelist_count == 0 {
                break;
            }
            let page = pager.allocate().unwrap();
            assert!(
                page.number().get() as i64 <= page_count,
                "freelist page past the end"
            );
            taken.push(page.number());
        }
        pager.commit().unwrap();
    }
    assert_eq!(taken.len() as i64, free);
    taken.sort();
    taken.dedup();
    assert_eq!(taken.len() as i64, free, "a free page was handed out twice");
    assert_eq!(
        i64::from(pager.page_count()),
        page_count,
        "the file grew while pages were free"
    );
    for chunk in taken.chunks(30) {
        pager.begin_write().unwrap();
        for no in chunk {
            pager.free(*no).unwrap();
        }
        pager.commit().unwrap();
    }
    drop(pager);
    assert_eq!(sqlite_check(&path), ("ok".to_string(), page_count, free));
    assert!(taken.iter().all(|p| *p != PageNo::ONE));
}
