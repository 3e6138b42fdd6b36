//! `PRAGMA`: `integrity_check` and `quick_check` (the same full check),
//! `page_count`, `freelist_count`, `page_size`, `journal_mode`,
//! `wal_checkpoint(MODE)`, `cache_size`, `busy_timeout`, `sort_memory`
//! (this engine's), `user_version` (read and set), `table_info(t)`,
//! `table_xinfo(t)`, `index_list(t)`, `index_info(i)`, `index_xinfo(i)`
//! (see `pragma_indexes`), `foreign_key_list(t)` (see
//! `pragma_foreign_keys`), `encoding`, `synchronous` and `foreign_keys`
//! (read, and set to the one value this engine has), each returning the
//! rows SQLite returns.
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
//!   `journal_mode` but `wal` and `mvcc`) accept an assignment and keep
//!   their value, as SQLite does; `journal_mode = mvcc` and `= wal` switch
//!   between WAL and this engine's MVCC mode outside a transaction (see
//!   `docs/mvcc.md`), and `wal_checkpoint` in MVCC mode first checkpoints
//!   the version store; `mvcc_checkpoint_threshold` reads and sets the
//!   log bytes past which an MVCC commit checkpoints;
//!   a pragma SQLite knows and this engine does not run is refused
//!   with its name, and one SQLite does not know either returns no rows,
//!   as SQLite's does;
//! - only `user_version = N` writes, through the connection's write path,
//!   so it joins an open `BEGIN` like any other change.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::btree::PageSource;
use crate::format::TextEncoding;
use crate::schema::created_table;
use crate::schema::{EntryKind, Schema};
use crate::sql::eval::Value;
use crate::sql::{
    ColumnConstraintKind, Ident, Literal, Pragma, PragmaValue, TableBody, TableConstraintKind,
};
use crate::wal::CheckpointMode;
use crate::{Error, Result};

