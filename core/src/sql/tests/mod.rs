//! Tests of the SQL front end: the lexer's token classes and edges,
//! expression precedence, every statement form, error positions, the
//! depth limit, an OOM sweep, seeded fuzzing, and a corpus of real
//! statements.
// Test scaffolding uses std's collections; the code under test does not.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod corpus;
mod errors;
mod expr;
mod lexer;
mod robust;
mod stmt;

use std::string::{String, ToString};
use std::vec::Vec;

use crate::alloc::Global;
use crate::sql::{ParseError, Parsed, Parser, ResultColumn, SqlError, Stmt, parse_one};

/// The one statement `sql` holds, or a panic naming the error.
fn parse(sql: &str) -> Parsed<'_, Global> {
    match parse_one(sql, Global) {
        Ok(p) => p,
        Err(ParseError::Sql(e)) => panic!("{sql}: {} at {}", e.with_sql(sql), e.offset()),
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// The statement displayed; checks that the display parses back to
/// itself.
fn show(sql: &str) -> String {
    let shown = parse(sql).stmt.to_string();
    let again = parse(&shown).stmt.to_string();
    assert_eq!(
        shown, again,
        "display of {sql:?} does not parse back the same"
    );
    shown
}

/// The expression `e` displayed (parsed as `SELECT e`).
fn expr(e: &str) -> String {
    let sql = std::format!("SELECT {e}");
    let parsed = parse(&sql);
    let Stmt::Select(select) = &parsed.stmt else {
        panic!("not a select")
    };
    let body = &select.core;
    match body.columns.as_slice() {
        [
            ResultColumn::Expr {
                expr, alias: None, ..
            },
        ] => {
            let shown = expr.to_string();
            show(&sql);
            shown
        }
        other => panic!("{e}: {other:?}"),
    }
}

/// The error parsing every statement of `sql` ends with.
fn error(sql: &str) -> SqlError {
    let mut parser = Parser::new(sql, Global);
    loop {
        match parser.next_statement() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("{sql}: parsed without error"),
            Err(ParseError::Sql(e)) => return e,
            Err(e) => panic!("{sql}: {e}"),
        }
    }
}

/// The error worded as SQLite words it.
fn message(sql: &str) -> String {
    error(sql).with_sql(sql).to_string()
}

/// Every statement of `sql`, displayed.
fn script(sql: &str) -> Vec<String> {
    let mut parser = Parser::new(sql, Global);
    let mut out = Vec::new();
    while let Some(p) = parser
        .next_statement()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    {
        out.push(p.stmt.to_string());
    }
    out
}
