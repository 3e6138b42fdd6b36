//! `PRAGMA`: `integrity_check`, `page_count`, `freelist_count`,
//! `page_size`, `journal_mode`, `wal_checkpoint(MODE)`, `cache_size`,
//! `busy_timeout` and `user_version` (read and set) and `table_info(t)`,
//! each returning the rows SQLite returns.
//!
//! `cache_size = N` makes the page cache's limit `N` frames (pages);
//! `cache_size = -K` as many pages as `K` KiB hold (SQLite divides by its
//! page size plus a per-page extra of about 200 bytes, so it keeps a few
//! percent fewer; the memory benchmark converts as here). Fewer than
//! `Config::MIN_CACHE_FRAMES` frames are that many. The limit is the
//! database's, shared by its connections, and changes at once (see
//! `Pager::set_cache_frames` for what lowering it frees, and when).
//! Reading it answers the value as set (`-2000`, `5`), as SQLite does,
//! whatever the clamp made of it; before any is set, the limit in frames.
//!
//! Invariants:
//! - a pragma reads the connection's view (see `table::view`): the statement's
//!   snapshot, or the connection's own write transaction;
//! - a pragma's rows are computed whole when it starts, then handed out
//!   one per step (a few rows, bounded by the schema or the problem
//!   limit);
//! - settings fixed when the database is opened (`page_size`,
//!   `journal_mode`) accept an assignment and keep their value, and a
//!   pragma this engine does not know returns no rows, as SQLite does with
//!   both;
//! - only `user_version = N` writes, through the connection's write path,
//!   so it joins an open `BEGIN` like any other change.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::btree::PageSource;
use crate::schema::EntryKind;
use crate::sql::eval::Value;
use crate::sql::{
    ColumnConstraintKind, Literal, Pragma, PragmaValue, Stmt, TableBody, TableConstraintKind,
};
use crate::wal::CheckpointMode;
use crate::{Error, Result};

use super::Env;
use crate::connection::Connection;
use crate::table::View;

/// Result rows, each a vector of values.
pub(crate) type Rows<A> = Vec<Vec<Value<A>, A>, A>;

/// Runs `pragma` on `conn`; its rows, in order.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    pragma: &Pragma<'_>,
    env: Env<'_, A>,
) -> Result<Rows<A>> {
    let alloc = env.alloc.clone();
    let view = conn.view();
    if let Some(schema) = &pragma.name.schema {
        if !schema.eq_ignore_ascii_case("main") {
            return Err(Error::Sql("unknown database"));
        }
    }
    let name = &pragma.name.name;
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let mut rows = Vec::new_in(alloc.clone());
    if is("integrity_check") {
        integrity(view, pragma.value.as_ref(), &mut rows)?;
    } else if is("page_count") {
        one(&mut rows, Value::Integer(view.page_count().into()))?;
    } else if is("freelist_count") {
        let count = view.header()?.freelist_count;
        one(&mut rows, Value::Integer(count.into()))?;
    } else if is("page_size") {
        if pragma.value.is_none() {
            let size = view.header()?.page_size.get();
            one(&mut rows, Value::Integer(size.into()))?;
        }
    } else if is("cache_size") {
        let db = conn.database();
        match pragma.value.as_ref() {
            None => one(&mut rows, Value::Integer(db.cache_size()))?,
            Some(value) => {
                let value = number(value)?;
                db.set_cache_size(value, cache_frames(value, db.pager().page_size()))?;
            }
        }
    } else if is("journal_mode") {
        one(&mut rows, Value::try_text(b"wal", alloc)?)?;
    } else if is("wal_checkpoint") {
        let mode = checkpoint_mode(pragma.value.as_ref())?;
        let done = conn.checkpoint(mode)?;
        let mut row = Vec::try_with_capacity_in(3, alloc.clone())?;
        row.try_push(Value::Integer(done.busy.into()))?;
        row.try_push(Value::Integer(done.log.into()))?;
        row.try_push(Value::Integer(done.checkpointed.into()))?;
        rows.try_push(row)?;
    } else if is("busy_timeout") {
        if let Some(value) = pragma.value.as_ref() {
            // SQLite takes a negative timeout as none.
            let ms = u64::try_from(number(value)?).unwrap_or(0);
            conn.busy_timeout(core::time::Duration::from_millis(ms));
        }
        one(&mut rows, Value::Integer(conn.busy_timeout_ms().into()))?;
    } else if is("user_version") {
        match pragma.value.as_ref() {
            None => {
                let version = view.header()?.user_version;
                one(&mut rows, Value::Integer(version.into()))?;
            }
            Some(value) => {
                let version = number(value)?;
                // SQLite keeps the low 32 bits of a larger number.
                let version = version as i32;
                conn.write(|w| w.set_user_version(version))?;
            }
        }
    } else if is("table_info") {
        if let Some(PragmaValue::Name(table)) = pragma.value.as_ref() {
            let table = table.to_string_in(alloc.clone())?;
            table_info(view, &table, &mut rows)?;
        }
    }
    Ok(rows)
}

/// Whether `pragma` reads the database through the connection's view
/// (and so needs a snapshot held while it runs). A checkpoint reads no
/// page for the connection, and holding a snapshot would keep it from
/// restarting the log; setting `user_version` only writes; `busy_timeout`
/// and `cache_size` are settings of the database, not of its file.
pub(crate) fn reads(pragma: &Pragma<'_>) -> bool {
    let name = &pragma.name.name;
    let sets_version = name.eq_ignore_ascii_case("user_version") && pragma.value.is_some();
    !(sets_version
        || name.eq_ignore_ascii_case("wal_checkpoint")
        || name.eq_ignore_ascii_case("busy_timeout")
        || name.eq_ignore_ascii_case("cache_size"))
}

