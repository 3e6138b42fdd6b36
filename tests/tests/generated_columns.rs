//! Generated columns (`AS (expr) [VIRTUAL|STORED]`) against SQLite:
//! random tables whose generated columns read ordinary and other
//! generated columns (declared before or after them), under random
//! `INSERT`, `UPDATE`, `DELETE`, upserts and queries, give the same rows
//! and the same errors (in SQLite's words where boundlite claims them);
//! SQLite's refusals at `CREATE TABLE`, `INSERT`, `UPDATE` and `ALTER
//! TABLE ADD COLUMN`; files with generated columns and indexes on them
//! read alike in both engines; and every allocation failure while rows
//! with generated columns are stored or read is `OutOfMemory`, leaks
//! nothing and leaves the table as it was.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok, ours};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::{sweep_change, sweep_rows};

/// Errors boundlite reports in SQLite's words: for these the texts must
/// agree, not only that both engines failed.
const SQLITE_WORDS: [&str; 7] = [
    "cannot INSERT into generated column",
    "cannot UPDATE generated column",
    "generated column loop on",
    "NOT NULL constraint failed",
    "CHECK constraint failed",
    "UNIQUE constraint failed",
    "datatype mismatch",
];

/// Runs `sql` on both engines and checks they agree: the same rows, or
/// both an error, with the same words where boundlite claims SQLite's.
fn agree<P: Platform>(
    mine: &Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> bool {
    let mut a = Exact::ours(mine, sql);
    let mut b = Exact::theirs(oracle, sql);
    if sql.contains("RETURNING") {
        // The rows come in the order of each engine's plan.
        let by_debug = |rows: &mut Vec<Vec<Exact>>| rows.sort_by_key(|r| format!("{r:?}"));
        let _ = a.as_mut().map(by_debug);
        let _ = b.as_mut().map(by_debug);
    }
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{context}: rows differ for {sql}"),
        (Err(x), Err(y)) => {
            let (x, y) = (x.to_string(), sqlite_words(&y.to_string(), sql));
            if SQLITE_WORDS.iter().any(|w| x.contains(w)) {
                assert!(
                    x.ends_with(&y),
                    "{context}: {sql}\n  boundlite: {x}\n  sqlite:    {y}"
                );
            }
        }
        _ => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    }
    a.is_ok()
}

/// SQLite's message `error` for `sql`, less the statement and offset
/// rusqlite appends.
fn sqlite_words(error: &str, sql: &str) -> String {
    match error.find(&format!(" in {sql}")) {
        Some(at) => error[..at].to_string(),
        None => error.to_string(),
    }
}

/// A random table with generated columns, as the differential makes it.
struct Table {
    /// The `CREATE TABLE` statement and any `CREATE INDEX` after it.
    schema: Vec<String>,
    /// The ordinary columns (no rowid alias).
    ordinary: Vec<String>,
    /// The generated columns.
    generated: Vec<String>,
    /// Whether the first ordinary column is `UNIQUE` or the `PRIMARY KEY`
    /// (an upsert target).
    unique: bool,
    /// What orders the rows: `rowid`, or a `WITHOUT ROWID` table's key.
    order: &'static str,
}

const TYPES: [&str; 7] = [
    "", " INT", " TEXT", " REAL", " NUMERIC", " BLOB", " INTEGER",
];

/// A literal: an integer, a real, a text that looks like a number or not,
/// NULL.
fn literal(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "NULL".into(),
        1 => format!("{}.5", rng.below(20) as i64 - 10),
        2 => format!("'{}'", rng.below(30)),
        3 => format!("'x{}'", rng.below(5)),
        4 => format!("{}.0", rng.below(9)),
        _ => format!("{}", rng.below(40) as i64 - 10),
    }
}