use super::Env;
use super::foreign_keys;
use super::pragma_foreign_keys;
use super::pragma_indexes::{self, Detail};
use crate::connection::Connection;
use crate::table::{SchemaRef, Side, View};

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
    let name = &pragma.name.name;
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let of_schema = [
        "table_info",
        "table_xinfo",
        "index_list",
        "index_info",
        "index_xinfo",
    ];
    match &pragma.name.schema {
        Some(s) if s.eq_ignore_ascii_case("main") => {}
        Some(s) if s.eq_ignore_ascii_case("temp") && of_schema.iter().any(|n| is(n)) => {}
        Some(s) if s.eq_ignore_ascii_case("temp") => {
            return Err(Error::Sql(
                "PRAGMA on the temp schema is not supported but for table_info, table_xinfo, index_list, index_info and index_xinfo",
            ));
        }
        Some(_) => return Err(Error::Sql("unknown database")),
        None => {}
    }
    let mut rows = Vec::new_in(alloc.clone());
    if is("integrity_check") {
        integrity(view, pragma.value.as_ref(), &mut rows)?;
    } else if is("page_count") {
        one(
            &mut rows,
            Value::Integer(view.pages(Side::Main).page_count().into()),
        )?;
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
        let db = conn.database();
        if let Some(PragmaValue::Name(mode)) = pragma.value.as_ref() {
            let switch = match () {
                _ if mode.eq_ignore_ascii_case("mvcc") => Some(true),
                _ if mode.eq_ignore_ascii_case("wal") => Some(false),
                // SQLite answers a mode it cannot switch to with the mode
                // kept.
                _ => None,
            };
            if let Some(mvcc) = switch.filter(|mvcc| *mvcc != db.is_mvcc()) {
                if conn.in_transaction() {
                    return Err(Error::Sql(
                        "cannot change journal_mode from within a transaction",
                    ));
                }
                match mvcc {
                    true => db.enter_mvcc()?,
                    false => db.leave_mvcc()?,
                }
            }
        }
        let mode: &[u8] = if db.is_mvcc() { b"mvcc" } else { b"wal" };
        one(&mut rows, Value::try_text(mode, alloc)?)?;
    } else if is("mvcc_checkpoint_threshold") {
        // This engine's: the MVCC log bytes past which a commit
        // checkpoints (see `Config::mvcc_checkpoint_threshold`).
        let db = conn.database();
        if let Some(value) = pragma.value.as_ref() {
            let bytes = u64::try_from(number(value)?).map_err(|_| {
                Error::Sql("mvcc_checkpoint_threshold takes a number of bytes, 0 or more")
            })?;
            db.set_mvcc_checkpoint_threshold(bytes);
        }
        let bytes = i64::try_from(db.mvcc_checkpoint_threshold()).unwrap_or(i64::MAX);
        one(&mut rows, Value::Integer(bytes))?;
    } else if is("wal_checkpoint") {
        let mode = checkpoint_mode(pragma.value.as_ref())?;
        if conn.database().is_mvcc() {
            conn.database().mvcc_checkpoint()?;
        }
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
    } else if is("sort_memory") {
        // Not SQLite's: the bytes a statement's sorting holds before it
        // spills (see `Config::sort_memory`).
        let db = conn.database();
        if let Some(value) = pragma.value.as_ref() {
            let bytes = usize::try_from(number(value)?)
                .map_err(|_| Error::Sql("sort_memory takes a number of bytes, 0 or more"))?;
            db.set_sort_memory(bytes);
        }
        let bytes = i64::try_from(db.sort_memory()).unwrap_or(i64::MAX);
        one(&mut rows, Value::Integer(bytes))?;
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
    } else if is("table_info") || is("table_xinfo") {
        let columns = match is("table_info") {
            true => Columns::Visible,
            false => Columns::All,
        };
        if let Some(table) = argument(pragma, &alloc)? {
            if let Some(schema) = schema_naming(view, pragma, &table)? {
                table_info(&schema, &table, columns, &mut rows)?;
            }
        }
    } else if is("quick_check") {
        integrity(view, pragma.value.as_ref(), &mut rows)?;
    } else if is("index_list") {
        if let Some(table) = argument(pragma, &alloc)? {
            if let Some(schema) = schema_naming(view, pragma, &table)? {
                pragma_indexes::index_list(&schema, &table, &mut rows)?;
            }
        }
    } else if is("index_info") || is("index_xinfo") {
        let detail = match is("index_info") {
            true => Detail::Keys,
            false => Detail::Extended,
        };
        if let Some(index) = argument(pragma, &alloc)? {
            if let Some(schema) = schema_naming(view, pragma, &index)? {
                pragma_indexes::index_info(&schema, &index, detail, &mut rows)?;
            }
        }
    } else if is("foreign_key_list") {
        if let Some(table) = argument(pragma, &alloc)? {
            pragma_foreign_keys::foreign_key_list(view, &table, &mut rows)?;
        }
    } else if is("encoding") {
        encoding(view, pragma.value.as_ref(), &mut rows)?;
    } else if is("synchronous") {
        synchronous(pragma.value.as_ref(), &mut rows)?;
    } else if is("foreign_keys") {
        foreign_keys(conn, pragma.value.as_ref(), &mut rows)?;
    } else if is("defer_foreign_keys") {
        defer_foreign_keys(conn, pragma.value.as_ref(), &mut rows)?;
    } else if is("foreign_key_check") {
        let table = argument(pragma, &alloc)?;
        foreign_keys::check::foreign_key_check(view, table.as_deref(), env, &mut rows)?;
    } else if let Some(refusal) = refusal(name) {
        return Err(Error::Sql(refusal));
    }
    Ok(rows)
}

