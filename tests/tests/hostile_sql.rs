//! Hostile SQL through [`Connection::execute`] and [`Connection::prepare`]
//! on a [`MemoryPlatform`] database: every input ends in `Ok` or a
//! specific error, never a panic or a stack overflow.
//!
//! - nesting 10,000 levels deep (parentheses, `NOT`, unary `-`, `CASE`,
//!   function calls, subqueries) is refused by the parser's depth limit
//!   with `Error::Syntax` ("expression nested too deeply"), on a thread
//!   with a 1 MiB stack to prove the limit comes before the stack does;
//!   long flat chains of binary operators (`1+1+...`, `... OR ...`) too;
//! - huge literals: a 10 MB string, a 1,000-digit integer (a REAL, as in
//!   SQLite), a hex literal too big, a blob literal of odd length;
//! - unterminated strings, quoted names and blobs: an unrecognized token;
//! - invalid UTF-8 in a bound TEXT parameter: stored and read back byte
//!   for byte, as SQLite does with the same bytes as TEXT;
//! - NUL bytes in SQL text: an unrecognized token (SQLite would stop
//!   reading at the NUL; boundlite refuses it);
//! - 10,000 statements in one `execute` call;
//! - a seeded fuzz loop of random bytes, random tokens and valid
//!   statements with a token or two mutated: each input is
//!   `Ok` or an SQL-level error, and the database still passes
//!   `PRAGMA integrity_check` afterwards.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::sql::SqlErrorKind;
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

/// Stack for the threads that prove a limit comes before a stack overflow.
const SMALL_STACK: usize = 1 << 20;

/// Nesting depth of the hostile inputs.
const DEEP: usize = 10_000;

type Db<'d> = Database<&'d MemoryPlatform, Global>;
type Conn<'c, 'd> = Connection<'c, &'d MemoryPlatform, Global>;

fn open(disk: &MemoryPlatform) -> Db<'_> {
    Database::open(disk, "hostile.db", &Config::DEFAULT, Global).unwrap()
}

/// Runs `f` on a thread with a 1 MiB stack; a stack overflow would abort
/// the test process.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// The single value `sql` returns.
fn scalar(conn: &Conn<'_, '_>, sql: &str) -> Exact {
    let rows = Exact::ours(conn, sql).unwrap();
    assert_eq!(rows.len(), 1, "{sql:.80}");
    rows[0][0].clone()
}

