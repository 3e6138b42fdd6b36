//! Expressions: precedence and associativity as SQLite's grammar has
//! them, every expression form, literal values and parameter numbering.

extern crate std;

use super::{expr, parse};
use crate::record::ValueRef;
use crate::sql::{Expr, Literal, ResultColumn, Stmt};

/// Each pair: the expression and its fully parenthesised display.
fn check(cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        assert_eq!(expr(input), *expected, "{input}");
    }
}

#[test]
fn precedence_follows_sqlite() {
    check(&[
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("a OR b AND c", "(a OR (b AND c))"),
        ("a AND b OR c", "((a AND b) OR c)"),
        ("NOT a = b", "(NOT (a = b))"),
        ("NOT a AND b", "((NOT a) AND b)"),
        ("NOT NOT a", "(NOT (NOT a))"),
        ("a = NOT b", "(a = (NOT b))"),
        ("a || b = c", "((a || b) = c)"),
        ("- - 1", "(- (- 1))"),
        ("-a * b", "((- a) * b)"),
        ("~a & b", "((~ a) & b)"),
        ("+a", "(+ a)"),
        (
            "x NOT BETWEEN 1 AND 2 AND y",
            "((x NOT BETWEEN 1 AND 2) AND y)",
        ),
        (
            "x BETWEEN a + 1 AND b * 2",
            "(x BETWEEN (a + 1) AND (b * 2))",
        ),
        ("a < b = c < d", "((a < b) = (c < d))"),
        ("a = b = c", "((a = b) = c)"),
        ("a & b + c", "(a & (b + c))"),
        ("a << b | c", "((a << b) | c)"),
        ("a < b & c", "(a < (b & c))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("8 / 4 / 2", "((8 / 4) / 2)"),
        ("a * b || c", "(a * (b || c))"),
        ("a || b || c", "((a || b) || c)"),
        ("a COLLATE nocase = b", "((a COLLATE nocase) = b)"),
        ("a || b COLLATE x", "(a || (b COLLATE x))"),
        ("-a COLLATE x", "((- a) COLLATE x)"),
        ("a = b IS NOT NULL", "((a = b) IS NOT NULL)"),
        ("a IS b AND c", "((a IS b) AND c)"),
        ("a ->> '$.x' || 'y'", "((a ->> '$.x') || 'y')"),
        ("a -> 'k'", "(a -> 'k')"),
        (
            "a = 1 OR b = 2 AND NOT c",
            "((a = 1) OR ((b = 2) AND (NOT c)))",
        ),
        ("a LIKE b = c", "((a LIKE b) = c)"),
        ("a = b LIKE c", "((a = b) LIKE c)"),
        ("a LIKE b || c", "(a LIKE (b || c))"),
        ("a IN (1) = b", "((a IN (1)) = b)"),
        ("a ISNULL AND b", "((a ISNULL) AND b)"),
        ("a + b NOT NULL", "((a + b) NOTNULL)"),
        ("x % 3 * 2", "((x % 3) * 2)"),
        ("a >= b <= c", "((a >= b) <= c)"),
        ("a != b <> c == d", "(((a != b) != c) = d)"),
    ]);
}

#[test]
fn expression_forms() {
    check(&[
        ("a IS DISTINCT FROM b", "(a IS NOT b)"),
        ("a IS NOT DISTINCT FROM b", "(a IS b)"),
        ("a IS NOT b", "(a IS NOT b)"),
        ("a IS NULL", "(a IS NULL)"),
        ("a ISNULL", "(a ISNULL)"),
        ("a NOTNULL", "(a NOTNULL)"),
        ("a NOT NULL", "(a NOTNULL)"),
        ("a LIKE '%x' ESCAPE '\\'", "(a LIKE '%x' ESCAPE '\\')"),
        ("a NOT LIKE '%x'", "(a NOT LIKE '%x')"),
        ("a GLOB 'y*'", "(a GLOB 'y*')"),
        ("a NOT GLOB 'y*'", "(a NOT GLOB 'y*')"),
        ("a MATCH b", "(a MATCH b)"),
        ("a NOT REGEXP b", "(a NOT REGEXP b)"),
        ("x IN (1, 2, 3)", "(x IN (1, 2, 3))"),
        ("x NOT IN ()", "(x NOT IN ())"),
        ("x IN (SELECT y FROM t)", "(x IN (SELECT y FROM t))"),
        ("x NOT IN (VALUES (1), (2))", "(x NOT IN (VALUES (1), (2)))"),
        ("x BETWEEN 1 AND 2", "(x BETWEEN 1 AND 2)"),
        (
            "CASE WHEN a THEN 1 ELSE 2 END",
            "CASE WHEN a THEN 1 ELSE 2 END",
        ),
        (
            "case x when 1 then 'a' when 2 then 'b' end",
            "CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END",
        ),
        ("CAST(a AS VARCHAR(20))", "CAST(a AS VARCHAR(20))"),
        ("CAST(a AS unsigned big int)", "CAST(a AS unsigned big int)"),
        ("CAST(a AS)", "CAST(a AS)"),
        (
            "cast(1 + 2 AS DECIMAL(10, -2))",
            "CAST((1 + 2) AS DECIMAL(10, -2))",
        ),
        ("count(*)", "count(*)"),
        ("count(DISTINCT a)", "count(DISTINCT a)"),
        ("count(ALL a)", "count(a)"),
        ("max(a, b + 1)", "max(a, (b + 1))"),
        ("random()", "random()"),
        ("\"count\"(*)", "\"count\"(*)"),
        ("like('%a', b)", "like('%a', b)"),
        ("replace(a, 'x', 'y')", "replace(a, 'x', 'y')"),
        ("left(a, 2)", "left(a, 2)"),
        ("t.c", "t.c"),
        ("main.t.c", "main.t.c"),
        ("\"t\".\"c\"", "\"t\".\"c\""),
        ("[t].[c]", "[t].[c]"),
        ("'t'.c", "'t'.c"),
        ("key", "key"),
        ("desc", "desc"),
        ("rowid", "rowid"),
        ("new.a + old.b", "(new.a + old.b)"),
        ("EXISTS (SELECT 1)", "EXISTS (SELECT 1)"),
        (
            "NOT EXISTS (SELECT 1 FROM t)",
            "(NOT EXISTS (SELECT 1 FROM t))",
        ),
        ("(SELECT max(a) FROM t)", "(SELECT max(a) FROM t)"),
        ("(1, 2) = (a, b)", "((1, 2) = (a, b))"),
        ("((a))", "a"),
        ("current_timestamp", "CURRENT_TIMESTAMP"),
        (
            "current_date || current_time",
            "(CURRENT_DATE || CURRENT_TIME)",
        ),
        ("TRUE AND false", "(TRUE AND FALSE)"),
        ("RAISE(IGNORE)", "RAISE(IGNORE)"),
        ("raise(ABORT, 'no')", "RAISE(ABORT, 'no')"),
        ("x'0A'", "x'0A'"),
        ("'a''b'", "'a''b'"),
        ("NULL", "NULL"),
        ("?", "?"),
        (":name || @n || $x", "((:name || @n) || $x)"),
    ]);
}

/// The literal of `SELECT e`.
fn literal(e: &str) -> Literal<'_> {
    let sql = std::format!("SELECT {e}");
    let parsed = parse(&sql);
    let Stmt::Select(select) = &parsed.stmt else {
        panic!()
    };
    let body = &select.core;
    let Some(ResultColumn::Expr {
        expr: Expr::Literal(l),
        ..
    }) = body.columns.first()
    else {
        panic!("{e}: not a literal")
    };
    // The literal borrows the local text: hand back an owned copy of
    // the numbers, the only kinds the callers look at.
    match *l {
        Literal::Integer(v) => Literal::Integer(v),
        Literal::Real(v) => Literal::Real(v),
        Literal::Bool(b) => Literal::Bool(b),
        Literal::Null => Literal::Null,
        _ => panic!("{e}: not a number"),
    }
}

