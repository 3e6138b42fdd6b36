//! One of the `join` bench's queries run a fixed number of times, for
//! counting instructions under `valgrind --tool=cachegrind` (timings on
//! a shared machine are too noisy to compare two builds).
//!
//! `join_probe <join|in|exists|in_select|scalar|chain> [runs] [sqlite]`: builds the
//! bench's tables on a RAM disk (with `sqlite`, in SQLite's memory), then
//! runs the query `runs` times (default 10) through one prepared
//! statement. The query's cost is the difference between two run counts.

// A probe that fails should stop loudly.
#![allow(clippy::expect_used)]

use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_benches::joins::{
    CHAIN, EXISTS, IN_SELECT, JOIN, SCALAR, chain_setup, in_list, setup,
};
use boundlite_benches::{checksum, sqlite_checksum};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "join".to_string());
    let runs: u32 = args.next().map_or(10, |n| n.parse().expect("a run count"));
    let (setup, sql) = match which.as_str() {
        "join" => (setup(), JOIN.to_string()),
        "in" => (setup(), in_list()),
        "exists" => (setup(), EXISTS.to_string()),
        "in_select" => (setup(), IN_SELECT.to_string()),
        "scalar" => (setup(), SCALAR.to_string()),
        "chain" => (chain_setup(), CHAIN.to_string()),
        other => {
            eprintln!("unknown query {other}: join, in, exists, in_select, scalar or chain");
            std::process::exit(2);
        }
    };
    if args.next().as_deref() == Some("sqlite") {
        let sqlite = rusqlite::Connection::open_in_memory().expect("sqlite");
        sqlite.execute_batch(&setup).expect("setup");
        let mut stmt = sqlite.prepare(&sql).expect("prepare");
        let mut sum = 0u64;
        for _ in 0..runs {
            sum = sum.wrapping_add(sqlite_checksum(&mut stmt).expect("run"));
        }
        println!("{which} x{runs} on SQLite: checksum {sum}");
        return;
    }
    let disk = MemoryPlatform::new();
    let db = Database::open(
        &disk,
        "probe.db",
        &Config::DEFAULT,
        boundlite::alloc::Global,
    )
    .expect("open");
    let conn = db.connect();
    conn.execute(&setup, &[]).expect("setup");
    let mut stmt = conn.prepare(&sql).expect("prepare");
    let mut sum = 0u64;
    for _ in 0..runs {
        sum = sum.wrapping_add(checksum(&mut stmt).expect("run"));
    }
    println!("{which} x{runs}: checksum {sum}");
}