/// The pragmas SQLite knows and this engine does not run, each refused
/// with its name: answering nothing, as SQLite answers a pragma it does
/// not know, would pass a setting off as kept or a report as empty.
const REFUSED: [&str; 55] = [
    "PRAGMA analysis_limit is not supported",
    "PRAGMA application_id is not supported",
    "PRAGMA auto_vacuum is not supported",
    "PRAGMA automatic_index is not supported",
    "PRAGMA cache_spill is not supported",
    "PRAGMA case_sensitive_like is not supported",
    "PRAGMA cell_size_check is not supported",
    "PRAGMA checkpoint_fullfsync is not supported",
    "PRAGMA collation_list is not supported",
    "PRAGMA compile_options is not supported",
    "PRAGMA count_changes is not supported",
    "PRAGMA data_store_directory is not supported",
    "PRAGMA data_version is not supported",
    "PRAGMA database_list is not supported",
    "PRAGMA default_cache_size is not supported",
    "PRAGMA empty_result_callbacks is not supported",
    "PRAGMA full_column_names is not supported",
    "PRAGMA fullfsync is not supported",
    "PRAGMA function_list is not supported",
    "PRAGMA hard_heap_limit is not supported",
    "PRAGMA ignore_check_constraints is not supported",
    "PRAGMA incremental_vacuum is not supported",
    "PRAGMA journal_size_limit is not supported",
    "PRAGMA legacy_alter_table is not supported",
    "PRAGMA legacy_file_format is not supported",
    "PRAGMA lock_status is not supported",
    "PRAGMA locking_mode is not supported",
    "PRAGMA max_page_count is not supported",
    "PRAGMA mmap_size is not supported",
    "PRAGMA module_list is not supported",
    "PRAGMA optimize is not supported",
    "PRAGMA parser_trace is not supported",
    "PRAGMA pragma_list is not supported",
    "PRAGMA query_only is not supported",
    "PRAGMA read_uncommitted is not supported",
    "PRAGMA recursive_triggers is not supported",
    "PRAGMA reverse_unordered_selects is not supported",
    "PRAGMA schema_version is not supported",
    "PRAGMA secure_delete is not supported",
    "PRAGMA short_column_names is not supported",
    "PRAGMA shrink_memory is not supported",
    "PRAGMA soft_heap_limit is not supported",
    "PRAGMA sql_trace is not supported",
    "PRAGMA stats is not supported",
    "PRAGMA table_list is not supported",
    "PRAGMA temp_store is not supported",
    "PRAGMA temp_store_directory is not supported",
    "PRAGMA threads is not supported",
    "PRAGMA trusted_schema is not supported",
    "PRAGMA vdbe_addoptrace is not supported",
    "PRAGMA vdbe_debug is not supported",
    "PRAGMA vdbe_listing is not supported",
    "PRAGMA vdbe_trace is not supported",
    "PRAGMA wal_autocheckpoint is not supported",
    "PRAGMA writable_schema is not supported",
];

/// The refusal of the pragma `name`, if SQLite knows it and this engine
/// does not run it.
fn refusal(name: &Ident<'_>) -> Option<&'static str> {
    REFUSED.iter().copied().find(|message| {
        message
            .strip_prefix("PRAGMA ")
            .and_then(|rest| rest.split(' ').next())
            .is_some_and(|n| name.eq_ignore_ascii_case(n))
    })
}

/// The name a pragma was given (`index_list(t)`, `index_list('t')`),
/// unquoted.
fn argument<A: Allocator + Clone>(pragma: &Pragma<'_>, alloc: &A) -> Result<Option<String<A>>> {
    match pragma.value.as_ref() {
        Some(PragmaValue::Name(name)) => Ok(Some(name.to_string_in(alloc.clone())?)),
        _ => Ok(None),
    }
}

/// `encoding`: the database's text encoding. Only UTF-8 is read and
/// written here, so setting another is refused rather than ignored.
fn encoding<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    value: Option<&PragmaValue<'_>>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let Some(value) = value else {
        let name: &[u8] = match view.header()?.text_encoding {
            Some(TextEncoding::Utf16le) => b"UTF-16le",
            Some(TextEncoding::Utf16be) => b"UTF-16be",
            Some(TextEncoding::Utf8) | None => b"UTF-8",
        };
        return one(rows, Value::try_text(name, alloc)?);
    };
    let utf8 = match value {
        PragmaValue::Name(name) => {
            name.eq_ignore_ascii_case("UTF-8") || name.eq_ignore_ascii_case("UTF8")
        }
        PragmaValue::Number(_) => false,
    };
    match utf8 {
        true => Ok(()),
        false => Err(Error::Sql(
            "PRAGMA encoding: only UTF-8 databases are supported",
        )),
    }
}

