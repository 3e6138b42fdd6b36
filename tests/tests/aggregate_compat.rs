//! `sum`, `total` and `avg` against SQLite to the bit: random reals of
//! every magnitude, integers near the 64-bit limits and numeric text,
//! in groups and with `DISTINCT`, give the same values (SQLite sums
//! doubles with an error term, so that adding 0.1 ten times is 1.0) and
//! the same integer overflow errors.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

/// One value for the table, as SQL.
fn value(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => "NULL".into(),
        1 => format!("{}", rng.next_u64() as i64),
        2 => format!("{}", rng.below(1000) as i64 - 500),
        3 => format!("{}", 9_223_372_036_854_775_807 - rng.below(4) as i64),
        4 => format!("'{}'", rng.below(100)),
        5 => "0.1".into(),
        _ => {
            let mantissa = (rng.below(2_000_000) as f64 - 1_000_000.0) / 997.0;
            let exponent = rng.below(40) as i32 - 20;
            format!("{:e}", mantissa * 10f64.powi(exponent))
        }
    }
}

#[test]
fn sums_agree_with_sqlite_to_the_bit() {
    let seed = seed(17);
    let mut rng = Rng::new(seed);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "sum.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut agreed = 0;
    for round in 0..40 {
        let create = "DROP TABLE IF EXISTS s; CREATE TABLE s(g INTEGER, x)";
        conn.execute(create, &[]).unwrap();
        oracle.execute_batch(create).unwrap();
        for _ in 0..rng.below(30) {
            let insert = format!(
                "INSERT INTO s VALUES ({}, {})",
                rng.below(3),
                value(&mut rng)
            );
            conn.execute(&insert, &[]).unwrap();
            oracle.execute(&insert, []).unwrap();
        }
        for sql in [
            "SELECT sum(x), total(x), avg(x) FROM s",
            "SELECT sum(DISTINCT x), total(DISTINCT x), avg(DISTINCT x) FROM s",
            "SELECT g, total(x), avg(x), sum(x) FROM s GROUP BY g",
            "SELECT g, total(x) * 3 + avg(DISTINCT x) FROM s GROUP BY g",
        ] {
            let context = format!("seed {seed}, round {round}: {sql}");
            match (Exact::ours(&conn, sql), Exact::theirs(&oracle, sql)) {
                (Ok(mine), Ok(theirs)) => assert_eq!(mine, theirs, "{context}"),
                (Err(mine), Err(theirs)) => {
                    assert!(theirs.to_string().contains("integer overflow"), "{context}");
                    assert!(mine.to_string().contains("integer overflow"), "{context}");
                }
                (mine, theirs) => panic!("{context}\n  boundlite: {mine:?}\n  sqlite: {theirs:?}"),
            }
            agreed += 1;
        }
    }
    println!("{agreed} queries agreed");
}
