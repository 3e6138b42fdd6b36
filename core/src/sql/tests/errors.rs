//! Errors: where they point, how they are worded (as SQLite words them),
//! what the parser refuses, and how they convert to the engine's error.

extern crate std;

use std::string::ToString;

use super::{error, message};
use crate::alloc::{Global, OutOfMemory};
use crate::sql::{ParseError, Parser, SqlError, SqlErrorKind, parse_one};

/// Each case: SQL, the error's kind, offset and length, and SQLite's
/// wording.
fn check(cases: &[(&str, SqlErrorKind, usize, usize, &str)]) {
    for &(sql, kind, offset, len, text) in cases {
        let e = error(sql);
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (kind, offset, len),
            "{sql}: {e:?}"
        );
        assert_eq!(message(sql), text, "{sql}");
    }
}

#[test]
fn syntax_errors_point_at_the_offending_token() {
    use SqlErrorKind::*;
    check(&[
        (
            "SELECT * FORM t",
            Syntax,
            9,
            4,
            "near \"FORM\": syntax error",
        ),
        ("SELEC 1", Syntax, 0, 5, "near \"SELEC\": syntax error"),
        ("SELECT 1 +;", Syntax, 10, 1, "near \";\": syntax error"),
        ("SELECT a b c", Syntax, 11, 1, "near \"c\": syntax error"),
        ("SELECT FROM t", Syntax, 7, 4, "near \"FROM\": syntax error"),
        (
            "CREATE TABLE t(a,)",
            Syntax,
            17,
            1,
            "near \")\": syntax error",
        ),
        (
            "CREATE TABLE t()",
            Syntax,
            15,
            1,
            "near \")\": syntax error",
        ),
        (
            "CREATE TABLE t(PRIMARY KEY(a))",
            Syntax,
            15,
            7,
            "near \"PRIMARY\": syntax error",
        ),
        (
            "CREATE TABLE t(a, UNIQUE(a),)",
            Syntax,
            28,
            1,
            "near \")\": syntax error",
        ),
        (
            "INSERT INTO t VALUES 1",
            Syntax,
            21,
            1,
            "near \"1\": syntax error",
        ),
        (
            "UPDATE t SET a = 1 LIMIT 1",
            Syntax,
            19,
            5,
            "near \"LIMIT\": syntax error",
        ),
        ("SELECT a NOT b", Syntax, 13, 1, "near \"b\": syntax error"),
        ("SELECT CASE END", Incomplete, 15, 0, "incomplete input"),
        (
            "EXPLAIN EXPLAIN SELECT 1",
            Syntax,
            8,
            7,
            "near \"EXPLAIN\": syntax error",
        ),
        (
            "SELECT 1; SELEC 2",
            Syntax,
            10,
            5,
            "near \"SELEC\": syntax error",
        ),
        ("DROP t", Syntax, 5, 1, "near \"t\": syntax error"),
        ("SELECT 1 /*", Syntax, 10, 1, "near \"*\": syntax error"),
        // `CAST` and `RAISE` are never column names in an expression.
        (
            "SELECT cast FROM t",
            Syntax,
            12,
            4,
            "near \"FROM\": syntax error",
        ),
        (
            "SELECT raise + 1",
            Syntax,
            13,
            1,
            "near \"+\": syntax error",
        ),
        (
            "SELECT * FROM t NATURAL u",
            Syntax,
            24,
            1,
            "near \"u\": syntax error",
        ),
        (
            "VACUUM",
            Syntax,
            0,
            6,
            "near \"VACUUM\": statement not supported",
        ),
    ]);
}

#[test]
fn lexer_and_end_of_input_errors() {
    use SqlErrorKind::*;
    check(&[
        (
            "SELECT 'abc",
            UnrecognizedToken,
            7,
            4,
            "unrecognized token: \"'abc\"",
        ),
        (
            "SELECT 1 + 'abc",
            UnrecognizedToken,
            11,
            4,
            "unrecognized token: \"'abc\"",
        ),
        (
            "SELECT x'abc'",
            UnrecognizedToken,
            7,
            6,
            "unrecognized token: \"x'abc'\"",
        ),
        (
            "SELECT 1abc",
            UnrecognizedToken,
            7,
            4,
            "unrecognized token: \"1abc\"",
        ),
        (
            "SELECT \"abc",
            UnrecognizedToken,
            7,
            4,
            "unrecognized token: \"\"abc\"",
        ),
        (
            "SELECT [abc",
            UnrecognizedToken,
            7,
            4,
            "unrecognized token: \"[abc\"",
        ),
        (
            "SELECT 1 ! 2",
            UnrecognizedToken,
            9,
            1,
            "unrecognized token: \"!\"",
        ),
        (
            "SELECT 1; SELECT 'x",
            UnrecognizedToken,
            17,
            2,
            "unrecognized token: \"'x\"",
        ),
        ("SELECT", Incomplete, 6, 0, "incomplete input"),
        ("SELECT 1 +", Incomplete, 10, 0, "incomplete input"),
        ("SELECT (1", Incomplete, 9, 0, "incomplete input"),
        ("CREATE TABLE", Incomplete, 12, 0, "incomplete input"),
        ("SELECT 1 FROM", Incomplete, 13, 0, "incomplete input"),
        (
            "SELECT 1 FROM t WHERE -- x",
            Incomplete,
            26,
            0,
            "incomplete input",
        ),
    ]);
}