/// `synchronous`: this engine syncs the log at every commit and the
/// database at every checkpoint, which is SQLite's `FULL` (2) in WAL
/// mode; setting `FULL` keeps it, any other level is refused with its
/// name. Levels are read as SQLite reads them: a number, or `OFF`/`NO`/
/// `FALSE` (0), `NORMAL` (1), `FULL`/`ON`/`YES`/`TRUE` (2), `EXTRA` (3);
/// any other name is `NORMAL`.
fn synchronous<A: Allocator + Clone>(
    value: Option<&PragmaValue<'_>>,
    rows: &mut Rows<A>,
) -> Result<()> {
    const FULL: i64 = 2;
    let Some(value) = value else {
        return one(rows, Value::Integer(FULL));
    };
    let level = match value {
        PragmaValue::Number(Literal::Integer(n)) if *n >= 0 => *n,
        PragmaValue::Number(_) => 1,
        PragmaValue::Name(name) => {
            let levels = [
                ("off", 0),
                ("no", 0),
                ("false", 0),
                ("normal", 1),
                ("full", 2),
                ("on", 2),
                ("yes", 2),
                ("true", 2),
                ("extra", 3),
            ];
            levels
                .into_iter()
                .find(|(n, _)| name.eq_ignore_ascii_case(n))
                .map_or(1, |(_, level)| level)
        }
    };
    match level {
        FULL => Ok(()),
        0 => Err(Error::Sql(
            "PRAGMA synchronous = OFF is not supported: every commit syncs the log (FULL)",
        )),
        1 => Err(Error::Sql(
            "PRAGMA synchronous = NORMAL is not supported: every commit syncs the log (FULL)",
        )),
        3 => Err(Error::Sql(
            "PRAGMA synchronous = EXTRA is not supported: every commit syncs the log (FULL)",
        )),
        _ => Err(Error::Sql(
            "PRAGMA synchronous: only FULL (2) is supported: every commit syncs the log",
        )),
    }
}

/// `foreign_keys`: reads the connection's setting, or sets it (a no-op
/// inside a transaction, as in SQLite).
fn foreign_keys<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    value: Option<&PragmaValue<'_>>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let enforcement = conn.foreign_keys();
    match value {
        None => one(rows, Value::Integer(enforcement.is_on().into())),
        Some(value) => {
            enforcement.set_on(switch(value), conn.in_transaction());
            Ok(())
        }
    }
}

/// `defer_foreign_keys`: reads the setting, or sets it until the
/// transaction ends. Outside a transaction SQLite keeps the setting
/// until the next statement that reads the database ends: that is
/// refused rather than imitated.
fn defer_foreign_keys<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    value: Option<&PragmaValue<'_>>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let enforcement = conn.foreign_keys();
    match value {
        None => one(rows, Value::Integer(enforcement.defers_all().into())),
        Some(value) => match (switch(value), conn.in_transaction()) {
            (false, _) => {
                enforcement.set_defer_all(false);
                Ok(())
            }
            (true, true) => {
                enforcement.set_defer_all(true);
                Ok(())
            }
            (true, false) => Err(Error::Sql(
                "PRAGMA defer_foreign_keys = ON outside a transaction is not supported",
            )),
        },
    }
}

/// The boolean a pragma was given (`1`, `on`, `yes`, `true` and any
/// number but 0 are true), as SQLite's `getSafetyLevel` reads it.
fn switch(value: &PragmaValue<'_>) -> bool {
    match value {
        PragmaValue::Number(Literal::Integer(n)) => *n != 0,
        PragmaValue::Number(_) => true,
        PragmaValue::Name(name) => ["on", "yes", "true", "full", "extra"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n)),
    }
}

/// Whether `pragma` reads the database through the connection's view
/// (and so needs a snapshot held while it runs). A checkpoint reads no
/// page for the connection, and holding a snapshot would keep it from
/// restarting the log; setting `user_version` only writes; `busy_timeout`
/// and `cache_size` are settings of the database, not of its file.
pub(crate) fn reads(pragma: &Pragma<'_>) -> bool {
    let name = &pragma.name.name;
    let sets_version = name.eq_ignore_ascii_case("user_version") && pragma.value.is_some();
    // Switching the mode needs no snapshot, and in MVCC mode one would be
    // a transaction the switch to WAL waits for.
    let sets_mode = name.eq_ignore_ascii_case("journal_mode") && pragma.value.is_some();
    !(sets_version
        || sets_mode
        || name.eq_ignore_ascii_case("wal_checkpoint")
        || name.eq_ignore_ascii_case("busy_timeout")
        || name.eq_ignore_ascii_case("cache_size")
        || name.eq_ignore_ascii_case("sort_memory")
        || name.eq_ignore_ascii_case("mvcc_checkpoint_threshold")
        || name.eq_ignore_ascii_case("synchronous")
        || name.eq_ignore_ascii_case("foreign_keys")
        || name.eq_ignore_ascii_case("defer_foreign_keys"))
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

/// Which columns `table_info` and `table_xinfo` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    /// `table_info`: all but generated columns, six values each.
    Visible,
    /// `table_xinfo`: every column, with `hidden` (0, or 2 for a virtual
    /// and 3 for a stored generated column) as a seventh value.
    All,
}

