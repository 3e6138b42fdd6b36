//! Hostile input and scarce memory: the depth limit, an OOM sweep over a
//! long script, and seeded fuzzing. No input may panic or overflow the
//! stack; every failed allocation must surface as `OutOfMemory` and free
//! what was built.

extern crate std;

use std::string::String;
use std::vec::Vec;

use super::corpus::{SCHEMA, WORKLOAD};
use crate::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use crate::sql::{ParseError, Parser, SqlErrorKind};

/// The error `sql` gives, which must be the depth limit's.
fn too_deep(sql: &str) {
    let mut parser = Parser::new(sql, Global);
    match parser.next_statement() {
        Err(ParseError::Sql(e)) => {
            assert_eq!(e.kind(), SqlErrorKind::Unsupported, "{}", &sql[..40]);
            assert_eq!(e.message(), "expression nested too deeply");
        }
        other => panic!("{}...: {:?}", &sql[..40], other.map(|p| p.is_some())),
    }
}

fn nested(open: &str, middle: &str, close: &str, n: usize) -> String {
    let mut s = String::from("SELECT ");
    for _ in 0..n {
        s.push_str(open);
    }
    s.push_str(middle);
    for _ in 0..n {
        s.push_str(close);
    }
    s
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    too_deep(&nested("(", "1", ")", 10_000));
    too_deep(&nested("- ", "1", "", 10_000));
    too_deep(&nested("NOT ", "1", "", 10_000));
    too_deep(&nested("f(", "1", ")", 10_000));
    too_deep(&nested("(SELECT ", "1", ")", 10_000));
    too_deep(&nested("CASE WHEN ", "1", " THEN 1 END", 10_000));
    too_deep(&nested("1 IN (", "1", ")", 10_000));
    too_deep(&nested("EXISTS (SELECT ", "1", ")", 10_000));
    too_deep(&nested("CAST(", "1", " AS INT)", 10_000));
    too_deep(&nested("", "1", " + 1", 100_000));
    too_deep(&nested("", "a", " AND a", 100_000));
    too_deep(&nested("", "a", " COLLATE x", 100_000));
    let mut from = String::from("SELECT * FROM ");
    for _ in 0..10_000 {
        from.push_str("(SELECT * FROM ");
    }
    from.push('t');
    for _ in 0..10_000 {
        from.push(')');
    }
    too_deep(&from);
}

/// The statement of `shape` nested `n` deep.
fn shape(shape: &str, n: usize) -> String {
    match shape {
        "paren" => nested("(", "1", ")", n),
        "negation" => nested("- ", "1", "", n),
        "not" => nested("NOT ", "1", "", n),
        "call" => nested("f(", "1", ")", n),
        "case" => nested("CASE WHEN ", "1", " THEN 1 END", n),
        "in" => nested("1 IN (", "1", ")", n),
        "subquery" => nested("(SELECT ", "1", ")", n),
        "sum" => nested("", "1", " + 1", n),
        "from" => {
            let mut s = String::from("SELECT * FROM ");
            for _ in 0..n {
                s.push_str("(SELECT * FROM ");
            }
            s.push('t');
            for _ in 0..n {
                s.push(')');
            }
            s
        }
        _ => panic!("{shape}"),
    }
}

const SHAPES: &[&str] = &[
    "paren", "negation", "not", "call", "case", "in", "subquery", "sum", "from",
];

/// Whether `sql` parses with the default depth limit.
fn parses(sql: &str) -> bool {
    Parser::new(sql, Global).next_statement().is_ok()
}

#[test]
fn nesting_within_the_limit_parses() {
    for (name, n) in [
        ("paren", 150),
        ("negation", 150),
        ("sum", 150),
        ("call", 90),
        ("case", 60),
        ("subquery", 30),
        ("from", 40),
    ] {
        assert!(parses(&shape(name, n)), "{name} {n}");
    }
    // The limit is configurable, both ways.
    let sql = nested("(", "1", ")", 500);
    let mut parser = Parser::new(&sql, Global).with_max_depth(1000);
    assert!(parser.next_statement().unwrap().is_some());
    let sql = nested("(", "1", ")", 5);
    let mut parser = Parser::new(&sql, Global).with_max_depth(3);
    assert!(parser.next_statement().is_err());
}