/// The syntax error `result` must be, with its kind.
fn syntax_kind<T: std::fmt::Debug>(result: Result<T, Error>) -> (SqlErrorKind, &'static str) {
    match result {
        Err(Error::Syntax(e)) => (e.kind(), e.message()),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

fn assert_integrity_ok(conn: &Conn<'_, '_>) {
    assert_eq!(
        Exact::ours(conn, "PRAGMA integrity_check").unwrap(),
        vec![vec![Exact::Text(b"ok".to_vec())]]
    );
}

// ---- nesting ----

/// The hostile nestings, each `DEEP` levels.
fn deep_inputs() -> Vec<(&'static str, String)> {
    vec![
        (
            "parentheses",
            format!("SELECT {}1{}", "(".repeat(DEEP), ")".repeat(DEEP)),
        ),
        (
            "unclosed parentheses",
            format!("SELECT {}1", "(".repeat(DEEP)),
        ),
        ("NOT", format!("SELECT {}1", "NOT ".repeat(DEEP))),
        ("unary minus", format!("SELECT {}1", "- ".repeat(DEEP))),
        ("unary plus and ~", format!("SELECT {}1", "+~".repeat(DEEP))),
        (
            "CASE",
            format!(
                "SELECT {}1{}",
                "CASE WHEN 1 THEN ".repeat(DEEP),
                " END".repeat(DEEP)
            ),
        ),
        (
            "CASE operand",
            format!(
                "SELECT {}1{}",
                "CASE ".repeat(DEEP),
                " WHEN 1 THEN 2 END".repeat(DEEP)
            ),
        ),
        (
            "function calls",
            format!("SELECT {}1{}", "abs(".repeat(DEEP), ")".repeat(DEEP)),
        ),
        (
            "coalesce calls",
            format!(
                "SELECT {}1{}",
                "coalesce(NULL, ".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "scalar subqueries",
            format!("SELECT {}1{}", "(SELECT ".repeat(DEEP), ")".repeat(DEEP)),
        ),
        (
            "subqueries in FROM",
            format!(
                "SELECT * FROM {}t{}",
                "(SELECT * FROM ".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "IN lists",
            format!("SELECT 1 IN {}1{}", "(".repeat(DEEP), ")".repeat(DEEP)),
        ),
        (
            "in a WHERE clause",
            format!(
                "SELECT * FROM t WHERE {}a{}",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "in an INSERT",
            format!(
                "INSERT INTO t VALUES ({}1{})",
                "-(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "in an UPDATE",
            format!("UPDATE t SET a = {}1", "NOT ".repeat(DEEP)),
        ),
        (
            "in a DELETE",
            format!(
                "DELETE FROM t WHERE {}1{}",
                "abs(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "in a CREATE TABLE default",
            format!(
                "CREATE TABLE u(a DEFAULT ({}1{}))",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
    ]
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    on_small_stack(|| {
        let disk = MemoryPlatform::new();
        let db = open(&disk);
        let conn = db.connect();
        conn.execute("CREATE TABLE t(a)", &[]).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
        for (name, sql) in deep_inputs() {
            for result in [
                conn.execute(&sql, &[]).map(|_| ()),
                conn.prepare(&sql).map(|_| ()),
            ] {
                let (kind, message) = syntax_kind(result);
                assert_eq!(
                    (kind, message),
                    (SqlErrorKind::Unsupported, "expression nested too deeply"),
                    "{name}"
                );
            }
        }
        // Nothing was changed, and the connection still works.
        assert_eq!(scalar(&conn, "SELECT count(*) FROM t"), Exact::Int(1));
        assert_eq!(
            Exact::ours(&conn, "SELECT * FROM u").map_err(|e| e.to_string()),
            Err("SQL error: no such table: u".to_string())
        );
        assert_integrity_ok(&conn);
    });
}

#[test]
fn nesting_within_the_limit_runs() {
    on_small_stack(|| {
        let disk = MemoryPlatform::new();
        let db = open(&disk);
        let conn = db.connect();
        let depth = 50;
        let cases = [
            (
                format!("SELECT {}1{}", "(".repeat(depth), ")".repeat(depth)),
                Exact::Int(1),
            ),
            (format!("SELECT {}1", "NOT ".repeat(depth)), Exact::Int(1)),
            (format!("SELECT {}1", "- ".repeat(depth)), Exact::Int(1)),
            (
                format!("SELECT {}-7{}", "abs(".repeat(depth), ")".repeat(depth)),
                Exact::Int(7),
            ),
            (
                format!(
                    "SELECT {}3{}",
                    "CASE WHEN 1 THEN ".repeat(20),
                    " END".repeat(20)
                ),
                Exact::Int(3),
            ),
        ];
        for (sql, want) in cases {
            assert_eq!(scalar(&conn, &sql), want, "{sql:.60}");
        }
    });
}

#[test]
fn long_operator_chains_do_not_overflow_the_stack() {
    on_small_stack(|| {
        let disk = MemoryPlatform::new();
        let db = open(&disk);
        let conn = db.connect();
        conn.execute("CREATE TABLE t(a)", &[]).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
        let chains = [
            format!("SELECT 1{}", " + 1".repeat(DEEP)),
            format!("SELECT 'x'{}", " || 'x'".repeat(DEEP)),
            format!("SELECT a FROM t WHERE a = 0{}", " OR a = 0".repeat(DEEP)),
            format!("SELECT 1{}", " AND 1".repeat(DEEP)),
            format!("SELECT 1{}", " < 2".repeat(DEEP)),
            format!("UPDATE t SET a = a{}", " * 1".repeat(DEEP)),
        ];
        for sql in chains {
            let (kind, message) = syntax_kind(conn.execute(&sql, &[]));
            assert_eq!(
                (kind, message),
                (SqlErrorKind::Unsupported, "expression nested too deeply"),
                "{sql:.40}"
            );
        }
        // A wide but flat expression is fine: 10,000 IN-list items.
        let items: Vec<String> = (0..DEEP).map(|i| i.to_string()).collect();
        let sql = format!("SELECT 9999 IN ({})", items.join(", "));
        assert_eq!(scalar(&conn, &sql), Exact::Int(1));
        assert_eq!(scalar(&conn, "SELECT a FROM t"), Exact::Int(1));
        assert_integrity_ok(&conn);
    });
}

// ---- huge literals ----

#[test]
fn a_ten_megabyte_string_literal() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    let len = 10 * 1024 * 1024;
    let body = "x".repeat(len);
    let sql = format!("SELECT length('{body}'), '{body}'");
    let rows = Exact::ours(&conn, &sql).unwrap();
    assert_eq!(rows[0][0], Exact::Int(len as i64));
    assert_eq!(rows[0][1], Exact::Text(body.clone().into_bytes()));

    // Stored through the default 128-frame cache: the ~2,600 overflow
    // pages spill to the log before the commit, and come back whole.
    conn.execute("CREATE TABLE t(a TEXT)", &[]).unwrap();
    let insert = format!("INSERT INTO t VALUES ('{body}')");
    assert_eq!(conn.execute(&insert, &[]), Ok(1));
    assert_eq!(
        Exact::ours(&conn, "SELECT length(a), a FROM t").unwrap(),
        vec![vec![Exact::Int(len as i64), Exact::Text(body.into_bytes())]]
    );
    assert_integrity_ok(&conn);
}

#[test]
fn huge_numeric_and_blob_literals_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    let digits = "9".repeat(1000);
    let ones = "1".repeat(1000);
    let blob = "ab".repeat(512 * 1024);
    let same = [
        // Integers too big for 64 bits are REALs (here infinite).
        format!("SELECT {digits}, typeof({digits})"),
        format!("SELECT -{digits}, {ones} > 0"),
        format!("SELECT 0.{digits}, 1{digits}e-1000"),
        format!("SELECT 1e{digits}"),
        format!("SELECT length(x'{blob}'), typeof(x'{blob}')"),
        "SELECT 9223372036854775807, -9223372036854775808, 9223372036854775808".to_string(),
        "SELECT 0x7fffffffffffffff, 0xffffffffffffffff".to_string(),
    ];
    for sql in &same {
        assert_eq!(
            Exact::ours(&conn, sql).unwrap(),
            Exact::theirs_ok(&sqlite, sql),
            "{sql:.60}"
        );
    }
    // A hex literal past 64 bits, and a blob literal of odd length.
    let too_big = format!("SELECT 0x1{}", "0".repeat(1000));
    assert!(sqlite.prepare(&too_big).is_err());
    let (kind, _) = syntax_kind(conn.execute(&too_big, &[]));
    assert_eq!(kind, SqlErrorKind::Detail);
    for odd in [
        "SELECT x'abc'".to_string(),
        "SELECT x'a'".to_string(),
        format!("SELECT x'{blob}0'"),
        "SELECT x'zz'".to_string(),
    ] {
        assert!(sqlite.prepare(&odd).is_err(), "{odd:.40}");
        let (kind, _) = syntax_kind(conn.execute(&odd, &[]));
        assert_eq!(kind, SqlErrorKind::UnrecognizedToken, "{odd:.40}");
    }
}

// ---- unterminated tokens ----

#[test]
fn unterminated_strings_names_and_blobs() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a)", &[]).unwrap();
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    sqlite.execute_batch("CREATE TABLE t(a)").unwrap();
    let big = "y".repeat(1 << 20);
    for sql in [
        "SELECT 'abc".to_string(),
        "SELECT 'it''s".to_string(),
        "SELECT '".to_string(),
        "SELECT \"abc".to_string(),
        "SELECT [abc".to_string(),
        "SELECT `abc".to_string(),
        "SELECT x'ab".to_string(),
        "SELECT X'".to_string(),
        "INSERT INTO t VALUES ('abc); SELECT 1".to_string(),
        "INSERT INTO \"t VALUES (1)".to_string(),
        format!("SELECT '{big}"),
    ] {
        assert!(sqlite.execute_batch(&sql).is_err(), "{sql:.40}");
        for result in [
            conn.execute(&sql, &[]).map(|_| ()),
            conn.prepare(&sql).map(|_| ()),
        ] {
            let (kind, _) = syntax_kind(result);
            assert_eq!(kind, SqlErrorKind::UnrecognizedToken, "{sql:.40}");
        }
    }
    // Text that ends mid-statement.
    for sql in [
        "SELECT 1 +",
        "SELECT (1",
        "SELECT * FROM",
        "CREATE TABLE u(",
    ] {
        assert!(sqlite.execute_batch(sql).is_err(), "{sql}");
        assert!(
            matches!(conn.execute(sql, &[]), Err(Error::Syntax(_))),
            "{sql}"
        );
    }
    // An unterminated comment runs to the end of the text, as in SQLite.
    assert_eq!(scalar(&conn, "SELECT 7 /* never closed"), Exact::Int(7));
    assert_eq!(scalar(&conn, "SELECT 8 -- to the end"), Exact::Int(8));
    assert_eq!(scalar(&conn, "SELECT count(*) FROM t"), Exact::Int(0));
}

// ---- invalid UTF-8 in parameters ----

#[test]
fn invalid_utf8_in_bound_text_is_kept_byte_for_byte_like_sqlite() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b)", &[])
        .unwrap();
    // SQLite stores the same bytes as TEXT through a CAST of a blob (the
    // way a C caller binding them with sqlite3_bind_text would).
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    sqlite
        .execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b)")
        .unwrap();
    let samples: [&[u8]; 6] = [
        &[0xff, 0xfe],
        &[0x80],
        &[b'a', 0xe2, 0x82],
        &[0xc0, 0xaf, b'/'],
        &[0xed, 0xa0, 0x80],
        &[b'x', 0xf8, 0x88, 0x80, 0x80, 0x80, b'y'],
    ];
    for (id, bytes) in samples.iter().enumerate() {
        let id = id as i64 + 1;
        let params = [
            ValueRef::Integer(id),
            ValueRef::Text(bytes),
            ValueRef::Text(bytes),
        ];
        assert_eq!(
            conn.execute("INSERT INTO t VALUES (?, ?, ?)", &params),
            Ok(1)
        );
        sqlite
            .execute(
                "INSERT INTO t VALUES (?1, CAST(?2 AS TEXT), CAST(?2 AS TEXT))",
                rusqlite::params![id, bytes],
            )
            .unwrap();
        // Read back through a prepared statement with the value bound.
        let mut stmt = conn.prepare("SELECT a, b FROM t WHERE id = ?").unwrap();
        stmt.bind(1, ValueRef::Integer(id)).unwrap();
        let row = stmt.step().unwrap().unwrap();
        assert_eq!(row.get_ref(0).unwrap(), ValueRef::Text(bytes));
        assert_eq!(row.get_ref(1).unwrap(), ValueRef::Text(bytes));
        // The &str accessor refuses, clearly, rather than panic.
        assert!(matches!(
            row.get_text(0),
            Err(Error::ColumnType(m)) if m.found == boundlite::connection::Found::NotUtf8
        ));
    }
    // Functions and comparisons over the bytes: the same as SQLite.
    let probes = [
        "SELECT id, a, typeof(a), hex(a), a = b, a || 'z', hex(CAST(a AS BLOB)) FROM t ORDER BY id",
        "SELECT id, length(a), hex(upper(a)), hex(lower(a)) FROM t ORDER BY id",
        "SELECT id, a LIKE '%', a GLOB '*', a < 'b', quote(a) IS NOT NULL FROM t ORDER BY id",
        "SELECT count(*), count(a), max(a) = min(a) FROM t",
        "SELECT id FROM t ORDER BY a, id",
    ];
    for sql in probes {
        assert_eq!(
            Exact::ours(&conn, sql).unwrap(),
            Exact::theirs_ok(&sqlite, sql),
            "{sql}"
        );
    }
    // Bound as a parameter to a comparison.
    let rows = Exact::query(
        &conn,
        "SELECT id FROM t WHERE a = ?",
        &[ValueRef::Text(&[0xff, 0xfe])],
    )
    .unwrap();
    assert_eq!(rows, vec![vec![Exact::Int(1)]]);
    assert_integrity_ok(&conn);
}

// ---- NUL bytes in SQL text ----

#[test]
fn nul_bytes_in_sql_text_are_an_unrecognized_token() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a)", &[]).unwrap();
    for sql in [
        "\0",
        "SELECT 1\0",
        "SELECT \0 1",
        "SELECT 1;\0",
        "INSERT INTO t VALUES (1)\0; INSERT INTO t VALUES (2)",
        "SELECT a\0b FROM t",
    ] {
        let (kind, _) = syntax_kind(conn.execute(sql, &[]));
        assert_eq!(kind, SqlErrorKind::UnrecognizedToken, "{sql:?}");
    }
    // Inside a string literal, a quoted name or a comment the NUL is just
    // a byte of it.
    assert_eq!(
        scalar(&conn, "SELECT 'a\0b'"),
        Exact::Text(b"a\0b".to_vec())
    );
    assert_eq!(scalar(&conn, "SELECT 1 AS \"x\0y\""), Exact::Int(1));
    assert_eq!(scalar(&conn, "SELECT 2 /* \0 */"), Exact::Int(2));
    assert_eq!(scalar(&conn, "SELECT 3 -- \0"), Exact::Int(3));
    assert_eq!(scalar(&conn, "SELECT count(*) FROM t"), Exact::Int(0));
}