/// A random expression over `columns`, `depth` levels deep at most.
fn expr(rng: &mut Rng, columns: &[String], depth: u32) -> String {
    let leaf = |rng: &mut Rng| match columns.is_empty() || rng.below(4) == 0 {
        true => literal(rng),
        false => columns[rng.below(columns.len() as u64) as usize].clone(),
    };
    if depth == 0 {
        return leaf(rng);
    }
    let sub = |rng: &mut Rng| expr(rng, columns, depth - 1);
    match rng.below(12) {
        0 => format!("({} + {})", sub(rng), sub(rng)),
        1 => format!("({} * {})", sub(rng), sub(rng)),
        2 => format!("({} - {})", sub(rng), sub(rng)),
        3 => format!("({} || {})", sub(rng), sub(rng)),
        4 => format!("abs({})", sub(rng)),
        5 => format!("coalesce({}, {})", sub(rng), sub(rng)),
        6 => format!(
            "CASE WHEN {} > 3 THEN {} ELSE {} END",
            sub(rng),
            sub(rng),
            sub(rng)
        ),
        7 => format!("length({})", sub(rng)),
        8 => format!("({} % 7)", sub(rng)),
        9 => format!("lower({})", sub(rng)),
        10 => format!("typeof({})", sub(rng)),
        _ => leaf(rng),
    }
}

