//! Running SQL on boundlite and on SQLite (rusqlite) side by side: each
//! engine's rows as one comparable type, and a check that both agree.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Allocator;
use boundlite::platform::Platform;
use boundlite::record::ValueRef;
use boundlite::{Connection, Error};
use rusqlite::types::ValueRef as SqliteRef;

/// One value as both engines report it.
#[derive(Debug, Clone)]
pub enum V {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl PartialEq for V {
    fn eq(&self, other: &V) -> bool {
        match (self, other) {
            (V::Null, V::Null) => true,
            (V::Int(a), V::Int(b)) => a == b,
            // Sums of reals may round differently in the last place.
            (V::Real(a), V::Real(b)) => a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
            (V::Text(a), V::Text(b)) => a == b,
            (V::Blob(a), V::Blob(b)) => a == b,
            _ => false,
        }
    }
}

pub fn from_ours(v: ValueRef<'_>) -> V {
    match v {
        ValueRef::Null => V::Null,
        ValueRef::Integer(i) => V::Int(i),
        ValueRef::Real(r) => V::Real(r),
        ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => V::Blob(b.to_vec()),
    }
}

pub fn from_sqlite(v: SqliteRef<'_>) -> V {
    match v {
        SqliteRef::Null => V::Null,
        SqliteRef::Integer(i) => V::Int(i),
        SqliteRef::Real(r) => V::Real(r),
        SqliteRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
        SqliteRef::Blob(b) => V::Blob(b.to_vec()),
    }
}

pub type Rows = Vec<Vec<V>>;

/// Runs `sql` (one statement) on boundlite: its rows, or the error.
pub fn ours<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<Rows, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut out = Vec::new();
    while let Some(row) = stmt.step()? {
        out.push(row.values().map(from_ours).collect());
    }
    Ok(out)
}

/// Runs `sql` (one statement) on SQLite: its rows, or the error.
pub fn theirs(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(
            (0..n)
                .map(|i| from_sqlite(row.get_ref(i).unwrap()))
                .collect(),
        );
    }
    Ok(out)
}

/// Runs `sql` on both and checks they agree; returns whether it succeeded.
pub fn both<P: Platform, A: Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> bool {
    let a = ours(mine, sql);
    let b = theirs(oracle, sql);
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{context}: rows differ for {sql}"),
        (Err(_), Err(_)) => {}
        _ => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    }
    a.is_ok()
}