// ---- many statements ----

#[test]
fn ten_thousand_statements_in_one_execute() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)", &[])
        .unwrap();
    let sql: String = (1..=DEEP)
        .map(|i| format!("INSERT INTO t VALUES ({i}, 'r{i}');"))
        .collect();
    assert_eq!(conn.execute(&sql, &[]), Ok(1));
    assert_eq!(
        scalar(&conn, "SELECT count(*) FROM t"),
        Exact::Int(DEEP as i64)
    );

    // Inside one transaction, with parameters bound to each.
    let body = "UPDATE t SET b = ? WHERE a = 1;".repeat(DEEP);
    let sql = format!("BEGIN; {body} COMMIT;");
    assert_eq!(conn.execute(&sql, &[ValueRef::text("p")]), Ok(0));
    assert!(!conn.in_transaction());
    assert_eq!(
        scalar(&conn, "SELECT b FROM t WHERE a = 1"),
        Exact::Text(b"p".to_vec())
    );

    // Empty statements only.
    assert_eq!(conn.execute(&";".repeat(DEEP), &[]), Ok(0));
    assert_eq!(conn.execute(&" ; -- x\n".repeat(DEEP), &[]), Ok(0));

    // A failure in the middle stops there: the statements before it
    // (each in autocommit) stay, the ones after never run.
    let sql: String = (1..=DEEP)
        .map(|i| {
            if i == 5_000 {
                format!("INSERT INTO t VALUES ({}, 'dup');", 1)
            } else {
                format!("INSERT INTO t VALUES ({}, 'x');", 100_000 + i)
            }
        })
        .collect();
    assert!(matches!(conn.execute(&sql, &[]), Err(Error::Unique(_))));
    assert_eq!(
        scalar(&conn, "SELECT count(*) FROM t WHERE a > 100000"),
        Exact::Int(4_999)
    );
    // A syntax error in the 10,000th statement: the text is parsed one
    // statement at a time, so the first 9,999 ran.
    let mut sql: String = (1..DEEP)
        .map(|i| format!("INSERT INTO t VALUES ({}, 'y');", 200_000 + i))
        .collect();
    sql.push_str("INSERT INTO t VALUES (1,");
    assert!(matches!(conn.execute(&sql, &[]), Err(Error::Syntax(_))));
    assert_eq!(
        scalar(&conn, "SELECT count(*) FROM t WHERE a > 200000"),
        Exact::Int(DEEP as i64 - 1)
    );
    assert_integrity_ok(&conn);
}

