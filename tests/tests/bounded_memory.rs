//! Memory is bounded by `Config`, not by the file: opening and scanning a
//! 100,000-row database inside an arena peaks within `Config::read_bound`,
//! whatever the file's size. The cache grows only when its frames are all
//! in use, so a scan, which uses each page once, keeps it near the pages
//! a cursor holds whatever `cache_frames` allows.

use boundlite::alloc::Arena;
use boundlite::format::PageSize;
use boundlite::record::{RecordRef, ValueRef};
use boundlite::{Config, Database, PageNo};
use boundlite_std::StdPlatform;

#[test]
fn scanning_100_000_rows_stays_within_the_configured_bound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 4096;
             CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
             INSERT INTO t SELECT i, 'name_' || i, i * 1.5 FROM n;",
        )
        .unwrap();
    }
    for frames in [Config::MIN_CACHE_FRAMES, 64, 256] {
        let config = Config {
            page_size: PageSize::new(4096).unwrap(),
            cache_frames: frames,
            ..Config::DEFAULT
        };
        let bound = config.read_bound(4096);
        // Room for the bound and no more: the arena itself enforces it.
        let mut buffer = vec![0u8; Arena::MIN_BUFFER + bound + 16 * 1024];
        let arena = Arena::new(&mut buffer).unwrap();
        let platform = StdPlatform::new();
        let db =
            Database::open_read_only(&platform, path.to_str().unwrap(), &config, &arena).unwrap();
        assert!(
            db.page_count() > 500,
            "the file has {} pages",
            db.page_count()
        );

        // The table's root page, from the schema table on page 1.
        let mut schema = db.table_cursor(PageNo::ONE);
        assert!(schema.first().unwrap());
        let root = {
            let payload = schema.payload().unwrap();
            let entry = RecordRef::parse(&payload, None).unwrap();
            let ValueRef::Integer(root) = entry.column(3).unwrap() else {
                panic!("rootpage")
            };
            PageNo::new(root as u32).unwrap()
        };
        drop(schema);

        let mut rows = db.table_cursor(root);
        let mut n = 0i64;
        let mut more = rows.first().unwrap();
        while more {
            n += 1;
            assert_eq!(rows.rowid().unwrap().get(), n);
            more = rows.next().unwrap();
        }
        drop(rows);
        assert_eq!(n, 100_000);
        let peak = arena.stats().peak_in_use;
        let allocated = db.pager().allocated_frames();
        println!("{frames} frames: {allocated} allocated, peak {peak} bytes, bound {bound}");
        assert!(
            peak <= bound,
            "{frames} frames: peak {peak} > bound {bound}"
        );
        assert!(
            peak >= allocated * 4096,
            "the cache was not allocated from the arena"
        );
        assert!(
            (1..=Config::MIN_CACHE_FRAMES).contains(&allocated),
            "{frames} frames: a scan grew the cache to {allocated} frames"
        );
    }
}