/// The schema a schema pragma (`table_info`...) looks `name` up in: the
/// one the pragma is qualified with (`None` for a `temp` schema not yet
/// made, which has nothing), else the `temp` schema when it has an object
/// of that name, as SQLite looks, else the main one.
fn schema_naming<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'_, P, A>,
    pragma: &Pragma<'_>,
    name: &str,
) -> Result<Option<SchemaRef<'v, A>>> {
    let temp = view.temp_schema()?.map(SchemaRef::Read);
    match pragma.name.schema {
        Some(s) if s.eq_ignore_ascii_case("temp") => Ok(temp),
        Some(_) => Ok(Some(view.schema()?)),
        None => match temp.filter(|t| t.find(name).is_some()) {
            Some(temp) => Ok(Some(temp)),
            None => Ok(Some(view.schema()?)),
        },
    }
}

/// `table_info(t)` or `table_xinfo(t)`: per column `(cid, name, type,
/// notnull, dflt_value, pk[, hidden])`, `pk` being the column's position
/// in the primary key from 1. A table that does not exist gives no rows.
fn table_info<A: Allocator + Clone>(
    schema: &Schema<A>,
    name: &str,
    listed: Columns,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    if schema.find(name).is_some_and(|e| e.kind == EntryKind::View) {
        return Err(Error::Sql("PRAGMA table_info of a view is not supported"));
    }
    let Some(entry) = schema.table(name).filter(|e| e.kind == EntryKind::Table) else {
        return Ok(());
    };
    let sql = entry.table_sql()?;
    let parsed = crate::schema::parse_stored(sql, alloc.clone())?;
    let create = created_table(&parsed)?;
    let TableBody::Columns {
        columns,
        constraints,
        without_rowid,
        ..
    } = &create.body
    else {
        return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
    };
    let mut cid = 0i64;
    for def in columns.iter() {
        let column_name = def.name.to_string_in(alloc.clone())?;
        let mut not_null = false;
        let mut default = None;
        let mut pk = 0i64;
        let mut hidden = 0i64;
        for constraint in def.constraints.iter() {
            match &constraint.kind {
                ColumnConstraintKind::NotNull { .. } => not_null = true,
                ColumnConstraintKind::Default(d) => default = Some(default_text(d.text)),
                ColumnConstraintKind::PrimaryKey { .. } => pk = 1,
                ColumnConstraintKind::Generated { stored, .. } => hidden = 2 + i64::from(*stored),
                _ => {}
            }
        }
        if hidden != 0 && listed == Columns::Visible {
            continue;
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
        // The key of a WITHOUT ROWID table is NOT NULL, said or not.
        not_null |= *without_rowid && pk != 0;
        let mut row = Vec::try_with_capacity_in(7, alloc.clone())?;
        row.try_push(Value::Integer(cid))?;
        cid += 1;
        row.try_push(Value::try_text(column_name.as_bytes(), alloc.clone())?)?;
        let type_text = def.type_name.as_ref().map_or("", |t| t.text);
        row.try_push(Value::try_text(type_text.as_bytes(), alloc.clone())?)?;
        row.try_push(Value::Integer(not_null.into()))?;
        row.try_push(match default {
            Some(text) => Value::try_text(text.as_bytes(), alloc.clone())?,
            None => Value::Null,
        })?;
        row.try_push(Value::Integer(pk))?;
        if listed == Columns::All {
            row.try_push(Value::Integer(hidden))?;
        }
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