// ---- fuzz ----

/// Tokens the random statements are built from: keywords, names of the
/// schema, literals, operators and punctuation.
const TOKENS: &[&str] = &[
    "SELECT",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "FROM",
    "WHERE",
    "CREATE",
    "TABLE",
    "INDEX",
    "ON",
    "DROP",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "ORDER",
    "BY",
    "GROUP",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "DISTINCT",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS",
    "IN",
    "LIKE",
    "GLOB",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "AS",
    "PRIMARY",
    "KEY",
    "UNIQUE",
    "INTEGER",
    "TEXT",
    "REAL",
    "BLOB",
    "DEFAULT",
    "PRAGMA",
    "integrity_check",
    "EXPLAIN",
    "QUERY",
    "PLAN",
    "CAST",
    "COLLATE",
    "NOCASE",
    "ASC",
    "DESC",
    "t",
    "u",
    "a",
    "b",
    "c",
    "rowid",
    "count",
    "sum",
    "abs",
    "length",
    "substr",
    "upper",
    "coalesce",
    "max",
    "min",
    "typeof",
    "hex",
    "*",
    "(",
    ")",
    ",",
    ";",
    "=",
    "==",
    "<>",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "/",
    "%",
    "||",
    "&",
    "|",
    "<<",
    ">>",
    "~",
    ".",
    "?",
    "?1",
    ":x",
    "@y",
    "$z",
    "0",
    "1",
    "-1",
    "42",
    "9223372036854775807",
    "1e308",
    "0.5",
    "0x10",
    "'a'",
    "''",
    "'%a%'",
    "x'00'",
    "x''",
    "'",
    "\"",
    "[",
    "`",
    "x'",
    "/*",
    "--",
    "\n",
    "é",
    "\u{1F600}",
];

