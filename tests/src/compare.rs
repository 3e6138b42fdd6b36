//! Running SQL on boundlite and on SQLite (rusqlite) side by side: each
//! engine's rows as one comparable type, and a check that both agree.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Allocator;
use boundlite::platform::Platform;
use boundlite::record::ValueRef;
use boundlite::{Connection, Error};
use rusqlite::types::ValueRef as SqliteRef;

/// One value as both engines report it. Reals compare with a little slack
/// and text through a lossy UTF-8 decoding: for results that may round
/// differently, shown readably when they differ. `PartialOrd` puts rows
/// whose order SQL leaves open into one order before comparing them.
#[derive(Debug, Clone, PartialOrd)]
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

/// One value exactly as an engine reports it: reals by their bits (so
/// `-0.0` and `0.0` differ, and no rounding passes), text by its bytes
/// (so invalid UTF-8 is compared as stored). For results that must match
/// to the bit.
#[derive(Debug, Clone, PartialEq)]
pub enum Exact {
    Null,
    Int(i64),
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl Exact {
    /// A REAL holding `r`.
    pub fn real(r: f64) -> Exact {
        Exact::Real(r.to_bits())
    }
}

/// A value type rows are read into, from either engine, and the ways of
/// running a statement into rows of it: `V::ours_ok(conn, sql)` or
/// `Exact::ours_ok(conn, sql)` name the type at the call.
pub trait Owned: Sized {
    fn from_ours(v: ValueRef<'_>) -> Self;
    fn from_sqlite(v: SqliteRef<'_>) -> Self;

    /// Runs `sql` (one statement) on boundlite with `params` bound to its
    /// parameters in order: its rows, or the error.
    fn query<P: Platform, A: Allocator + Clone>(
        conn: &Connection<'_, P, A>,
        sql: &str,
        params: &[ValueRef<'_>],
    ) -> Result<Vec<Vec<Self>>, Error> {
        let mut stmt = conn.prepare(sql)?;
        for (i, p) in params.iter().enumerate() {
            stmt.bind(i + 1, *p)?;
        }
        let mut out = Vec::new();
        while let Some(row) = stmt.step()? {
            out.push(row.values().map(Self::from_ours).collect());
        }
        Ok(out)
    }

    /// Runs `sql` (one statement) on boundlite: its rows, or the error.
    fn ours<P: Platform, A: Allocator + Clone>(
        conn: &Connection<'_, P, A>,
        sql: &str,
    ) -> Result<Vec<Vec<Self>>, Error> {
        Self::query(conn, sql, &[])
    }

    /// Runs `sql` (one statement) on SQLite: its rows, or the error.
    fn theirs(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Vec<Vec<Self>>> {
        let mut stmt = conn.prepare(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(
                (0..n)
                    .map(|i| Self::from_sqlite(row.get_ref(i).unwrap()))
                    .collect(),
            );
        }
        Ok(out)
    }

    /// Runs `sql` (one statement) on boundlite, for a test that expects
    /// it to succeed: its rows; a failure panics, naming `sql`.
    fn ours_ok<P: Platform, A: Allocator + Clone>(
        conn: &Connection<'_, P, A>,
        sql: &str,
    ) -> Vec<Vec<Self>> {
        Self::ours(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    /// Runs `sql` (one statement) on SQLite, for a test that expects it
    /// to succeed: its rows; a failure panics, naming `sql`.
    fn theirs_ok(conn: &rusqlite::Connection, sql: &str) -> Vec<Vec<Self>> {
        Self::theirs(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }
}

impl Owned for V {
    fn from_ours(v: ValueRef<'_>) -> V {
        from_ours(v)
    }
    fn from_sqlite(v: SqliteRef<'_>) -> V {
        from_sqlite(v)
    }
}

impl Owned for Exact {
    fn from_ours(v: ValueRef<'_>) -> Exact {
        match v {
            ValueRef::Null => Exact::Null,
            ValueRef::Integer(i) => Exact::Int(i),
            ValueRef::Real(r) => Exact::real(r),
            ValueRef::Text(t) => Exact::Text(t.to_vec()),
            ValueRef::Blob(b) => Exact::Blob(b.to_vec()),
        }
    }
    fn from_sqlite(v: SqliteRef<'_>) -> Exact {
        match v {
            SqliteRef::Null => Exact::Null,
            SqliteRef::Integer(i) => Exact::Int(i),
            SqliteRef::Real(r) => Exact::real(r),
            SqliteRef::Text(t) => Exact::Text(t.to_vec()),
            SqliteRef::Blob(b) => Exact::Blob(b.to_vec()),
        }
    }
}

/// Runs `sql` (one statement) on boundlite: its rows, or the error.
pub fn ours<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<Rows, Error> {
    V::ours(conn, sql)
}

/// Runs `sql` (one statement) on SQLite: its rows, or the error.
pub fn theirs(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Rows> {
    V::theirs(conn, sql)
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

/// Asserts SQLite's own `PRAGMA integrity_check` finds the database `conn`
/// is open on sound.
pub fn assert_sqlite_integrity_ok(conn: &rusqlite::Connection) {
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