/// The frames `cache_size = value` asks for, with pages of `page_size`
/// bytes (see the module documentation).
fn cache_frames(value: i64, page_size: u32) -> usize {
    if value >= 0 {
        return usize::try_from(value).unwrap_or(usize::MAX);
    }
    let bytes = value.unsigned_abs().saturating_mul(1024);
    usize::try_from(bytes / u64::from(page_size.max(1))).unwrap_or(usize::MAX)
}

/// Appends a row of one value.
fn one<A: Allocator + Clone>(rows: &mut Rows<A>, value: Value<A>) -> Result<()> {
    let mut row = Vec::try_with_capacity_in(1, rows.allocator().clone())?;
    row.try_push(value)?;
    rows.try_push(row)?;
    Ok(())
}

/// The integer a pragma was given.
fn number(value: &PragmaValue<'_>) -> Result<i64> {
    match value {
        PragmaValue::Number(Literal::Integer(n)) => Ok(*n),
        PragmaValue::Number(Literal::Real(r)) => Ok(*r as i64),
        _ => Err(Error::Sql("the pragma takes a number")),
    }
}

/// `integrity_check[(N)]`: one row per problem, or one row `ok`.
fn integrity<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    value: Option<&PragmaValue<'_>>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let limit = match value {
        Some(v @ PragmaValue::Number(_)) => usize::try_from(number(v)?).unwrap_or(0),
        _ => 0,
    };
    let report = view.integrity_check(limit)?;
    if report.is_ok() {
        return one(rows, Value::try_text(b"ok", alloc)?);
    }
    for problem in report.problems() {
        let mut text = String::new_in(alloc.clone());
        text.try_write_fmt(format_args!("{problem}"))?;
        one(rows, Value::try_text(text.as_bytes(), alloc.clone())?)?;
    }
    Ok(())
}

/// The mode of `wal_checkpoint(MODE)`; `PASSIVE` when none is named.
fn checkpoint_mode(value: Option<&PragmaValue<'_>>) -> Result<CheckpointMode> {
    let Some(PragmaValue::Name(mode)) = value else {
        return Ok(CheckpointMode::Passive);
    };
    let modes = [
        ("passive", CheckpointMode::Passive),
        ("full", CheckpointMode::Full),
        ("restart", CheckpointMode::Restart),
        ("truncate", CheckpointMode::Truncate),
    ];
    // SQLite runs an unknown mode as PASSIVE.
    Ok(modes
        .into_iter()
        .find(|(n, _)| mode.eq_ignore_ascii_case(n))
        .map_or(CheckpointMode::Passive, |(_, m)| m))
}

/// `table_info(t)`: per column `(cid, name, type, notnull, dflt_value,
/// pk)`, `pk` being the column's position in the primary key from 1.
/// A table that does not exist gives no rows.
fn table_info<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &str,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let schema = view.schema()?;
    let Some(entry) = schema.table(name).filter(|e| e.kind == EntryKind::Table) else {
        return Ok(());
    };
    let sql = entry
        .sql
        .as_deref()
        .ok_or(Error::Sql("table without SQL"))?;
    let parsed = crate::schema::parse_stored(sql, alloc.clone())?;
    let Stmt::CreateTable(create) = &parsed.stmt else {
        return Err(Error::Sql("table SQL is not CREATE TABLE"));
    };
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = &create.body
    else {
        return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
    };
    for (cid, def) in columns.iter().enumerate() {
        let column_name = def.name.to_string_in(alloc.clone())?;
        let mut not_null = false;
        let mut default = None;
        let mut pk = 0i64;
        for constraint in def.constraints.iter() {
            match &constraint.kind {
                ColumnConstraintKind::NotNull { .. } => not_null = true,
                ColumnConstraintKind::Default(d) => default = Some(default_text(d.text)),
                ColumnConstraintKind::PrimaryKey { .. } => pk = 1,
                _ => {}
            }
        }
        for constraint in constraints.iter() {
            if let TableConstraintKind::PrimaryKey { columns: key, .. } = &constraint.kind {
                let at = key.iter().position(|k| {
                    k.expr
                        .as_column()
                        .is_some_and(|c| c.column.eq_ignore_ascii_case(&column_name))
                });
                if let Some(at) = at {
                    pk = i64::try_from(at).unwrap_or(0) + 1;
                }
            }
        }
        let mut row = Vec::try_with_capacity_in(6, alloc.clone())?;
        row.try_push(Value::Integer(i64::try_from(cid).unwrap_or(0)))?;
        row.try_push(Value::try_text(column_name.as_bytes(), alloc.clone())?)?;
        let type_text = def.type_name.as_ref().map_or("", |t| t.text);
        row.try_push(Value::try_text(type_text.as_bytes(), alloc.clone())?)?;
        row.try_push(Value::Integer(not_null.into()))?;
        row.try_push(match default {
            Some(text) => Value::try_text(text.as_bytes(), alloc.clone())?,
            None => Value::Null,
        })?;
        row.try_push(Value::Integer(pk))?;
        rows.try_push(row)?;
    }
    Ok(())
}

/// The text SQLite shows for a default written `text`: without the
/// parentheses around an expression and the spaces inside them (the
/// grammar allows parentheses only around the whole of it).
fn default_text(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .map_or(text, str::trim)
}