/// A random statement of tokens.
fn random_tokens(rng: &mut Rng) -> String {
    let n = 1 + rng.below(24);
    let mut out = String::new();
    for _ in 0..n {
        out.push_str(TOKENS[rng.below(TOKENS.len() as u64) as usize]);
        if rng.below(4) != 0 {
            out.push(' ');
        }
    }
    out
}

/// Valid statements over the fuzz schema, tokens separated by spaces,
/// which the fuzz loop mutates a token or two at a time.
const TEMPLATES: &[&str] = &[
    "SELECT a , b , c FROM t WHERE a > 10 ORDER BY b DESC , a LIMIT 5 OFFSET 1",
    "INSERT INTO t ( b , c ) VALUES ( 'x' , 1.5 ) , ( ? , ? )",
    "UPDATE t SET c = c + 1 , b = b || 'y' WHERE a = ?",
    "DELETE FROM t WHERE a BETWEEN 3 AND 5",
    "SELECT b , count ( * ) , sum ( c ) FROM t GROUP BY b HAVING count ( * ) > 1",
    "INSERT INTO u VALUES ( ? , ? )",
    "SELECT t . a , u . a FROM t , u WHERE t . a = u . b",
    "BEGIN ; INSERT INTO u VALUES ( 'q' , 1000 ) ; COMMIT",
    "BEGIN ; DELETE FROM u WHERE b < 10 ; ROLLBACK",
    "CREATE INDEX IF NOT EXISTS t_c ON t ( c )",
    "SELECT upper ( b ) || 'x' , length ( b ) FROM t WHERE b LIKE '%o%'",
    "SELECT CASE WHEN a % 2 = 0 THEN 'even' ELSE 'odd' END FROM t WHERE a IN ( 1 , 2 , 3 )",
    "SELECT DISTINCT b FROM t WHERE c IS NOT NULL AND NOT a = 4",
    "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 'row'",
    "PRAGMA integrity_check",
    "SELECT max ( a ) , min ( c ) , typeof ( b ) , hex ( b ) FROM t",
    "UPDATE u SET a = NULL WHERE rowid = 2",
];

