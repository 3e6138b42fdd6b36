//! Unit tests of the evaluator, one group per file of the module; the
//! differential test against SQLite is `tests/tests/eval_compat.rs`.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use core::cell::Cell;

use crate::alloc::Global;
use crate::record::{Collation, ValueRef};
use crate::sql::ast::{Affinity, BinaryOp, ColumnRef, ParamNo};
use crate::sql::{ResultColumn, Stmt, parse_one};
use crate::{Error, Result};

use super::num::{IntText, NumText, RealText, atof, atoi};
use super::*;

fn render(r: f64) -> &'static str {
    extern crate std;
    std::string::String::from_utf8(NumText::real(r).as_bytes().to_vec())
        .unwrap()
        .leak()
}

#[test]
fn reals_render_as_sqlite_renders_them() {
    assert_eq!(render(1.0), "1.0");
    assert_eq!(render(0.1), "0.1");
    assert_eq!(render(1e20), "1.0e+20");
    assert_eq!(render(1e15), "1000000000000000.0");
    assert_eq!(render(-2.5), "-2.5");
    assert_eq!(render(1.5e-7), "1.5e-07");
    assert_eq!(render(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(render(9.223372036854776e18), "9.2233720368547758e+18");
    assert_eq!(render(f64::INFINITY), "Inf");
    assert_eq!(render(-0.0), "0.0");
    assert_eq!(render(1e300), "1.0e+300");
    assert_eq!(
        NumText::integer(i64::MIN).as_bytes(),
        b"-9223372036854775808"
    );
}

#[test]
fn text_reads_as_numbers_by_sqlites_prefix_rules() {
    assert_eq!(atof(b" 12 "), (12.0, RealText::Integer));
    assert_eq!(atof(b"1.5abc"), (1.5, RealText::RealPrefix));
    assert_eq!(atof(b"12abc"), (12.0, RealText::NotNumeric));
    assert_eq!(atof(b"1e5"), (1e5, RealText::Real));
    assert_eq!(atof(b"1e"), (1.0, RealText::NotNumeric));
    assert_eq!(atof(b"."), (0.0, RealText::NotNumeric));
    assert_eq!(atoi(b"0x10"), (0, IntText::Excess));
    assert_eq!(atoi(b""), (0, IntText::NoDigits));
    assert_eq!(atoi(b"-9223372036854775808"), (i64::MIN, IntText::Exact));
    assert_eq!(atoi(b"9223372036854775808"), (i64::MAX, IntText::Overflow));
    assert_eq!(atoi(b"000000000000000000000042"), (42, IntText::Exact));
}

#[test]
fn affinity_on_storing() {
    let a = |v, aff| apply_affinity(v, aff).as_ref().value_type();
    use crate::record::ValueType as T;
    assert_eq!(a(ValueRef::text("12"), Affinity::Integer), T::Integer);
    assert_eq!(a(ValueRef::text("1.5"), Affinity::Numeric), T::Real);
    assert_eq!(a(ValueRef::text("1.0"), Affinity::Numeric), T::Integer);
    assert_eq!(a(ValueRef::text("12abc"), Affinity::Integer), T::Text);
    assert_eq!(a(ValueRef::Integer(5), Affinity::Real), T::Real);
    assert_eq!(a(ValueRef::Real(2.0), Affinity::Integer), T::Integer);
    assert_eq!(a(ValueRef::Integer(5), Affinity::Text), T::Text);
    assert_eq!(a(ValueRef::text("5"), Affinity::Blob), T::Text);
    assert_eq!(a(ValueRef::Blob(b"5"), Affinity::Integer), T::Blob);
    assert_eq!(
        apply_affinity(ValueRef::text("9223372036854775808"), Affinity::Integer).as_ref(),
        ValueRef::Real(9.223_372_036_854_776e18)
    );
}

#[test]
fn affinity_on_comparing() {
    use Affinity::*;
    assert_eq!(comparison_affinity(Some(Integer), None), Some(Integer));
    assert_eq!(comparison_affinity(Some(Text), Some(Blob)), Some(Blob));
    assert_eq!(comparison_affinity(Some(Text), Some(Real)), Some(Numeric));
    assert_eq!(comparison_affinity(None, None), None);
    let c = |v, a| match apply_comparison_affinity(v, a) {
        Coerced::Value(v) => std::format!("{v:?}"),
        Coerced::Text(t) => std::format!("{t:?}"),
    };
    extern crate std;
    assert_eq!(c(ValueRef::text(" 7"), Some(Numeric)), "Integer(7)");
    assert_eq!(c(ValueRef::Integer(7), Some(Text)), "7");
    assert_eq!(c(ValueRef::text("7"), None), "Text([55])");
}

#[test]
fn casts() {
    let c = |v, a| cast(v, a, Global).unwrap();
    assert_eq!(
        c(ValueRef::text("1e3"), Affinity::Integer),
        Value::<Global>::Integer(1)
    );
    assert_eq!(
        c(ValueRef::Real(1e300), Affinity::Integer),
        Value::<Global>::Integer(i64::MAX)
    );
    assert_eq!(
        c(ValueRef::text("abc"), Affinity::Real),
        Value::<Global>::Real(0.0)
    );
    assert_eq!(
        c(ValueRef::text("1.5x"), Affinity::Numeric),
        Value::<Global>::Real(1.5)
    );
    assert_eq!(
        c(ValueRef::Real(1.0), Affinity::Numeric),
        Value::<Global>::Real(1.0)
    );
    assert_eq!(
        c(ValueRef::Integer(3), Affinity::Blob).as_ref(),
        ValueRef::Blob(b"3")
    );
    assert_eq!(c(ValueRef::Null, Affinity::Text), Value::<Global>::Null);
}

#[test]
fn arithmetic_and_bitwise() {
    use BinaryOp::*;
    let i = ValueRef::Integer;
    assert_eq!(
        arithmetic(Mul, i(i64::MAX), i(2)),
        ValueRef::Real(i64::MAX as f64 * 2.0)
    );
    assert_eq!(
        arithmetic(Div, i(i64::MIN), i(-1)),
        ValueRef::Real(9.223_372_036_854_776e18)
    );
    assert_eq!(arithmetic(Rem, i(i64::MIN), i(-1)), i(0));
    assert_eq!(
        arithmetic(Rem, ValueRef::Real(5.5), i(2)),
        ValueRef::Real(1.0)
    );
    assert_eq!(
        arithmetic(Div, ValueRef::Real(1.0), ValueRef::Real(0.0)),
        ValueRef::Null
    );
    assert_eq!(arithmetic(Add, ValueRef::text("abc"), i(1)), i(1));
    assert_eq!(arithmetic(Add, ValueRef::Null, i(1)), ValueRef::Null);
    assert_eq!(bitwise(ShiftLeft, i(1), i(64)), i(0));
    assert_eq!(bitwise(ShiftRight, i(-1), i(1)), i(-1));
    assert_eq!(bitwise(BitAnd, ValueRef::text("12"), i(4)), i(4));
    assert_eq!(
        concat(ValueRef::Real(1.0), ValueRef::Integer(2), Global)
            .unwrap()
            .as_ref(),
        ValueRef::text("1.02")
    );
}

#[test]
fn three_valued_logic() {
    use super::ops::{and, comparison, or};
    assert_eq!(and(Some(false), None), Some(false));
    assert_eq!(and(Some(true), None), None);
    assert_eq!(or(Some(true), None), Some(true));
    assert_eq!(or(Some(false), None), None);
    let cmp = |op, a, b| comparison(op, a, b, Collation::Binary);
    assert_eq!(cmp(BinaryOp::Eq, ValueRef::Null, ValueRef::Null), None);
    assert_eq!(
        cmp(BinaryOp::Is, ValueRef::Null, ValueRef::Null),
        Some(true)
    );
    assert_eq!(
        cmp(BinaryOp::IsNot, ValueRef::Integer(1), ValueRef::Null),
        Some(true)
    );
    assert_eq!(
        cmp(BinaryOp::Lt, ValueRef::Integer(9), ValueRef::text("1")),
        Some(true)
    );
    assert_eq!(
        comparison(
            BinaryOp::Eq,
            ValueRef::text("A"),
            ValueRef::text("a"),
            Collation::NoCase
        ),
        Some(true)
    );
}

#[test]
fn like_and_glob() {
    assert!(like(b"%", b"", None));
    assert!(like(b"_b%", b"ABC", None));
    assert!(!like(b"_", b"", None));
    assert!(like(b"%\xc3\xa9", b"caf\xc3\xa9", None));
    assert!(like(b"a_c", b"a\xc3\xa9c", None));
    assert!(like(b"x%", b"x\0y", None));
    assert!(glob(b"[]x]", b"]"));
    assert!(glob(b"[a-]", b"-"));
    assert!(!glob(b"[abc", b"a"));
    assert!(glob(b"*.rs", b"main.rs"));
    assert!(!glob(b"a*", b"A"));
    assert!(!like(b"a!", b"a", Some(u32::from(b'!'))));
    // A pattern that makes naive backtracking exponential finishes fast.
    let text = [b'a'; 4000];
    let mut pattern = [b'%'; 41];
    for k in (1..40).step_by(2) {
        pattern[k] = b'a';
    }
    pattern[40] = b'b';
    assert!(!like(&pattern, &text, None));
}

/// A row of two columns: `n` (INTEGER affinity, value 7) and `t` (TEXT
/// affinity, NOCASE, value 'Abc'); parameter 1 is 'x'.
struct Row {
    calls: Cell<i64>,
}

impl EvalContext<Global> for Row {
    fn allocator(&self) -> Global {
        Global
    }
    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        if column.column.eq_ignore_ascii_case("n") {
            Ok(ValueRef::Integer(7))
        } else if column.column.eq_ignore_ascii_case("t") {
            Ok(ValueRef::text("Abc"))
        } else {
            Err(Error::Sql("no such column"))
        }
    }
    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        if column.column.eq_ignore_ascii_case("n") {
            Some(Affinity::Integer)
        } else {
            Some(Affinity::Text)
        }
    }
    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        if column.column.eq_ignore_ascii_case("t") {
            Collation::NoCase
        } else {
            Collation::Binary
        }
    }
    fn param(&self, number: ParamNo) -> Result<ValueRef<'_>> {
        Ok(if number.get() == 1 {
            ValueRef::text("x")
        } else {
            ValueRef::Null
        })
    }
    fn random(&self) -> i64 {
        self.calls.set(self.calls.get() + 1);
        42
    }
}

