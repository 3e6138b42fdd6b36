//! [`JsonLevel`]: `json_each` or `json_tree` in `FROM`, a level of a
//! join whose rows the function's walk of its document gives (see
//! `sql::eval::json::each`).
//!
//! Its arguments may read the tables left of it in the `FROM` (the join
//! keeps those outside its loop): they are evaluated again each time the
//! level restarts, under the rows of the levels outside it. Its columns
//! are SQLite's: `key`, `value`, `type`, `atom`, `id`, `parent`,
//! `fullkey`, `path`, and the hidden `json` and `root`, which `*` leaves
//! out; its rowid numbers its rows from 0.
//!
//! Invariants: memory is the walk's (the document, its path and a stack
//! of its containers) and one row of values, whatever the number of
//! rows; a row's values are made when the walk reaches it, once, and
//! the hidden columns once per walk.

use crate::alloc::{Allocator, String, Vec};
use crate::record::{Collation, ValueRef};
use crate::sql::eval::cast::{bytes_of, text_of};
use crate::sql::eval::json::{COLUMNS, JsonRows, SHOWN, TOO_MANY};
use crate::sql::eval::{Value, evaluate};
use crate::sql::{Expr, Ident, JsonTable};
use crate::table::{TableFunction, TableInfo};
use crate::{Error, Result};

use super::Env;
use super::context::{Place, RowContext};
use super::derived::push_column;
use super::scope::Merge;

/// The rows of `json_each(...)` or `json_tree(...)` in a join.
pub(crate) struct JsonLevel<A: Allocator + Clone> {
    info: TableInfo<A>,
    /// Per column: how `USING` merged it (never merged: `USING` and
    /// `NATURAL` beside it are refused).
    merged: Vec<Merge, A>,
    rows: JsonRows<A>,
    /// The current row's values.
    row: Vec<Value<A>, A>,
    place: Place,
    /// Whether the walk is on a row not yet handed out.
    fresh: bool,
}

impl<A: Allocator + Clone> JsonLevel<A> {
    /// The function `table` with `args` arguments, called `alias`, at
    /// `level` of its `FROM`; more than two arguments are SQLite's error.
    /// The table is named by its alias when it has one, as `EXPLAIN
    /// QUERY PLAN` names it.
    pub fn open(
        table: JsonTable,
        args: usize,
        alias: Option<&Ident<'_>>,
        level: usize,
        alloc: &A,
    ) -> Result<Self> {
        if args > 2 {
            return Err(Error::Sql(match table {
                JsonTable::Each => TOO_MANY[0],
                JsonTable::Tree => TOO_MANY[1],
            }));
        }
        let name = match alias {
            Some(a) => a.to_string_in(alloc.clone())?,
            None => {
                let mut name = String::new_in(alloc.clone());
                name.try_push_str(match table {
                    JsonTable::Each => "json_each",
                    JsonTable::Tree => "json_tree",
                })?;
                name
            }
        };
        let mut columns = Vec::try_with_capacity_in(COLUMNS.len(), alloc.clone())?;
        let mut meta = Vec::try_with_capacity_in(COLUMNS.len(), alloc.clone())?;
        let mut merged = Vec::try_with_capacity_in(COLUMNS.len(), alloc.clone())?;
        let mut row = Vec::try_with_capacity_in(COLUMNS.len(), alloc.clone())?;
        for column in COLUMNS {
            push_column(
                &mut columns,
                &mut meta,
                alloc,
                column,
                None,
                Collation::Binary,
            )?;
            merged.try_push(Merge::Own)?;
            row.try_push(Value::Null)?;
        }
        let info = TableInfo::unstored(
            name,
            columns,
            meta,
            true,
            Some(TableFunction {
                table,
                plan: match args {
                    0 => 0,
                    1 => 1,
                    _ => 3,
                },
            }),
            Vec::new_in(alloc.clone()),
        )?;
        Ok(JsonLevel {
            info,
            merged,
            rows: JsonRows::new(table, alloc.clone()),
            row,
            place: Place::in_order(level),
            fresh: false,
        })
    }