/// A template with one or two tokens replaced, removed or added.
fn mutated(rng: &mut Rng) -> String {
    let template = TEMPLATES[rng.below(TEMPLATES.len() as u64) as usize];
    let mut tokens: Vec<&str> = template.split(' ').collect();
    for _ in 0..rng.below(3) {
        let at = rng.below(tokens.len() as u64 + 1) as usize;
        let token = TOKENS[rng.below(TOKENS.len() as u64) as usize];
        match rng.below(3) {
            0 if at < tokens.len() => tokens[at] = token,
            1 if at < tokens.len() => {
                tokens.remove(at);
            }
            _ => tokens.insert(at, token),
        }
    }
    tokens.join(" ")
}

/// The bytes SQL's tokens are made of, NUL included.
const PUNCTUATION: &[u8] = b"'\"[]`()*,;=<>|-+/%~!?:@$xX.0123456789 \n\0";

/// Random bytes, made valid UTF-8 (the API takes `&str`), biased toward
/// SQL's punctuation.
fn random_bytes(rng: &mut Rng) -> String {
    let n = rng.below(64) as usize;
    let mut bytes = Vec::with_capacity(n);
    for _ in 0..n {
        let b = match rng.below(3) {
            0 => PUNCTUATION[rng.below(PUNCTUATION.len() as u64) as usize],
            1 => b' ' + rng.below(95) as u8,
            _ => rng.below(256) as u8,
        };
        bytes.push(b);
    }
    // Half the time, a valid statement with the noise after it.
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if rng.below(2) == 0 {
        text.insert_str(0, "SELECT ");
    }
    text
}