fn eval_in(sql_expr: &str, ctx: &Row) -> Result<Value<Global>> {
    extern crate std;
    let sql = std::format!("SELECT {sql_expr}");
    let parsed = parse_one(&sql, Global).unwrap();
    let Stmt::Select(select) = &parsed.stmt else {
        panic!()
    };
    let body = &select.core;
    let ResultColumn::Expr { expr, .. } = &body.columns[0] else {
        panic!()
    };
    evaluate(expr, ctx)
}

fn row() -> Row {
    Row {
        calls: Cell::new(0),
    }
}

fn int(sql: &str) -> i64 {
    match eval_in(sql, &row()).unwrap() {
        Value::Integer(i) => i,
        other => panic!("{sql}: {other:?}"),
    }
}

#[test]
fn columns_bring_affinity_and_collation() {
    assert_eq!(int("n = '7'"), 1);
    assert_eq!(int("n = ' 7.0 '"), 1);
    assert_eq!(int("'7' = n"), 1);
    assert_eq!(int("t = 'abc'"), 1);
    assert_eq!(int("t = 'abc' COLLATE binary"), 0);
    assert_eq!(int("'abc' = t"), 1);
    assert_eq!(int("t IN ('ABC', 'x')"), 1);
    assert_eq!(int("n IN ('7', 8)"), 1);
    assert_eq!(int("t BETWEEN 'a' AND 'b'"), 1);
    assert_eq!(int("CAST(n AS TEXT) = 7"), 1);
    assert_eq!(int("? = 'x'"), 1);
    assert_eq!(int("max(t, 'abc') = 'Abc'"), 1);
    assert_eq!(
        eval_in("nope + 1", &row()).unwrap_err(),
        Error::Sql("no such column")
    );
}