#[test]
fn numeric_literals_take_sqlites_values() {
    assert_eq!(literal("0"), Literal::Integer(0));
    assert_eq!(literal("007"), Literal::Integer(7));
    assert_eq!(literal("9223372036854775807"), Literal::Integer(i64::MAX));
    // Too large for 64 bits: a real, as in SQLite.
    assert_eq!(
        literal("9223372036854775808"),
        Literal::Real((1u64 << 63) as f64)
    );
    assert_eq!(literal("99999999999999999999"), Literal::Real(1e20));
    // Negated, 2^63 is the smallest integer.
    assert_eq!(literal("-9223372036854775808"), Literal::Integer(i64::MIN));
    assert_eq!(expr("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(expr("-9223372036854775809"), "(- 9.223372036854776e18)");
    // Hex is 64-bit two's complement; leading zeros do not count.
    assert_eq!(literal("0xFFFFFFFFFFFFFFFF"), Literal::Integer(-1));
    assert_eq!(literal("0x7fffffffffffffff"), Literal::Integer(i64::MAX));
    assert_eq!(literal("0x00000000000000001"), Literal::Integer(1));
    assert_eq!(literal("0x0"), Literal::Integer(0));
    assert_eq!(literal("1.5"), Literal::Real(1.5));
    assert_eq!(literal(".5"), Literal::Real(0.5));
    assert_eq!(literal("1."), Literal::Real(1.0));
    assert_eq!(literal("1e10"), Literal::Real(1e10));
    assert_eq!(literal("1.5E-3"), Literal::Real(1.5e-3));
    assert_eq!(literal("1e999"), Literal::Real(f64::INFINITY));
    assert_eq!(expr("1e999"), "1e999");
    assert_eq!(expr("1e10"), "10000000000.0");
    assert_eq!(expr("10.0"), "10.0");
    assert_eq!(literal("TRUE"), Literal::Bool(true));
    assert_eq!(literal("null"), Literal::Null);
}

#[test]
fn literals_convert_to_values_without_memory() {
    let parsed = parse("SELECT 1, 2.5, 'a', 'a''b', NULL, TRUE, x'00', CURRENT_DATE");
    let Stmt::Select(select) = &parsed.stmt else {
        panic!()
    };
    let body = &select.core;
    let values: std::vec::Vec<_> = body
        .columns
        .iter()
        .map(|c| match c {
            ResultColumn::Expr {
                expr: Expr::Literal(l),
                ..
            } => l.as_value_ref(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        values,
        [
            Some(ValueRef::Integer(1)),
            Some(ValueRef::Real(2.5)),
            Some(ValueRef::text("a")),
            None,
            Some(ValueRef::Null),
            Some(ValueRef::Integer(1)),
            None,
            None,
        ]
    );
}

#[test]
fn parameters_are_numbered_as_sqlite_numbers_them() {
    let numbers = |sql: &'static str| {
        let parsed = parse(sql);
        (parsed.params.count(), (), parsed)
    };
    let (count, _, p) = numbers("SELECT ?, ?, ?");
    assert_eq!(count, 3);
    assert_eq!(p.params.names().count(), 0);
    let (count, _, p) = numbers("SELECT ?5, ?");
    assert_eq!(count, 6);
    assert_eq!(p.params.name_of(5), Some("?5"));
    assert_eq!(p.params.name_of(6), None);
    let (count, _, p) = numbers("SELECT :a, :b, :a, @a, $a");
    assert_eq!(count, 4);
    assert_eq!(p.params.index_of(":a"), Some(1));
    assert_eq!(p.params.index_of(":b"), Some(2));
    assert_eq!(p.params.index_of("@a"), Some(3));
    assert_eq!(p.params.index_of("$a"), Some(4));
    assert_eq!(p.params.index_of("a"), None);
    let (count, _, p) = numbers("SELECT ?2, :a");
    assert_eq!(count, 3);
    assert_eq!(p.params.index_of(":a"), Some(3));
    let (count, _, p) = numbers("SELECT :a, ?1");
    assert_eq!(count, 1);
    assert_eq!(p.params.name_of(1), Some(":a"));
    let (count, _, _) = numbers("SELECT ?32766");
    assert_eq!(count, 32766);
    // Each statement numbers its own.
    let mut parser = crate::sql::Parser::new("SELECT ?, ?; SELECT ?", crate::alloc::Global);
    assert_eq!(parser.next_statement().unwrap().unwrap().params.count(), 2);
    assert_eq!(parser.next_statement().unwrap().unwrap().params.count(), 1);
    // Where each parameter is bound: the tree records the number.
    let parsed = parse("SELECT :x + ?3 + ? + :x");
    let shown = std::format!("{:?}", parsed.stmt);
    for n in ["ParamNo(1)", "ParamNo(3)", "ParamNo(4)"] {
        assert!(shown.contains(n), "{n} in {shown}");
    }
    assert!(!shown.contains("ParamNo(2)"));
}