/// What a fuzz input may end in: `Ok`, or an error about the SQL.
fn acceptable(result: &Result<usize, Error>) -> bool {
    matches!(
        result,
        Ok(_)
            | Err(Error::Syntax(_)
                | Error::Sql(_)
                | Error::Named(..)
                | Error::Constraint(_)
                | Error::Unique(_)
                | Error::NotNull(_)
                | Error::Misuse(_))
    )
}

#[test]
fn fuzzed_sql_never_panics_and_leaves_the_database_intact() {
    let seed = seed(0x5eed_4057_11e5);
    on_small_stack(move || {
        let disk = MemoryPlatform::new();
        let db = open(&disk);
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL); \
             CREATE INDEX t_b ON t(b); \
             CREATE TABLE u(a, b UNIQUE)",
            &[],
        )
        .unwrap();
        for i in 0..50 {
            conn.execute(
                "INSERT INTO t VALUES (?, ?, ?); INSERT INTO u VALUES (?2, ?1)",
                &[
                    ValueRef::Integer(i),
                    ValueRef::text("row"),
                    ValueRef::Real(i as f64 / 3.0),
                ],
            )
            .unwrap();
        }
        let mut rng = Rng::new(seed);
        let params = [
            ValueRef::Integer(1),
            ValueRef::Text(&[0xff, 0xfe]),
            ValueRef::Null,
        ];
        let mut outcomes = [0usize; 2];
        for i in 0..6_000 {
            let sql = match i % 3 {
                0 => random_tokens(&mut rng),
                1 => random_bytes(&mut rng),
                _ => mutated(&mut rng),
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                conn.execute(&sql, &params)
            }));
            let result = match result {
                Ok(result) => result,
                Err(_) => panic!("seed {seed}, input {i}: panicked on {sql:?}"),
            };
            assert!(
                acceptable(&result),
                "seed {seed}, input {i}: {sql:?} gave {result:?}"
            );
            outcomes[usize::from(result.is_ok())] += 1;
            // prepare must agree with execute on whether the text parses.
            if let Err(Error::Syntax(_)) = conn.prepare(&sql).map(|_| ()) {
                assert!(result.is_err(), "seed {seed}, input {i}: {sql:?}");
            }
        }
        println!("fuzz: {} ok, {} errors", outcomes[1], outcomes[0]);
        if conn.in_transaction() {
            conn.execute("ROLLBACK", &[]).unwrap();
        }
        assert_integrity_ok(&conn);
    });
}