    /// Its columns as a table.
    pub fn info(&self) -> &TableInfo<A> {
        &self.info
    }

    /// Per column: how it is merged (never: `USING` and `NATURAL`
    /// beside a function are refused).
    pub fn merged(&self) -> &[Merge] {
        &self.merged
    }

    /// Nests its loop at `depth` of its join.
    pub fn set_depth(&mut self, depth: usize) {
        self.place.depth = depth;
    }

    /// The rowid of the current row.
    pub fn number(&self) -> i64 {
        self.rows.rowid()
    }

    /// Starts the walk again with `args` evaluated in `env` (the rows
    /// outside the level).
    pub fn restart(&mut self, args: &[Expr<'_, A>], env: Env<'_, A>) -> Result<()> {
        self.fresh = false;
        let ctx = env.context();
        let doc = match args.first() {
            Some(e) => evaluate(e, &ctx)?,
            // No document: SQLite's plan without the `json` constraint,
            // which gives no rows.
            None => Value::Null,
        };
        let root = match args.get(1) {
            Some(e) => Some(evaluate(e, &ctx)?),
            None => None,
        };
        self.rows
            .start(doc.as_ref(), root.as_ref().map(Value::as_ref))?;
        self.fresh = self.rows.on_row();
        // `json` and `root` are the same on every row: made once, `json`
        // the argument itself when it is text as SQLite reads it (up to
        // a NUL), not a copy.
        let json = match doc {
            Value::Text(t) if !t.contains(&0) => Value::Text(t),
            Value::Null => Value::Null,
            other => {
                let text = text_of(other.as_ref());
                let bytes = text.as_ref().map_or(&[][..], bytes_of);
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                Value::try_text(bytes.get(..end).unwrap_or_default(), env.alloc.clone())?
            }
        };
        if let Some(slot) = self.row.get_mut(SHOWN) {
            *slot = json;
        }
        if let Some(slot) = self.row.get_mut(SHOWN + 1) {
            *slot = self.rows.column(SHOWN + 1)?;
        }
        Ok(())
    }

    /// Moves to the next row for which `keep`, given a context on it
    /// (the table called `alias`, nested in `env`), is true; `false` when
    /// there is none.
    pub fn find(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        mut keep: impl FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        loop {
            if self.fresh {
                self.fresh = false;
            } else {
                self.rows.next()?;
            }
            if !self.rows.on_row() {
                return Ok(false);
            }
            self.fill()?;
            if self.with_row(env, alias, &mut keep)? {
                return Ok(true);
            }
        }
    }

    /// Moves to row `n` by walking again from the first with `args`
    /// evaluated in `env`; `false` when there are fewer rows.
    pub fn seek(&mut self, args: &[Expr<'_, A>], env: Env<'_, A>, n: i64) -> Result<bool> {
        self.restart(args, env)?;
        self.fresh = false;
        while self.rows.on_row() && self.rows.rowid() < n {
            self.rows.next()?;
        }
        if !self.rows.on_row() || self.rows.rowid() != n {
            return Ok(false);
        }
        self.fill()?;
        Ok(true)
    }

    /// Makes the current row's values (but the arguments', made once).
    fn fill(&mut self) -> Result<()> {
        for (i, slot) in self.row.iter_mut().enumerate().take(SHOWN) {
            *slot = self.rows.column(i)?;
        }
        Ok(())
    }

    /// Runs `f` with a context on the current row.
    pub fn with_row<T>(
        &self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        let mut ctx = env
            .context()
            .with_table(&self.info, alias)
            .placed(self.place, &self.merged);
        ctx.on_values(self.rows.rowid(), &self.row);
        f(&ctx)
    }
}

/// Whether `value`, read from the `value` column of a row of a JSON
/// table whose `type` column reads `kind`, has SQLite's JSON subtype.
pub(crate) fn value_is_json(kind: ValueRef<'_>) -> bool {
    matches!(kind, ValueRef::Text(b"array" | b"object"))
}