/// A random table `t`: a few ordinary columns (sometimes a rowid alias
/// first), a few generated ones of both kinds reading ordinary columns
/// and generated ones earlier in a random order of computation (so a
/// column may read one declared after it), with constraints and
/// indexes now and then.
fn random_table(rng: &mut Rng) -> Table {
    let n_ordinary = 1 + rng.below(3) as usize;
    let n_generated = 1 + rng.below(4) as usize;
    let ordinary: Vec<String> = (0..n_ordinary).map(|i| format!("a{i}")).collect();
    let generated: Vec<String> = (0..n_generated).map(|i| format!("g{i}")).collect();
    // Column g{i} may read the generated columns computed before it in
    // `rank` order: never a loop.
    let mut rank: Vec<usize> = (0..n_generated).collect();
    for i in (1..n_generated).rev() {
        rank.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let keyed = rng.below(4) == 0;
    let unique = keyed || rng.below(3) == 0;
    let mut defs: Vec<String> = Vec::new();
    let alias = !keyed && rng.below(2) == 0;
    if alias {
        defs.push("id INTEGER PRIMARY KEY".into());
    }
    for (i, name) in ordinary.iter().enumerate() {
        let ty = TYPES[rng.below(TYPES.len() as u64) as usize];
        let key = match (i, keyed, unique) {
            (0, true, _) => " PRIMARY KEY",
            (0, false, true) => " UNIQUE",
            _ => "",
        };
        defs.push(format!("{name}{ty}{key}"));
    }
    let mut gdefs: Vec<String> = Vec::new();
    let mut stored_columns = Vec::new();
    for (i, name) in generated.iter().enumerate() {
        let mut readable = ordinary.clone();
        if alias {
            readable.push("id".into());
        }
        for (j, other) in generated.iter().enumerate() {
            if rank[j] < rank[i] {
                readable.push(other.clone());
            }
        }
        let ty = TYPES[rng.below(TYPES.len() as u64) as usize];
        let body = expr(rng, &readable, 2);
        let form = match rng.below(3) {
            0 => format!("GENERATED ALWAYS AS ({body})"),
            _ => format!("AS ({body})"),
        };
        let stored = rng.below(2) == 0;
        stored_columns.push(stored);
        let kind = match (stored, rng.below(2)) {
            (true, _) => " STORED",
            (false, 0) => " VIRTUAL",
            (false, _) => "",
        };
        let extra = match rng.below(8) {
            0 => " NOT NULL".to_string(),
            1 => format!(" CHECK (length({name}) < 6)"),
            // Which of two keys a WITHOUT ROWID table's row breaks first
            // is not generated columns' concern.
            2 if stored && !keyed => " UNIQUE".to_string(),
            _ => String::new(),
        };
        gdefs.push(format!("{name}{ty} {form}{kind}{extra}"));
    }
    // The generated columns go among the ordinary ones.
    for g in gdefs {
        let at = rng.below(defs.len() as u64 + 1) as usize;
        defs.insert(at, g);
    }
    let without = if keyed { " WITHOUT ROWID" } else { "" };
    let mut schema = vec![format!("CREATE TABLE t({}){without}", defs.join(", "))];
    // An index of a WITHOUT ROWID table on a virtual column is refused by
    // name (see `what_is_not_supported_is_refused_by_name`).
    let indexable = |k: usize| !keyed || stored_columns[k];
    for (k, name) in generated.iter().enumerate() {
        if indexable(k) && rng.below(3) == 0 {
            let unique = if !keyed && rng.below(3) == 0 {
                "UNIQUE "
            } else {
                ""
            };
            schema.push(format!("CREATE {unique}INDEX t_g{k} ON t({name})"));
        }
    }
    let k = rng.below(n_generated as u64) as usize;
    if indexable(k) && rng.below(3) == 0 {
        let a = &ordinary[0];
        let g = &generated[k];
        schema.push(format!("CREATE INDEX t_mixed ON t({g}, {a} DESC)"));
    }
    Table {
        schema,
        ordinary,
        generated,
        unique,
        order: if keyed { "a0" } else { "rowid" },
    }
}

/// One random statement on `table`.
fn statement(rng: &mut Rng, table: &Table) -> String {
    let Table {
        ordinary,
        generated,
        ..
    } = table;
    let any = |rng: &mut Rng| {
        let all: Vec<&String> = ordinary.iter().chain(generated.iter()).collect();
        all[rng.below(all.len() as u64) as usize].clone()
    };
    let values =
        |rng: &mut Rng, n: usize| (0..n).map(|_| literal(rng)).collect::<Vec<_>>().join(", ");
    let returning = |rng: &mut Rng| match rng.below(4) {
        0 => " RETURNING *",
        _ => "",
    };
    match rng.below(16) {
        0..=3 => {
            let n = ordinary.len();
            format!(
                "INSERT INTO t({}) VALUES ({}){}",
                ordinary.join(", "),
                values(rng, n),
                returning(rng)
            )
        }
        4 => {
            let n = ordinary.len() + usize::from(rng.below(4) == 0);
            format!("INSERT INTO t VALUES ({})", values(rng, n))
        }
        5 => {
            let g = &generated[rng.below(generated.len() as u64) as usize];
            format!(
                "INSERT INTO t({}, {g}) VALUES ({}, 1)",
                ordinary[0],
                literal(rng)
            )
        }
        6 => format!(
            "INSERT OR REPLACE INTO t({}) VALUES ({}){}",
            ordinary.join(", "),
            values(rng, ordinary.len()),
            returning(rng)
        ),
        7 if table.unique => {
            let a = &ordinary[0];
            let g = &generated[rng.below(generated.len() as u64) as usize];
            format!(
                "INSERT INTO t({}) VALUES ({}) ON CONFLICT({a}) DO UPDATE SET {a} = coalesce(excluded.{g}, 0) || 'u'{}",
                ordinary.join(", "),
                values(rng, ordinary.len()),
                returning(rng)
            )
        }
        8..=10 => {
            let a = &ordinary[rng.below(ordinary.len() as u64) as usize];
            let cols: Vec<String> = ordinary.iter().chain(generated.iter()).cloned().collect();
            format!(
                "UPDATE t SET {a} = {} WHERE {} > {}{}",
                expr(rng, &cols, 1),
                any(rng),
                literal(rng),
                returning(rng)
            )
        }
        11 => {
            let g = &generated[rng.below(generated.len() as u64) as usize];
            format!("UPDATE t SET {g} = 1")
        }
        12 => format!("DELETE FROM t WHERE {} = {}", any(rng), literal(rng)),
        13 => format!(
            "SELECT {} FROM t WHERE {} = {} ORDER BY {}",
            generated.join(", "),
            any(rng),
            literal(rng),
            table.order
        ),
        14 => {
            let g = &generated[rng.below(generated.len() as u64) as usize];
            // Not the group's value: which of its equal values (31, 31.0)
            // stands for it depends on the plan.
            format!("SELECT count(*), total({g}) FROM t GROUP BY {g} ORDER BY {g}")
        }
        _ => format!("SELECT * FROM t ORDER BY {}", table.order),
    }
}

/// Runs the random workload of `seed` on `mine` and on `oracle`.
fn run_workload<P: Platform>(
    mine: &Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    seed: u64,
    statements: usize,
) -> (String, usize, &'static str) {
    let mut rng = Rng::new(seed);
    let table = random_table(&mut rng);
    let context = format!("seed {seed}: {}", table.schema.join("; "));
    for sql in table.schema.iter() {
        assert!(agree(mine, oracle, sql, &context), "{context}: {sql}");
    }
    let mut succeeded = 0;
    for _ in 0..statements {
        let sql = statement(&mut rng, &table);
        succeeded += usize::from(agree(mine, oracle, &sql, &context));
    }

    let order = table.order;
    for sql in [
        format!("SELECT * FROM t ORDER BY {order}"),
        format!("SELECT {order}, * FROM t ORDER BY 2, 3, 1"),
        "PRAGMA table_xinfo(t)".to_string(),
        "PRAGMA table_info(t)".to_string(),
    ] {
        assert!(agree(mine, oracle, &sql, &context), "{context}: {sql}");
    }
    for g in table.generated.iter() {
        let sql = format!("SELECT {g}, typeof({g}) FROM t ORDER BY {order}");
        assert!(agree(mine, oracle, &sql, &context));
    }
    (context, succeeded, order)
}

#[test]
fn random_tables_and_statements_match_sqlite() {
    let first = seed(0x6e6e_c01d);
    let mut succeeded = 0;
    for seed in first..first + 40 {
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "g.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        let (schema, ran, _) = run_workload(&mine, &oracle, seed, 60);
        succeeded += ran;
        let report = db.integrity_check(0).unwrap();
        assert!(report.is_ok(), "seed {seed}: {schema}: {report:?}");
    }
    // Most statements are meant to run, not only to fail alike.
    assert!(succeeded * 2 > 40 * 60, "{succeeded} of {} ran", 40 * 60);
}

#[test]
fn files_with_generated_columns_read_alike_in_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    // boundlite writes, SQLite checks and reads.
    for seed in 0..8u64 {
        let name = format!("ours{seed}.db");
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        let (rows, all) = {
            let db = Database::open(&disk, &name, &Config::DEFAULT, Global).unwrap();
            let mine = db.connect();
            let (_, _, order) = run_workload(&mine, &oracle, 0x5eed_0000 + seed, 40);
            let all = format!("SELECT {order}, * FROM t ORDER BY {order}");
            (Exact::ours_ok(&mine, &all), all)
        };
        let sqlite = rusqlite::Connection::open(dir.path().join(&name)).unwrap();
        assert_sqlite_integrity_ok(&sqlite);
        assert_eq!(Exact::theirs_ok(&sqlite, &all), rows, "seed {seed}");
    }
    // SQLite writes, boundlite reads, changes, and SQLite reads again.
    let path = dir.path().join("theirs.db");
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    sqlite
        .execute_batch(
            "CREATE TABLE s(id INTEGER PRIMARY KEY, a TEXT, b INT,
                 v1 AS (b * 2 + id), v2 TEXT GENERATED ALWAYS AS (a || '-' || v3) VIRTUAL,
                 v3 REAL AS (b / 4.0) STORED, c, v4 AS (upper(a)) STORED);
             CREATE INDEX s_v1 ON s(v1);
             CREATE INDEX s_v2 ON s(v2 DESC, b);
             CREATE UNIQUE INDEX s_v4 ON s(v4, id);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
             INSERT INTO s(a, b, c) SELECT 'row' || i, i % 17, zeroblob(i % 5) FROM n;",
        )
        .unwrap();
    let all = "SELECT rowid, * FROM s ORDER BY rowid";
    let want = Exact::theirs_ok(&sqlite, all);
    drop(sqlite);
    {
        let db = Database::open(&disk, "theirs.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        assert_eq!(Exact::ours_ok(&mine, all), want);
        assert!(db.integrity_check(0).unwrap().is_ok());
        for sql in [
            "INSERT INTO s(a, b, c) VALUES ('new', 9, 'c')",
            "UPDATE s SET b = b + 1 WHERE id % 3 = 0",
            "DELETE FROM s WHERE v1 % 5 = 0",
            "ALTER TABLE s ADD COLUMN v5 AS (v1 + v3)",
            "CREATE INDEX s_v5 ON s(v5)",
        ] {
            mine.execute(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    let db = Database::open(&disk, "theirs.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    for sql in [
        all,
        "SELECT v5, id FROM s WHERE v5 > 20 ORDER BY v5, id",
        "SELECT id FROM s WHERE v2 = 'row7-1.75'",
        "SELECT v2, v5 FROM s WHERE v1 = 37 ORDER BY id",
        "SELECT id, v4 FROM s WHERE v4 = 'NEW'",
    ] {
        assert_eq!(
            Exact::ours_ok(&mine, sql),
            Exact::theirs_ok(&sqlite, sql),
            "{sql}"
        );
    }
}

#[test]
fn refusals_match_sqlite_word_for_word() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in [
        "CREATE TABLE i(a, b AS (a) DEFAULT 3)",
        "CREATE TABLE i2(a, b DEFAULT 3 AS (a))",
        "CREATE TABLE j(a, b AS (a) PRIMARY KEY)",
        "CREATE TABLE j2(a, b INTEGER AS (a), PRIMARY KEY(b))",
        "CREATE TABLE k(a AS (1))",
        "CREATE TABLE l(a, b AS (random()))",
        "CREATE TABLE m(a, b AS ((SELECT 1)))",
        "CREATE TABLE n(a, b AS (rowid))",
        "CREATE TABLE o(a, b AS (x))",
        "CREATE TABLE z(a, b AS (z.a))",
        "CREATE TABLE z2(a, b AS (y.a))",
    ] {
        let ours = mine.execute(sql, &[]).unwrap_err().to_string();
        let theirs = sqlite_words(&oracle.execute_batch(sql).unwrap_err().to_string(), sql);
        assert!(
            ours.ends_with(&theirs),
            "{sql}\n  boundlite: {ours}\n  sqlite:    {theirs}"
        );
    }
    // A loop among virtual columns is refused when the table is made,
    // one through a stored column when a row is stored; each error names
    // the column SQLite names.
    for sql in [
        "CREATE TABLE t0(a, b AS (b))",
        "CREATE TABLE t1(a, b AS (c), c AS (b))",
        "CREATE TABLE t2(a, b AS (c), c AS (d), d AS (b), e AS (a))",
        "CREATE TABLE t3(a, b AS (c+1), c AS (c))",
        "CREATE TABLE t4(a, c AS (c), b AS (a))",
        "CREATE TABLE t6(a, b AS (c+d), c AS (1), d AS (b))",
        "CREATE TABLE t7(a, b AS (d), c AS (1), d AS (c))",
        "CREATE TABLE t8(a, x AS (b), b AS (c), c AS (b))",
        "CREATE TABLE t9(a, b AS (c), c AS (b), x AS (b))",
        "CREATE TABLE t10(a, b AS (d), c AS (e), d AS (c), e AS (b))",
        "CREATE TABLE t11(a, b AS (b+c), c AS (b))",
        "CREATE TABLE t12(a, b AS (a), c AS (c+b))",
        "CREATE TABLE s1(a, b AS (c) STORED, c AS (b) STORED)",
        "CREATE TABLE s2(a, b AS (b) STORED)",
        "CREATE TABLE s3(a, b AS (c) STORED, c AS (b), d AS (a) STORED)",
        "INSERT INTO t7(a) VALUES (1)",
        "SELECT * FROM t7",
        "INSERT INTO s1(a) VALUES (1)",
        "INSERT INTO s2(a) VALUES (1)",
        "INSERT INTO s3(a) VALUES (1)",
        "CREATE TABLE g(a, b AS (a * 2), c AS (a + 1) STORED)",
        "INSERT INTO g VALUES (1)",
        "INSERT INTO g VALUES (1, 2)",
        "INSERT INTO g(a, c) VALUES (1, 2)",
        "INSERT INTO g(b) VALUES (1)",
        "UPDATE g SET c = 3",
        "UPDATE g SET a = 2, b = 3",
        "UPDATE g SET a = a + 1 RETURNING *",
        "SELECT * FROM g",
        "ALTER TABLE g ADD COLUMN d AS (a + 1) STORED",
        "ALTER TABLE g ADD COLUMN d AS (c * 10)",
        "ALTER TABLE g ADD COLUMN e AS (d + b) VIRTUAL",
        "SELECT * FROM g",
        "CREATE TABLE empty(a)",
        "ALTER TABLE empty ADD COLUMN s AS (a * 5) STORED",
        "INSERT INTO empty(a) VALUES (2)",
        "SELECT * FROM empty",
        "PRAGMA table_xinfo(g)",
        "PRAGMA table_info(g)",
        // A whole real in a REAL column reads as a real in a CHECK and in
        // `excluded`, as SQLite reads it.
        "CREATE TABLE rc(k UNIQUE, r REAL CHECK (length(r) < 4), v REAL AS (r * 2) CHECK (length(v) < 5))",
        "INSERT INTO rc VALUES (1, 12.0)",
        "INSERT INTO rc VALUES (1, 1.0)",
        "INSERT INTO rc VALUES (1, 2.0) ON CONFLICT(k) DO UPDATE SET k = excluded.r || excluded.v",
        "INSERT INTO rc VALUES (2, 60.0)",
        "SELECT * FROM rc",
    ] {
        agree(&mine, &oracle, sql, "refusals");
    }
    assert_eq!(
        mine.execute("CREATE TABLE h(a, b AS (c), c AS (b))", &[])
            .unwrap_err()
            .to_string(),
        "SQL error: generated column loop on \"c\""
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_loop_an_older_sqlite_stored_is_refused_where_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.db");
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    // Older SQLite (3.40.1, say) made such tables; the text is put in
    // place as it left it.
    sqlite
        .execute_batch(
            "CREATE TABLE h(a, b, c, d);
             INSERT INTO h VALUES (1, NULL, NULL, NULL);
             PRAGMA writable_schema = ON;
             UPDATE sqlite_master SET sql = 'CREATE TABLE h(a, b AS (c), c AS (b), d AS (a + 1), e AS (b))' WHERE name = 'h';",
        )
        .unwrap();
    drop(sqlite);
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "loop.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    assert_eq!(
        Exact::ours_ok(&mine, "SELECT a, d FROM h"),
        [[Exact::Int(1), Exact::Int(2)]]
    );
    // What sqlite3 3.40.1 says of each.
    for (sql, name) in [
        ("SELECT b FROM h", "b"),
        ("SELECT c FROM h", "c"),
        ("SELECT e FROM h", "b"),
        ("SELECT * FROM h", "b"),
        ("INSERT INTO h(a) VALUES (2)", "e"),
    ] {
        let e = mine.execute(sql, &[]).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("SQL error: generated column loop on \"{name}\""),
            "{sql}"
        );
    }
}

#[test]
fn what_is_not_supported_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "n.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    mine.execute(
        "CREATE TABLE w(a PRIMARY KEY, b AS (a * 2)) WITHOUT ROWID",
        &[],
    )
    .unwrap();
    for (sql, words) in [
        (
            "CREATE INDEX w_b ON w(b)",
            "indexes on virtual generated columns of WITHOUT ROWID tables are not supported",
        ),
        (
            "CREATE TABLE u(a, b AS (a) UNIQUE)",
            "UNIQUE and PRIMARY KEY constraints on virtual generated columns are not supported",
        ),
    ] {
        let e = mine.execute(sql, &[]).unwrap_err().to_string();
        assert!(e.ends_with(words), "{sql}: {e}");
    }
    mine.execute("CREATE TABLE g(a, b AS (a * 2))", &[])
        .unwrap();
    mine.execute("INSERT INTO g(a) VALUES (1)", &[]).unwrap();
    let e = mine
        .execute("ALTER TABLE g ADD COLUMN c AS (a) NOT NULL", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("NOT NULL or CHECK on a table with rows is not supported"),
        "{e}"
    );
}