#[test]
fn parsing_at_the_depth_limit_fits_a_small_stack() {
    // The deepest statement of each shape the default limit admits is
    // parsed, displayed and dropped in a thread with 1 MiB of stack
    // (an unoptimised build takes up to about 2.5 KiB per level).
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            for name in SHAPES {
                let deepest = (1..400)
                    .rev()
                    .find(|&n| parses(&shape(name, n)))
                    .unwrap_or_else(|| panic!("{name}: nothing parses"));
                assert!(deepest >= 30, "{name}: {deepest}");
                let sql = shape(name, deepest);
                let mut parser = Parser::new(&sql, Global);
                let parsed = parser.next_statement().unwrap().unwrap();
                assert!(!std::format!("{}", parsed.stmt).is_empty());
            }
        })
        .unwrap();
    handle.join().unwrap();
}

/// A long script using every statement form.
fn long_script() -> String {
    let mut script = String::new();
    for sql in SCHEMA.iter().chain(WORKLOAD) {
        script.push_str(sql);
        script.push_str(";\n");
    }
    script.push_str(
        "SELECT DISTINCT a AS x, t.*, CASE WHEN b THEN 1 ELSE 2 END, CAST(c AS TEXT), count(DISTINCT d) \
         FROM t AS u JOIN v ON u.a = v.a, (SELECT 1 AS a) w \
         WHERE a IN (1, 2, 3) AND b NOT BETWEEN 1 AND 2 AND c LIKE 'x%' ESCAPE '!' AND EXISTS (SELECT 1) \
         GROUP BY a HAVING count(*) > 1 ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET ?;\n\
         INSERT OR REPLACE INTO t(a, b) VALUES (1, 'x'), (2, x'00'), (:a, @b);\n\
         INSERT INTO t SELECT * FROM u UNION ALL SELECT * FROM v;\n\
         UPDATE OR IGNORE t SET (a, b) = (1, 2), c = c || 'x' WHERE d IS NOT NULL;\n\
         DELETE FROM t WHERE a = -9223372036854775808 OR b = 0x7fffffffffffffff;\n\
         EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1;\n\
         DROP TABLE IF EXISTS t; DROP INDEX i; ROLLBACK TO sp; RELEASE sp; SAVEPOINT sp;\n",
    );
    script
}

#[test]
fn out_of_memory_at_every_allocation_fails_cleanly() {
    let script = long_script();
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let mut parser = Parser::new(&script, fault);
                let mut statements = Vec::new();
                while let Some(parsed) = parser.next_statement()? {
                    statements.push(parsed);
                }
                Ok::<usize, ParseError>(statements.len())
            },
            |n, error| {
                assert_eq!(error, ParseError::OutOfMemory, "allocation {n}");
                assert_eq!(arena.stats().live_allocations, 0, "allocation {n} leaked");
            },
        )
        .unwrap();
        assert_eq!(report.value, SCHEMA.len() + WORKLOAD.len() + 11);
        // A transient failure may be absorbed (a vector that cannot double
        // retries the exact size); a persistent one never is.
        if persistent {
            assert_eq!(report.errors, report.failure_points);
        } else {
            assert!(report.errors > report.failure_points / 2);
        }
        assert!(
            report.allocations > 3 * report.value,
            "{}",
            report.allocations
        );
        assert_eq!(arena.stats().live_allocations, 0);
    }
}

/// splitmix64: a small seeded generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items[self.below(items.len())]
    }
}