#[test]
fn evaluation_errors_and_functions() {
    let r = row();
    let err = |sql| eval_in(sql, &r).unwrap_err();
    assert_eq!(
        err("abs(-9223372036854775808)"),
        Error::Sql("integer overflow")
    );
    assert_eq!(
        err("nosuch(1)"),
        crate::Named::NoSuchFunction.error("nosuch")
    );
    assert_eq!(
        err("length(1, 2)"),
        Error::Sql("wrong number of arguments to function length()")
    );
    assert_eq!(
        err("'a' COLLATE klingon"),
        Error::Sql("no such collation sequence")
    );
    assert_eq!(
        err("'a' LIKE 'a' ESCAPE 'xy'"),
        Error::Sql("ESCAPE expression must be a single character")
    );
    assert_eq!(err("count(*)"), Error::Sql("misuse of aggregate function"));
    assert_eq!(
        eval_in("random()", &r).unwrap(),
        Value::<Global>::Integer(42)
    );
    assert_eq!(r.calls.get(), 1);
    let text = |sql| eval_in(sql, &row()).unwrap();
    assert_eq!(
        text("substr('héllo', -3, 2)").as_ref(),
        ValueRef::text("ll")
    );
    assert_eq!(text("substr('hello', 0, 2)").as_ref(), ValueRef::text("h"));
    assert_eq!(
        text("substr(x'010203', 2)").as_ref(),
        ValueRef::Blob(&[2, 3])
    );
    assert_eq!(text("round(2.5)").as_ref(), ValueRef::Real(3.0));
    assert_eq!(text("round(0.125, 2)").as_ref(), ValueRef::Real(0.13));
    assert_eq!(text("hex('é')").as_ref(), ValueRef::text("C3A9"));
    assert_eq!(text("length('héllo')").as_ref(), ValueRef::Integer(5));
    assert_eq!(text("typeof(zeroblob(3))").as_ref(), ValueRef::text("blob"));
    assert_eq!(text("instr('héllo', 'l')").as_ref(), ValueRef::Integer(3));
    assert_eq!(text("trim('xxaxx', 'x')").as_ref(), ValueRef::text("a"));
    assert_eq!(text("quote('it''s')").as_ref(), ValueRef::text("'it''s'"));
    assert_eq!(
        text("coalesce(NULL, NULL, 3)").as_ref(),
        ValueRef::Integer(3)
    );
    assert_eq!(text("nullif(1, 1.0)").as_ref(), ValueRef::Null);
    assert_eq!(
        text("CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' END").as_ref(),
        ValueRef::text("b")
    );
    assert_eq!(text("NULL NOT IN (1, NULL)").as_ref(), ValueRef::Null);
    assert_eq!(text("1 NOT IN ()").as_ref(), ValueRef::Integer(1));
    assert_eq!(text("5 IS TRUE").as_ref(), ValueRef::Integer(1));
    assert_eq!(text("-0.0").as_ref(), ValueRef::Real(-0.0));
}

#[test]
fn condition_reads_truth_without_copying() {
    let r = row();
    extern crate std;
    let parsed = parse_one("SELECT t LIKE 'a%' AND n > 5", Global).unwrap();
    let Stmt::Select(select) = &parsed.stmt else {
        panic!()
    };
    let body = &select.core;
    let ResultColumn::Expr { expr, .. } = &body.columns[0] else {
        panic!()
    };
    assert_eq!(evaluate_condition(expr, &r), Ok(Some(true)));
}
