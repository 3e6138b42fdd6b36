//! `STRICT` tables against SQLite: random tables of every datatype take
//! random values through INSERT, UPDATE, upserts and `OR` clauses, and
//! both engines accept and refuse the same statements with the same
//! words and hold the same rows, value types included; columns without a
//! datatype are refused alike; a file boundlite wrote passes SQLite's
//! `integrity_check` (which verifies each value's type); a column added
//! by `ALTER TABLE` reads its default with the column's affinity, in any
//! table; every allocation failure while a strict row is stored is
//! `OutOfMemory` and leaves the table as it was.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_change;

const TYPES: [&str; 7] = ["INT", "integer", "REAL", "Text", "BLOB", "ANY", "INT"];

/// A random value literal of any type.
fn value(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => "NULL".into(),
        1 => format!("{}", rng.below(100) as i64 - 50),
        2 => format!("{}.5", rng.below(100)),
        3 => format!("{}.0", rng.below(100)),
        4 => format!("'{}'", rng.below(100)),
        5 => format!("'{}.25'", rng.below(100)),
        6 => "'abc'".into(),
        7 => format!("x'{:02x}'", rng.below(256)),
        8 => "'9223372036854775808'".into(),
        9 => "' 12 '".into(),
        10 => "1e300".into(),
        _ => "''".into(),
    }
}

/// Runs `sql` on both engines: the same outcome, errors in the same
/// words (boundlite's ending with SQLite's).
fn agree<P: boundlite::platform::Platform>(
    mine: &Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    sql: &str,
) -> bool {
    match (ours(mine, sql), theirs(oracle, sql)) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{sql}");
            true
        }
        (Err(a), Err(b)) => {
            let (a, b) = (a.to_string(), b.to_string());
            assert!(
                a.ends_with(&b),
                "{sql}:\n  boundlite: {a}\n  sqlite:    {b}"
            );
            false
        }
        (a, b) => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    }
}

/// A random `STRICT` table `t{n}`: its `CREATE` and its column names.
fn table(rng: &mut Rng, n: usize) -> (String, Vec<String>) {
    let columns = 2 + rng.below(4) as usize;
    let mut defs = vec!["id INTEGER PRIMARY KEY".to_string()];
    let mut names = vec![];
    for c in 0..columns {
        let name = format!("c{c}");
        let ty = TYPES[rng.below(TYPES.len() as u64) as usize];
        let mut def = format!("{name} {ty}");
        match rng.below(6) {
            0 => def += " NOT NULL",
            1 => def += &format!(" DEFAULT {}", value(rng)),
            2 => def += " UNIQUE",
            3 => def += &format!(" CHECK (typeof({name}) <> 'blob')"),
            _ => {}
        }
        defs.push(def);
        names.push(name);
    }
    (
        format!("CREATE TABLE t{n}({}) STRICT", defs.join(", ")),
        names,
    )
}

#[test]
fn strict_tables_store_and_refuse_as_sqlite_does() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "strict.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0x57c7));
    let (mut stored, mut refused) = (0, 0);
    for n in 0..40 {
        let (create, names) = table(&mut rng, n);
        assert!(agree(&mine, &oracle, &create), "{create}");
        for _ in 0..60 {
            let column = &names[rng.below(names.len() as u64) as usize];
            let other = &names[rng.below(names.len() as u64) as usize];
            let sql = match rng.below(7) {
                0 | 1 => {
                    let values: Vec<String> = names.iter().map(|_| value(&mut rng)).collect();
                    format!(
                        "INSERT INTO t{n}({}) VALUES ({})",
                        names.join(", "),
                        values.join(", ")
                    )
                }
                2 => format!(
                    "INSERT OR {} INTO t{n}({column}) VALUES ({})",
                    ["IGNORE", "REPLACE"][rng.below(2) as usize],
                    value(&mut rng)
                ),
                3 => format!("INSERT INTO t{n} DEFAULT VALUES"),
                4 => format!(
                    "UPDATE t{n} SET {column} = {} WHERE id % 3 = {}",
                    value(&mut rng),
                    rng.below(3)
                ),
                5 => format!("UPDATE t{n} SET {column} = {other} || ''"),
                _ => format!(
                    "INSERT INTO t{n}(id, {column}) VALUES ({}, {}) ON CONFLICT(id) DO UPDATE SET {other} = {}",
                    rng.below(8),
                    value(&mut rng),
                    value(&mut rng)
                ),
            };
            if agree(&mine, &oracle, &sql) {
                stored += 1;
            } else {
                refused += 1;
            }
        }
        let columns: Vec<String> = names.iter().map(|c| format!("{c}, typeof({c})")).collect();
        let all = format!("SELECT id, {} FROM t{n} ORDER BY id", columns.join(", "));
        assert!(agree(&mine, &oracle, &all));
        // `ANY` keeps a value's type, so comparisons see no affinity.
        let probe = format!(
            "SELECT count(*) FROM t{n} WHERE {} = '1' OR {} = 1",
            names[0], names[0]
        );
        assert!(agree(&mine, &oracle, &probe));
    }
    println!("stored {stored}, refused {refused}");
    assert!(
        stored > 600 && refused > 600,
        "stored {stored}, refused {refused}"
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn columns_without_a_datatype_are_refused_in_sqlites_words() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "strict.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in [
        "CREATE TABLE a(x) STRICT",
        "CREATE TABLE a(x INT, y) STRICT",
        "CREATE TABLE a(x VARCHAR(10)) STRICT",
        "CREATE TABLE a(x int (10)) STRICT",
        "CREATE TABLE a(x INT, y TEXT, \"z z\" DOUBLE) STRICT",
        "CREATE TABLE a(x INTEGER PRIMARY KEY, y ANY, z BLOB) STRICT",
        "ALTER TABLE a ADD COLUMN w",
        "ALTER TABLE a ADD COLUMN w FOO",
        "ALTER TABLE a ADD COLUMN w REAL DEFAULT 3",
        "INSERT INTO a(x) VALUES (1)",
        "SELECT w, typeof(w) FROM a",
    ] {
        agree(&mine, &oracle, sql);
    }
}