#[test]
fn generated_rows_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT,
             v AS (b * 2 + id), w TEXT AS (a || v) STORED, x AS (upper(w)) CHECK (length(x) < 20),
             y INT AS (v + length(w)) STORED NOT NULL)",
        &[],
    )
    .unwrap();
    conn.execute("CREATE INDEX t_v ON t(v)", &[]).unwrap();
    conn.execute("CREATE INDEX t_x ON t(x, w)", &[]).unwrap();
    conn.execute("INSERT INTO t(a, b) VALUES ('a', 1), ('bb', 2)", &[])
        .unwrap();
    let contents = || ours(&conn, "SELECT rowid, * FROM t ORDER BY id").unwrap();
    let points = |sql: &str, changed: usize| {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    };
    points("INSERT INTO t(a, b) VALUES ('c', 3), ('dd', 4)", 2);
    points("UPDATE t SET b = b + 10 WHERE v > 4", 3);
    points("INSERT OR REPLACE INTO t(id, a, b) VALUES (1, 'z', 0)", 1);
    points("DELETE FROM t WHERE x = 'C29'", 1);
    for sql in [
        "SELECT * FROM t ORDER BY id",
        "SELECT id FROM t WHERE v = 26",
        "SELECT x, count(*) FROM t GROUP BY x",
    ] {
        let report = sweep_rows(&fault, &conn, sql);
        assert!(report.value > 0, "{sql}");
        assert!(report.failure_points > 2, "{sql}");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn triggers_update_from_and_returning_see_generated_values() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "trig.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, v AS (a * 10), s TEXT AS ('s' || v) STORED)",
        "CREATE TABLE log(what, x, y)",
        "CREATE TABLE src(id, n)",
        "INSERT INTO src VALUES (1, 5), (2, 6)",
        "CREATE TRIGGER bi BEFORE INSERT ON t BEGIN INSERT INTO log VALUES ('bi', NEW.v, NEW.s); END",
        "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ai', NEW.v, NEW.s); END",
        "CREATE TRIGGER bu BEFORE UPDATE ON t BEGIN INSERT INTO log VALUES ('bu', OLD.v || '>' || NEW.v, NEW.s); END",
        "CREATE TRIGGER au AFTER UPDATE ON t BEGIN INSERT INTO log VALUES ('au', OLD.s, NEW.s); END",
        "CREATE TRIGGER ad AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('ad', OLD.v, OLD.s); END",
        "INSERT INTO t(id, a) VALUES (1, 1), (2, 2), (3, 3)",
        "UPDATE t SET a = a + 1 WHERE id > 1",
        "UPDATE t SET a = src.n FROM src WHERE src.id = t.id",
        "DELETE FROM t WHERE v = 40",
        "SELECT * FROM log",
        "SELECT * FROM t ORDER BY id",
        "CREATE TABLE r(id INTEGER PRIMARY KEY, a, v AS (a + 1), s AS (v * 2) STORED)",
        "INSERT INTO r(a) VALUES (1), (2) RETURNING *",
        "UPDATE r SET a = 10 FROM src WHERE src.id = r.id RETURNING s, v",
        "DELETE FROM r WHERE s = 22 RETURNING v, s",
        "SELECT * FROM r",
    ] {
        assert!(agree(&mine, &oracle, sql, "triggers"), "{sql}");
    }
}