#[test]
fn refused_constructs_and_limits_say_why() {
    use SqlErrorKind::*;
    check(&[
        (
            "SELECT ?0",
            Unsupported,
            7,
            2,
            "variable number must be between ?1 and ?32766",
        ),
        (
            "SELECT ?32767",
            Unsupported,
            7,
            6,
            "variable number must be between ?1 and ?32766",
        ),
        (
            "SELECT ?99999999999999999999",
            Unsupported,
            7,
            21,
            "variable number must be between ?1 and ?32766",
        ),
        (
            "SELECT ?32766, ?",
            Unsupported,
            15,
            1,
            "too many SQL variables",
        ),
        (
            "SELECT 0x10000000000000000",
            Detail,
            7,
            19,
            "hex literal too big: 0x10000000000000000",
        ),
        (
            "INSERT INTO t VALUES (1), (1, 2)",
            Unsupported,
            26,
            1,
            "all VALUES must have the same number of terms",
        ),
        (
            "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT(a) DO NOTHING",
            Syntax,
            48,
            2,
            "near \"ON\": syntax error",
        ),
        (
            "CREATE VIRTUAL TABLE t USING fts5(a)",
            Unsupported,
            7,
            7,
            "virtual tables are not supported",
        ),
        (
            "CREATE TABLE t(a) WITHOUT x",
            Detail,
            26,
            1,
            "unknown table option: x",
        ),
        (
            "CREATE TABLE t(a) FOO",
            Detail,
            18,
            3,
            "unknown table option: FOO",
        ),
        (
            "SELECT * FROM pragma_table_info('t')",
            Unsupported,
            31,
            1,
            "table-valued functions are not supported",
        ),
        (
            "SELECT * FROM t RIGHT JOIN (u JOIN v)",
            Unsupported,
            27,
            1,
            "a parenthesised join right of a RIGHT, FULL or NATURAL JOIN is not supported",
        ),
        (
            "SELECT * FROM (t JOIN u) AS w",
            Unsupported,
            14,
            1,
            "a parenthesised join with an alias is not supported",
        ),
        (
            "SELECT a IN f(1)",
            Unsupported,
            13,
            1,
            "table-valued functions are not supported",
        ),
        (
            "SELECT group_concat(a ORDER BY b)",
            Unsupported,
            22,
            5,
            "ORDER BY in function arguments is not supported",
        ),
        (
            "CREATE INDEX i ON t(a NULLS FIRST)",
            Unsupported,
            22,
            5,
            "unsupported use of NULLS FIRST",
        ),
    ]);
    let e = parse_one("SELECT 1; SELECT 2", Global).unwrap_err();
    let ParseError::Sql(e) = e else { panic!() };
    assert_eq!((e.offset(), e.message()), (10, "more than one statement"));
    let ParseError::Sql(e) = parse_one(" -- nothing", Global).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.kind(), SqlErrorKind::Incomplete);
}

#[test]
fn an_unclosed_block_comment_is_not_an_error() {
    // SQLite reads it to the end of the text.
    assert_eq!(super::script("SELECT 1 /* unterminated"), ["SELECT 1"]);
}

#[test]
fn the_parser_is_finished_after_an_error() {
    let sql = "SELECT 1; SELEC 2; SELECT 3";
    let mut parser = Parser::new(sql, Global);
    assert!(parser.next_statement().unwrap().is_some());
    assert!(parser.next_statement().is_err());
    assert_eq!(parser.tail(), " SELEC 2; SELECT 3");
    assert!(parser.next_statement().unwrap().is_none());
}

#[test]
fn errors_display_and_convert() {
    let e = SqlError::syntax(9, 4, "syntax error");
    assert_eq!(e.to_string(), "syntax error at byte 9");
    assert_eq!(e.span(), 9..13);
    assert_eq!(
        e.with_sql("SELECT * FORM t").to_string(),
        "near \"FORM\": syntax error"
    );
    assert_eq!(
        std::format!("{:#}", e.with_sql("SELECT * FORM t")),
        "near \"FORM\": syntax error (at byte 9)"
    );
    // Text that does not cover the span still displays.
    assert_eq!(e.with_sql("short").to_string(), "near \"\": syntax error");
    let engine: crate::Error = e.into();
    assert_eq!(engine.code(), 1);
    // The engine error keeps where the text went wrong.
    assert_eq!(engine, crate::Error::Syntax(e));
    assert_eq!(engine.to_string(), "SQL error: syntax error at byte 9");
    let engine: crate::Error = ParseError::from(OutOfMemory).into();
    assert_eq!(engine, crate::Error::OutOfMemory);
    assert_eq!(ParseError::OutOfMemory.to_string(), "out of memory");
    let incomplete = SqlError::new(SqlErrorKind::Incomplete, 6, 0, "incomplete input");
    assert!(incomplete.is_empty());
    assert_eq!(incomplete.to_string(), "incomplete input");
    assert_eq!(core::mem::size_of::<SqlError>(), 32);
}
