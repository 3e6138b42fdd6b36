//! Running a statement on boundlite and on SQLite (rusqlite) and checking
//! they agree on everything it could change: its rows or its error, then
//! every table's rows and the change counts.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite::platform::Platform;
use boundlite::{Connection, Error};

use crate::compare::{Exact, Owned};

/// The rows of every table of the schema, in rowid order, with the
/// change counts: what must agree after each statement.
pub fn state_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    tables: &[String],
) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::ours_ok(
        conn,
        "SELECT changes(), total_changes(), last_insert_rowid()",
    )];
    for t in tables {
        all.push(Exact::ours_ok(
            conn,
            &format!(
                "SELECT rowid, * FROM \"{}\" ORDER BY rowid",
                t.replace('"', "\"\"")
            ),
        ));
    }
    all
}

pub fn state_theirs(conn: &rusqlite::Connection, tables: &[String]) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::theirs_ok(
        conn,
        "SELECT changes(), total_changes(), last_insert_rowid()",
    )];
    for t in tables {
        all.push(Exact::theirs_ok(
            conn,
            &format!(
                "SELECT rowid, * FROM \"{}\" ORDER BY rowid",
                t.replace('"', "\"\"")
            ),
        ));
    }
    all
}

/// The tables of SQLite's schema.
pub fn tables_of(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// How a statement ran on both engines.
#[derive(Debug, PartialEq)]
pub enum Ran {
    /// Both ran it, alike.
    Same,
    /// Both failed, with the same message.
    Failed,
    /// boundlite refused it by name.
    Refused,
}

/// Runs `sql` on both engines and checks they agree: rows, or the error
/// (ours must contain SQLite's message), then every table and the change
/// counts.
pub fn compare<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> Ran {
    let a = Exact::ours(mine, sql);
    let b = Exact::theirs(oracle, sql);
    let ran = match (&a, &b) {
        (Ok(x), Ok(y)) => {
            assert_eq!(x, y, "{context}: rows differ for {sql}");
            Ran::Same
        }
        (Err(e), _) if e.to_string().contains("not supported") => {
            println!("{context}: refused {sql}: {e}");
            return Ran::Refused;
        }
        (Err(e), Err(f)) => {
            let theirs = match f {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                other => other.to_string(),
            };
            // rusqlite adds where in the text a prepare failed.
            let theirs = theirs.split(&format!(" in {sql}")).next().unwrap();
            // This engine's constraint errors do not name the columns.
            let head = theirs.split(": ").next().unwrap();
            let alike = match e {
                Error::Constraint(_) => e.to_string().contains(head),
                _ => e.to_string().contains(theirs),
            };
            assert!(
                alike,
                "{context}: {sql}\n  boundlite: {e}\n  sqlite:    {theirs}"
            );
            Ran::Failed
        }
        _ => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    };
    let tables = tables_of(oracle);
    assert_eq!(
        state_ours(mine, &tables),
        state_theirs(oracle, &tables),
        "{context}: the tables or counts differ after {sql}"
    );
    ran
}