#[test]
fn added_columns_read_their_default_with_the_column_affinity() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "added.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut script = vec![
        "CREATE TABLE n(a)".to_string(),
        "INSERT INTO n VALUES (1)".to_string(),
    ];
    let types = ["TEXT", "REAL", "INT", "NUMERIC", "BLOB", ""];
    let defaults = ["5", "'7'", "'7.0'", "1.5", "'x'", "x'01'", "-0.0", "'1e3'"];
    let mut selected = vec![];
    for (i, ty) in types.iter().enumerate() {
        for (j, d) in defaults.iter().enumerate() {
            script.push(format!(
                "ALTER TABLE n ADD COLUMN c{i}_{j} {ty} DEFAULT {d}"
            ));
            selected.push(format!("c{i}_{j}, typeof(c{i}_{j})"));
        }
    }
    script.push(format!("SELECT {} FROM n", selected.join(", ")));
    for sql in &script {
        assert!(agree(&mine, &oracle, sql), "{sql}");
    }
}

#[test]
fn files_with_strict_tables_pass_sqlites_type_check() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let mut rng = Rng::new(seed(0x5717));
    {
        let db = Database::open(&disk, "ours.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE s(id INTEGER PRIMARY KEY, a INT, b REAL, c TEXT, d BLOB, e ANY) STRICT;
             CREATE INDEX s_b ON s(b, c)",
            &[],
        )
        .unwrap();
        let (mut ok, mut refused) = (0, 0);
        for _ in 0..2000 {
            let values: Vec<String> = (0..5).map(|_| value(&mut rng)).collect();
            let sql = format!(
                "INSERT INTO s(a, b, c, d, e) VALUES ({})",
                values.join(", ")
            );
            match conn.execute(&sql, &[]) {
                Ok(_) => ok += 1,
                Err(Error::Datatype { .. }) => refused += 1,
                Err(e) => panic!("{sql}: {e}"),
            }
        }
        assert!(ok > 20 && refused > 1000, "{ok} stored, {refused} refused");
        conn.execute("UPDATE s SET b = a, c = a, e = d WHERE id % 2 = 0", &[])
            .unwrap();
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("ours.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    sqlite
        .execute_batch("INSERT INTO s(a, b, c, d, e) VALUES (1, 2, '3', x'04', 5.5)")
        .unwrap();
    drop(sqlite);
    let db = Database::open(&disk, "ours.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let last = ours(&conn, "SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e) FROM s ORDER BY id DESC LIMIT 1").unwrap();
    assert_eq!(
        format!("{last:?}"),
        r#"[[Text("integer"), Text("real"), Text("text"), Text("blob"), Text("real")]]"#
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn every_allocation_failure_storing_strict_rows_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE s(id INTEGER PRIMARY KEY, a INT NOT NULL DEFAULT 0, b REAL, c TEXT UNIQUE, d ANY) STRICT;
         INSERT INTO s(a, b, c, d) VALUES (1, 2, 'x', 'y'), (3, 4.5, 'z', x'00')",
        &[],
    )
    .unwrap();
    let contents = || ours(&conn, "SELECT *, typeof(b) FROM s ORDER BY id").unwrap();
    for (sql, changed) in [
        (
            "INSERT INTO s(a, b, c, d) VALUES ('5', '6', 7, 8.5), (9, 10, 'w', NULL)",
            2,
        ),
        ("UPDATE s SET b = a + 0.5, c = c || a WHERE id > 1", 3),
        ("INSERT OR REPLACE INTO s(a, c) VALUES (11, 'x')", 1),
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert_eq!(report.value, changed, "{sql}");
        assert!(
            report.failure_points > 5,
            "{sql}: {}",
            report.failure_points
        );
    }
    let refused = conn.execute("UPDATE s SET a = 'q'", &[]).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "constraint failed: cannot store TEXT value in INT column s.a"
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