#[test]
fn schema_changes_with_generated_columns_survive_every_allocation_failure() {
    use boundlite::Error;
    use boundlite::alloc::oom_sweep;
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "ddl.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    let schema = || {
        ours(
            &conn,
            "SELECT type, name, sql FROM sqlite_master ORDER BY name",
        )
        .unwrap()
    };
    for sql in [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b AS (a * 2), c TEXT AS (b || a) STORED, d AS (c || b) NOT NULL)",
        "INSERT INTO t(a) VALUES (1), (2), (3)",
        "CREATE INDEX t_d ON t(d, a)",
        "ALTER TABLE t ADD COLUMN e AS (d || 'e')",
        "CREATE TRIGGER tb BEFORE INSERT ON t BEGIN SELECT NEW.e; END",
        "INSERT INTO t(a) VALUES (4)",
    ] {
        let before = schema();
        let report = oom_sweep(
            &fault,
            true,
            |_| conn.execute(sql, &[]),
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
                assert_eq!(schema(), before, "{sql}: failure {n} left a trace");
            },
        )
        .unwrap();
        assert!(report.failure_points > 2, "{sql}");
    }
    assert_eq!(
        ours(&conn, "SELECT e FROM t WHERE d = '848'").unwrap(),
        [[boundlite_tests::compare::V::Text("848e".into())]]
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