const VOCABULARY: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "(",
    ")",
    ",",
    "*",
    "+",
    "-",
    "NOT",
    "AND",
    "OR",
    "=",
    "<",
    ">=",
    "IN",
    "LIKE",
    "BETWEEN",
    "IS",
    "NULL",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "AS",
    "INTEGER",
    "a",
    "b",
    "t",
    "1",
    "2.5",
    "'s'",
    "x'00'",
    "?",
    ":p",
    "?3",
    "COLLATE",
    "NOCASE",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "HAVING",
    "DISTINCT",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "INDEX",
    "UNIQUE",
    "ON",
    "PRIMARY",
    "KEY",
    "DEFAULT",
    "CHECK",
    "DROP",
    "IF",
    "EXISTS",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "PRAGMA",
    "EXPLAIN",
    "QUERY",
    "PLAN",
    ";",
    "||",
    ".",
    "JOIN",
    "LEFT",
    "UNION",
    "ALL",
    "ESCAPE",
    "ISNULL",
    "NOTNULL",
    "TRIGGER",
    "VIEW",
    "REFERENCES",
    "-- c\n",
    "/* c */",
    "\"q\"",
    "[b]",
    "rowid",
    "WITHOUT",
    "AUTOINCREMENT",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "count",
    "max",
    "~",
    "<<",
    "&",
    "%",
    "/",
    "->>",
    "!=",
    "==",
    "<>",
    "TRUE",
    "RAISE",
    "ABORT",
    "REPLACE",
    "IGNORE",
    "9223372036854775808",
    "0x10",
    "DISTINCT",
    "FOREIGN",
    "CONSTRAINT",
    "GENERATED",
    "ALWAYS",
    "STRICT",
    "INSTEAD",
    "OF",
    "FOR",
    "EACH",
    "ROW",
    "NATURAL",
    "USING",
    "INDEXED",
    "TEMP",
];

/// Parses every statement of `sql`; each one that parses must display as
/// SQL that parses to the same display and parameter count.
fn parse_and_check(sql: &str) {
    let mut parser = Parser::new(sql, Global);
    while let Ok(Some(parsed)) = parser.next_statement() {
        let shown = std::format!("{}", parsed.stmt);
        let mut again = Parser::new(&shown, Global);
        match again.next_statement() {
            Ok(Some(reparsed)) => {
                assert_eq!(std::format!("{}", reparsed.stmt), shown, "from {sql:?}");
                assert_eq!(reparsed.params.count(), parsed.params.count(), "{sql:?}");
            }
            other => panic!("{sql:?} displayed as {shown:?}: {:?}", other.err()),
        }
    }
}

#[test]
fn random_token_sequences_never_panic() {
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..20_000 {
        let len = 1 + rng.below(30);
        let mut sql = String::new();
        for _ in 0..len {
            sql.push_str(rng.pick(VOCABULARY));
            sql.push(' ');
        }
        parse_and_check(&sql);
    }
}

#[test]
fn mutated_real_statements_never_panic() {
    let mut rng = Rng(0x5eed_0002);
    let corpus: Vec<&str> = SCHEMA.iter().chain(WORKLOAD).copied().collect();
    for _ in 0..20_000 {
        let source = rng.pick(&corpus);
        let mut tokens: Vec<&str> = Vec::new();
        let mut lexer = crate::sql::Lexer::new(source);
        while let Ok(t) = lexer.next_token() {
            if t.kind == crate::sql::TokenKind::Eof {
                break;
            }
            tokens.push(t.text);
        }
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(tokens.len().max(1));
            match rng.below(4) {
                0 if !tokens.is_empty() => {
                    tokens.remove(at);
                }
                1 => tokens.insert(at.min(tokens.len()), rng.pick(VOCABULARY)),
                2 if at < tokens.len() => tokens[at] = rng.pick(VOCABULARY),
                _ if at + 1 < tokens.len() => tokens.swap(at, at + 1),
                _ => {}
            }
        }
        parse_and_check(&tokens.join(" "));
    }
}

#[test]
fn random_text_never_panics() {
    let mut rng = Rng(0x5eed_0003);
    let pieces = [
        "'", "\"", "`", "[", "]", "(", ")", "x'", "0x", "1", "e", ".", "-", "-", "/", "*", "?",
        ":", "$", "@", "a", "é", "€", " ", "\n", ";", "\u{0}", "!", "=", "<", ">", "|", "SELECT",
    ];
    for _ in 0..20_000 {
        let len = 1 + rng.below(20);
        let mut sql = String::new();
        for _ in 0..len {
            sql.push_str(rng.pick(&pieces));
        }
        parse_and_check(&sql);
    }
}
