//! [`RowContext`]: the expression context of a statement, which reads
//! the columns of the current row of its table and the statement's
//! bound parameters.
//!
//! Invariant: a column is read from the row's record only when an
//! expression asks for it; a record that spills to overflow pages is
//! read from its local bytes, and assembled whole only when a column
//! whose body lies past them is read (a column's type and size, which
//! `typeof()` and `length()` of a BLOB need, are in the local header); the rowid alias reads the rowid (the record
//! holds NULL there), a column the record is too short to hold reads
//! its default, an integer in a REAL column (a whole real, as SQLite
//! and boundlite store it) reads as a real, and a virtual generated
//! column is computed from the row's other columns (once per row, all
//! of them, the first time one is read).

use core::cell::{Cell, OnceCell};

use crate::alloc::{Allocator, Vec};
use crate::btree::StoredRecord;
use crate::record::{Collation, RecordRef, SerialType, ValueRef, ValueType};
use crate::schema::generated::{VirtualRow, virtual_row};
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{ColumnJson, EvalContext, SetKey, Shape, SubqueryCollation, Value, json};
use crate::sql::{Affinity, ColumnPos, ColumnRef, FunctionCall, Ident, ParamNo, Select};
use crate::{Error, Result, RowId};

use crate::table::TableInfo;

use super::Env;
use super::scope::{Merge, named_column};

/// The column of `table` (named `alias` in `FROM`) that `column` names.
pub(crate) fn resolve<A: Allocator>(
    table: &TableInfo<A>,
    alias: Option<&Ident<'_>>,
    column: &ColumnRef<'_>,
) -> Option<ColumnPos> {
    if column
        .schema
        .is_some_and(|s| !s.eq_ignore_ascii_case("main"))
    {
        return None;
    }
    if let Some(t) = &column.table {
        let named = match alias {
            Some(a) => a.as_str().is_some_and(|a| t.eq_ignore_ascii_case(a)),
            None => t.eq_ignore_ascii_case(&table.name),
        };
        if !named {
            return None;
        }
    }
    let by_name = table
        .columns
        .columns
        .iter()
        .position(|c| column.column.eq_ignore_ascii_case(&c.name));
    match by_name {
        Some(i) if table.columns.rowid_alias == Some(i) => Some(ColumnPos::Rowid),
        Some(i) => Some(ColumnPos::Column(i)),
        None => (table.has_rowid
            && ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|n| column.column.eq_ignore_ascii_case(n)))
        .then_some(ColumnPos::Rowid),
    }
}

/// The SQL value a row's key reads as, under `rowid` or its alias: an
/// INTEGER. The one way from a [`RowId`] to SQL; `encode_row` (in
/// `insert`) is the one way back.
pub(crate) const fn rowid_value(rowid: RowId) -> ValueRef<'static> {
    ValueRef::Integer(rowid.get())
}

/// The next value of `random()` from the xorshift generator whose state
/// is `state`.
pub(crate) fn next_random(state: &Cell<u64>) -> i64 {
    let mut x = state.get();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state.set(x);
    x as i64
}

/// A row's record that spills to overflow pages, of which only the
/// local bytes were read: what assembles it whole, the first time a
/// column past those bytes is read, and the whole record after. Lives
/// beside the [`RowContext`] on the row, which borrows it.
pub(crate) struct Spill<'r, A: Allocator> {
    rest: Cell<Option<StoredRecord<'r, A>>>,
    whole: OnceCell<RecordRef<'r>>,
}

impl<'r, A: Allocator> Spill<'r, A> {
    /// The spill of `stored`, not yet assembled.
    pub fn new(stored: StoredRecord<'r, A>) -> Self {
        Spill {
            rest: Cell::new(Some(stored)),
            whole: OnceCell::new(),
        }
    }

    /// The record whole, assembling it the first time.
    fn whole(&self) -> Result<&RecordRef<'r>> {
        if let Some(record) = self.whole.get() {
            return Ok(record);
        }
        let stored = self.rest.take().ok_or(Error::Misuse(
            "a spilled record is read again after it failed",
        ))?;
        let record = RecordRef::parse(stored.into_whole()?, None)?;
        Ok(self.whole.get_or_init(|| record))
    }
}

/// The values of the aggregate calls of a group whose result is being
/// computed, each found by the address of its call in the statement's
/// tree.
pub(crate) struct Aggregated<'v, A: Allocator> {
    /// Each call's address, and the index of its value.
    pub sites: &'v [(usize, usize)],
    /// The values.
    pub values: &'v [Value<A>],
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for Aggregated<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Aggregated<'_, A> {}

/// The address that identifies `call` among a statement's calls.
pub(crate) fn site_of<A: Allocator>(call: &FunctionCall<'_, A>) -> usize {
    call as *const FunctionCall<'_, A> as *const () as usize
}

/// Where a table sits: at `level` of its statement's `FROM`, its loop
/// at `depth` of the nest of the join (the same but where the planner
/// nests the tables in another order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Place {
    /// Its position in the `FROM`, which column bindings name.
    pub level: usize,
    /// The depth of its loop: 0 for the outermost.
    pub depth: usize,
}

impl Place {
    /// The place of the table at `level` of a `FROM` read in its order.
    pub const fn in_order(level: usize) -> Self {
        Place {
            level,
            depth: level,
        }
    }
}

/// The context expressions of one statement are evaluated in.
pub(crate) struct RowContext<'x, 'r, A: Allocator + Clone> {
    alloc: A,
    params: &'x [Value<A>],
    table: Option<(&'x TableInfo<A>, Option<Ident<'x>>)>,
    /// The position of the table in the statement's `FROM` (0 for a
    /// query over one table); a column bound to another level is read
    /// from the context this one is nested in.
    level: usize,
    /// The depth of the table's loop in the nest of a join (0: the
    /// outermost, which is nested in no other table of the `FROM`): the
    /// planner may nest the tables in another order than `FROM`'s.
    depth: usize,
    row: Option<(RowId, RecordRef<'r>)>,
    /// Whether the row is the NULL row an outer join adds when nothing
    /// matches: every column, the rowid too, reads NULL.
    nulls: bool,
    /// For a row of a subquery in `FROM`: its values (and `row` is
    /// `None`), with its number, which the rowid reads.
    values: Option<(i64, &'r [Value<A>])>,
    /// Per column of the table: how `USING` or `NATURAL` merged it,
    /// which `*` and unqualified names follow.
    merged: &'x [Merge],
    /// For a row whose record spills and was read from its local bytes:
    /// the rest of it.
    spill: Option<&'r Spill<'r, A>>,
    /// The row's values with its virtual generated columns computed,
    /// once one is read.
    virtual_row: OnceCell<VirtualRow<A>>,
    random: &'x Cell<u64>,
    /// While a group's result is computed: its aggregates' values. A
    /// column then reads NULL when the group has no row (SQLite's bare
    /// columns of an aggregate over no rows).
    aggregated: Option<Aggregated<'x, A>>,
    /// The execution the context is part of, which runs its subqueries
    /// and, for a subquery's row, holds the row it runs against.
    env: Option<Env<'x, A>>,
}

/// Where a column reference points.
enum Found<'x, A: Allocator + Clone> {
    /// At a column of the context's own table.
    Here(&'x TableInfo<A>, ColumnPos),
    /// At the row a subquery runs against (a correlated reference).
    Outer(&'x dyn EvalContext<A>),
}

impl<'x, 'r, A: Allocator + Clone> RowContext<'x, 'r, A> {
    /// A context with parameters and no table.
    pub fn new(alloc: A, params: &'x [Value<A>], random: &'x Cell<u64>) -> Self {
        RowContext {
            alloc,
            params,
            table: None,
            level: 0,
            depth: 0,
            row: None,
            nulls: false,
            values: None,
            merged: &[],
            spill: None,
            virtual_row: OnceCell::new(),
            random,
            aggregated: None,
            env: None,
        }
    }

    /// Runs the subquery `select` against the current row and puts the
    /// `n` values of its first row in `out` (NULLs when it has none): the
    /// source of a row-value assignment.
    pub fn subquery_row(
        &self,
        select: &Select<'_, A>,
        n: usize,
        out: &mut Vec<Value<A>, A>,
    ) -> Result<()> {
        let (env, runner) = Env::with_runner(self.env)?;
        runner.row(
            select,
            Env {
                outer: Some(self),
                ..env
            },
            n,
            out,
        )
    }

    /// The execution this context is part of, if any.
    pub fn env(&self) -> Option<Env<'x, A>> {
        self.env
    }

    /// This context, as part of the execution `env`.
    pub fn within(mut self, env: Env<'x, A>) -> Self {
        self.env = Some(env);
        self
    }

    /// This context, where the aggregate calls read `aggregated`.
    pub fn with_aggregates<'y>(&'y self, aggregated: Aggregated<'y, A>) -> RowContext<'y, 'r, A>
    where
        'x: 'y,
    {
        RowContext {
            alloc: self.alloc.clone(),
            params: self.params,
            table: self.table,
            level: self.level,
            depth: self.depth,
            row: self.row,
            nulls: self.nulls,
            values: self.values,
            merged: self.merged,
            spill: self.spill,
            virtual_row: OnceCell::new(),
            random: self.random,
            aggregated: Some(aggregated),
            env: self.env,
        }
    }

    /// The context with `table` (called `alias` in the statement) in scope.
    pub fn with_table(mut self, table: &'x TableInfo<A>, alias: Option<Ident<'x>>) -> Self {
        self.table = Some((table, alias));
        self
    }

    /// The context with its table at `level` of the statement's `FROM`,
    /// its columns merged as `merged` says, its loop nested as deep as
    /// `FROM` puts it.
    pub fn at_level(mut self, level: usize, merged: &'x [Merge]) -> Self {
        self.level = level;
        self.depth = level;
        self.merged = merged;
        self
    }

    /// The context with its table at `place`, its columns merged as
    /// `merged` says.
    pub fn placed(mut self, place: Place, merged: &'x [Merge]) -> Self {
        self.level = place.level;
        self.depth = place.depth;
        self.merged = merged;
        self
    }

    /// The context on row `rowid`, whose record is `record`.
    #[inline]
    pub fn on_row(&mut self, rowid: RowId, record: RecordRef<'r>) {
        self.row = Some((rowid, record));
        self.spill = None;
        self.virtual_row.take();
    }

    /// The context on row number `n` of a subquery in `FROM`, whose
    /// values are `values`.
    pub fn on_values(&mut self, n: i64, values: &'r [Value<A>]) {
        self.row = None;
        self.values = Some((n, values));
        self.virtual_row.take();
    }

    /// The context on the NULL row of an outer join.
    pub fn on_nulls(&mut self) {
        self.row = None;
        self.values = None;
        self.nulls = true;
        self.virtual_row.take();
    }

    /// The context on row `rowid`, whose record spills and was read
    /// from its local bytes (`prefix`, see
    /// [`RecordRef::parse_prefix`]); `spill` has the rest.
    pub fn on_prefix(&mut self, rowid: RowId, prefix: RecordRef<'r>, spill: &'r Spill<'r, A>) {
        self.row = Some((rowid, prefix));
        self.spill = Some(spill);
        self.virtual_row.take();
    }

    /// The value of column `storage` of a record read from its local
    /// bytes, assembling it whole when the column lies past them.
    #[cold]
    #[inline(never)]
    fn column_past_local(&self, record: &RecordRef<'r>, storage: usize) -> Result<ValueRef<'r>> {
        if let Some(value) = record.local_column(storage)? {
            return Ok(value);
        }
        let spill = self.spill.ok_or(Error::Misuse(
            "a record read from its local bytes without the rest",
        ))?;
        spill.whole()?.column(storage)
    }

    /// The type and size of the value at `pos` in the current row, from
    /// the record's header alone; `None` when that is not where the
    /// value comes from (the rowid, a default).
    pub fn shape_at(&self, pos: ColumnPos) -> Result<Option<(ValueType, usize)>> {
        let (table, _) = self.table.as_ref().ok_or(Error::Sql("no such column"))?;
        if self.nulls {
            return Ok(Some((ValueType::Null, 0)));
        }
        let Some((_, record)) = self.row.as_ref() else {
            if self.values.is_some() {
                return Ok(None);
            }
            return self.no_row().map(|_| None);
        };
        let ColumnPos::Column(i) = pos else {
            return Ok(None);
        };
        let storage = table.columns.columns.get(i).and_then(|c| c.storage);
        let storage = match storage {
            Some(s) if table.columns.rowid_alias != Some(i) && s < record.column_count() => s,
            _ => return Ok(None),
        };
        let serial = record.serial_type(storage)?;
        let len = serial.body_len();
        let real = table
            .meta
            .get(i)
            .is_some_and(|m| m.affinity == Affinity::Real);
        Ok(Some(match serial {
            SerialType::Null => (ValueType::Null, 0),
            SerialType::Float64 => (ValueType::Real, len),
            SerialType::Blob(_) => (ValueType::Blob, len),
            SerialType::Text(_) => (ValueType::Text, len),
            // An integer in a REAL column reads as a real.
            _ if real => (ValueType::Real, len),
            _ => (ValueType::Integer, len),
        }))
    }

    /// Where `column` points: where the run bound it, else found by name
    /// (a reference no name check visits, such as an `ORDER BY` term),
    /// else, in a subquery, in the row it runs against: the innermost
    /// table that has the name, as SQLite resolves it.
    #[inline(always)]
    fn lookup(&self, column: &ColumnRef<'_>) -> Result<Found<'x, A>> {
        if let Some((table, alias)) = self.table.as_ref() {
            match column.binding.get() {
                Some((level, pos)) if level == self.level => return Ok(Found::Here(table, pos)),
                Some(_) => {}
                None => match resolve(table, alias.as_ref(), column) {
                    // An unqualified name skips a merged column, as a
                    // bound one does (see `scope::find`).
                    Some(_)
                        if column.table.is_none()
                            && named_column(table, column)
                                .and_then(|i| self.merged.get(i))
                                .is_some_and(|m| m.unnamed()) => {}
                    Some(pos) => return Ok(Found::Here(table, pos)),
                    None => {}
                },
            }
        }
        match self.env.and_then(|e| e.outer) {
            Some(outer) => Ok(Found::Outer(outer)),
            None => Err(column.unknown()),
        }
    }

    /// The value at `pos` in the current row.
    #[inline(always)]
    pub fn column_at(&self, pos: ColumnPos) -> Result<ValueRef<'_>> {
        let (table, _) = self.table.as_ref().ok_or(Error::Sql("no such column"))?;
        let Some((rowid, record)) = self.row.as_ref() else {
            return self.value_at(pos);
        };
        let i = match pos {
            ColumnPos::Rowid => return Ok(rowid_value(*rowid)),
            ColumnPos::Column(i) => i,
        };
        if table.columns.rowid_alias == Some(i) {
            return Ok(rowid_value(*rowid));
        }
        let Some(storage) = table.columns.columns.get(i).and_then(|c| c.storage) else {
            return self.computed(table, *rowid, i);
        };
        let meta = table.meta.get(i);
        let value = if storage >= record.column_count() {
            meta.map_or(ValueRef::Null, |m| m.added.as_ref())
        } else if record.is_complete() {
            record.column(storage)?
        } else {
            self.column_past_local(record, storage)?
        };
        Ok(match meta {
            Some(m) if m.affinity == Affinity::Real => read_real(value),
            _ => value,
        })
    }

    /// The value of column `i` of `table`, a virtual generated column, in
    /// the row `rowid`: computed with the row's other virtual columns the
    /// first time one is read.
    #[cold]
    #[inline(never)]
    fn computed(&self, table: &TableInfo<A>, rowid: RowId, i: usize) -> Result<ValueRef<'_>> {
        if self.virtual_row.get().is_none() {
            let stored = |j: usize| {
                let value = self.column_at(ColumnPos::Column(j))?;
                Ok(Value::try_from_ref(value, self.alloc.clone())?)
            };
            let row = virtual_row(&table.columns, stored, rowid, self.alloc.clone())?;
            let _ = self.virtual_row.set(row);
        }
        self.virtual_row
            .get()
            .ok_or(Error::Misuse("a row's virtual columns not computed"))?
            .value(&table.columns, i)
    }

    /// The value at `pos` in a row of a subquery in `FROM`, or what a
    /// column reads with no row current.
    #[inline]
    fn value_at(&self, pos: ColumnPos) -> Result<ValueRef<'_>> {
        let Some((n, values)) = self.values else {
            return self.no_row();
        };
        Ok(match pos {
            ColumnPos::Rowid => ValueRef::Integer(n),
            ColumnPos::Column(i) => values.get(i).map_or(ValueRef::Null, Value::as_ref),
        })
    }

    /// What a column reads with no row current.
    #[cold]
    fn no_row(&self) -> Result<ValueRef<'_>> {
        match self.aggregated {
            _ if self.nulls => Ok(ValueRef::Null),
            Some(_) => Ok(ValueRef::Null),
            None => Err(Error::Sql("a column is used where no row is current")),
        }
    }

    /// Whether `column` names a column of the row a subquery runs
    /// against rather than one of the statement's tables.
    pub fn reads_outer(&self, column: &ColumnRef<'_>) -> bool {
        // A bound column is one of the statement's own tables, at this
        // level or one of a join above it.
        column.binding.get().is_none() && matches!(self.lookup(column), Ok(Found::Outer(_)))
    }

    /// The table in scope, if any.
    pub fn table(&self) -> Option<&'x TableInfo<A>> {
        self.table.as_ref().map(|(t, _)| *t)
    }

    /// Hands `visit` the values of the current row that `*` stands for
    /// (`t.*` when `table` names one): the columns of each table of the
    /// statement's `FROM` in order, those merged by `USING` skipped (a
    /// `RIGHT JOIN`'s read in its right table).
    pub fn each_star(
        &self,
        table: Option<&Ident<'_>>,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut seen = false;
        self.star_here(table, &mut seen, visit)?;
        match (table, seen) {
            (_, true) | (None, _) => Ok(()),
            (Some(t), false) => Err(super::scope::unknown_table(t)),
        }
    }

    /// [`Self::each_star`] over this level and those it is nested in,
    /// in `FROM` order whatever the order of the loops; `seen` records
    /// whether `table` named one.
    fn star_here(
        &self,
        table: Option<&Ident<'_>>,
        seen: &mut bool,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<()> {
        if self.depth == 0 {
            return self.star_own(table, seen, self, visit);
        }
        // Every table of the `FROM` has a level in the nest of a whole
        // row: the first position none has is past the last.
        let mut level = 0;
        while self.star_at(level, table, seen, self, visit)? {
            level += 1;
        }
        Ok(())
    }

    /// [`Self::star_own`] for the table at `level` of the `FROM`: this
    /// context's or one of the join it is nested in; `false` when none
    /// of them is at `level`. `row` is the context of the whole row.
    fn star_at(
        &self,
        level: usize,
        table: Option<&Ident<'_>>,
        seen: &mut bool,
        row: &dyn EvalContext<A>,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<bool> {
        if level == self.level {
            self.star_own(table, seen, row, visit)?;
            return Ok(true);
        }
        if self.depth == 0 {
            return Ok(false);
        }
        let outer = self
            .env
            .and_then(|e| e.outer)
            .ok_or(Error::Misuse("a joined row without the rows above it"))?;
        outer.star_in(level, table, seen, row, visit)
    }

    /// The values `*` stands for in this context's own table; a column
    /// whose place shows another table's (see [`Merge::Yields`]) read
    /// through `row`, the context of the whole row, in which every table
    /// has its row whatever the order of the loops.
    fn star_own(
        &self,
        table: Option<&Ident<'_>>,
        seen: &mut bool,
        row: &dyn EvalContext<A>,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<()> {
        let Some((info, alias)) = self.table.as_ref() else {
            return match table {
                Some(_) => Ok(()),
                None => Err(Error::Sql("no tables specified")),
            };
        };
        if let Some(name) = table {
            let named = match alias {
                Some(a) => a.as_str().is_some_and(|a| name.eq_ignore_ascii_case(a)),
                None => name.eq_ignore_ascii_case(&info.name),
            };
            if !named || *seen {
                return Ok(());
            }
            *seen = true;
        }
        for i in 0..info.star_count() {
            match self.merged.get(i).copied().unwrap_or_default() {
                _ if table.is_some() => visit(self.column_at(ColumnPos::Column(i))?)?,
                Merge::Into | Merge::Taken => {}
                Merge::Yields { level, column } => {
                    visit(row.column_in(level, ColumnPos::Column(column))?)?;
                }
                Merge::Own | Merge::Named => visit(self.column_at(ColumnPos::Column(i))?)?,
            }
        }
        Ok(())
    }

    /// The value at `pos` in the current row of the table at `level` of
    /// the statement's `FROM`: this context's, or one it is nested in.
    pub fn column_of(&self, level: usize, pos: ColumnPos) -> Result<ValueRef<'_>> {
        if level == self.level {
            return self.column_at(pos);
        }
        match self.env.and_then(|e| e.outer) {
            Some(outer) if self.depth > 0 => outer.column_in(level, pos),
            _ => Err(Error::Sql("no such column")),
        }
    }
}

impl<A: Allocator + Clone> EvalContext<A> for RowContext<'_, '_, A> {
    fn allocator(&self) -> A {
        self.alloc.clone()
    }

    #[inline(always)]
    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        match self.lookup(column)? {
            Found::Here(_, pos) => self.column_at(pos),
            Found::Outer(outer) => outer.column(column),
        }
    }

    fn column_shape(&self, column: &ColumnRef<'_>) -> Result<Option<(ValueType, usize)>> {
        match self.lookup(column)? {
            Found::Here(_, pos) => self.shape_at(pos),
            Found::Outer(outer) => outer.column_shape(column),
        }
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        match self.lookup(column) {
            Ok(Found::Here(table, ColumnPos::Column(i))) => match table.meta.get(i) {
                Some(m) if m.compared => Some(m.affinity),
                Some(_) => None,
                None => Some(Affinity::Blob),
            },
            Ok(Found::Here(_, ColumnPos::Rowid)) => Some(Affinity::Integer),
            Ok(Found::Outer(outer)) => outer.column_affinity(column),
            Err(_) => Some(Affinity::Blob),
        }
    }

    fn column_json(&self, column: &ColumnRef<'_>) -> ColumnJson {
        match self.lookup(column) {
            Ok(Found::Here(table, ColumnPos::Column(i))) => {
                if table.function.is_some() && i == crate::sql::eval::json::VALUE {
                    // Read back from a group, SQLite's value has lost
                    // its subtype, or kept it, as its plan goes.
                    if self.aggregated.is_some() {
                        return ColumnJson::Unknown;
                    }
                    let kind = self.column_at(ColumnPos::Column(json::TYPE));
                    return ColumnJson::Row(kind.is_ok_and(super::json_table::value_is_json));
                }
                match table.json_columns.get(i) {
                    Some(true) => ColumnJson::Unknown,
                    _ => ColumnJson::Never,
                }
            }
            Ok(Found::Here(_, ColumnPos::Rowid)) | Err(_) => ColumnJson::Never,
            Ok(Found::Outer(outer)) => outer.column_json(column),
        }
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        match self.lookup(column) {
            Ok(Found::Here(table, ColumnPos::Column(i))) => table
                .columns
                .columns
                .get(i)
                .and_then(|c| c.collation)
                .unwrap_or_default(),
            Ok(Found::Outer(outer)) => outer.column_collation(column),
            _ => Collation::Binary,
        }
    }

    fn column_in(&self, level: usize, pos: ColumnPos) -> Result<ValueRef<'_>> {
        self.column_of(level, pos)
    }

    fn star_in(
        &self,
        level: usize,
        table: Option<&Ident<'_>>,
        seen: &mut bool,
        row: &dyn EvalContext<A>,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<bool> {
        self.star_at(level, table, seen, row, visit)
    }

    fn ambiguous_in(&self, column: &ColumnRef<'_>, seen: bool) -> bool {
        let here = self.table.as_ref().is_some_and(|(table, alias)| {
            resolve(table, alias.as_ref(), column).is_some()
                && !(column.table.is_none()
                    && named_column(table, column)
                        .and_then(|i| self.merged.get(i))
                        .is_some_and(|m| m.unnamed()))
        });
        if here && seen {
            return true;
        }
        match self.env.and_then(|e| e.outer) {
            // A table of the same join, which nests it deeper.
            Some(outer) if self.depth > 0 => outer.ambiguous_in(column, seen || here),
            // The row of the statement this one is a subquery of.
            Some(outer) if !here && !seen => outer.ambiguous_in(column, false),
            _ => false,
        }
    }

    fn has_column(&self, column: &ColumnRef<'_>) -> bool {
        match self.lookup(column) {
            Ok(Found::Here(..)) => true,
            Ok(Found::Outer(outer)) => outer.has_column(column),
            Err(_) => false,
        }
    }

    fn subquery(
        &self,
        select: &Select<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        let (env, runner) = Env::with_runner(self.env)?;
        runner.run(
            select,
            Env {
                outer: Some(self),
                ..env
            },
            shape,
            visit,
        )
    }

    fn subquery_rows(
        &self,
        select: &Select<'_, A>,
        n: usize,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        let (env, runner) = Env::with_runner(self.env)?;
        runner.rows(
            select,
            Env {
                outer: Some(self),
                ..env
            },
            n,
            visit,
        )
    }

    fn subquery_member(
        &self,
        select: &Select<'_, A>,
        probe: &[ValueRef<'_>],
        keys: &[SetKey],
    ) -> Result<Option<Option<bool>>> {
        let Some((env, runner)) = self.env.and_then(|e| Some((e, e.subqueries?))) else {
            return Ok(None);
        };
        runner.member(
            select,
            Env {
                outer: Some(self),
                ..env
            },
            probe,
            keys,
        )
    }

    fn subquery_affinity(&self, select: &Select<'_, A>, column: usize) -> Result<Option<Affinity>> {
        let Some(env) = self.env else {
            return Ok(None);
        };
        match env.subqueries {
            Some(runner) => runner.affinity(
                select,
                column,
                Env {
                    outer: Some(self),
                    ..env
                },
            ),
            None => Ok(None),
        }
    }

    fn subquery_collation(
        &self,
        select: &Select<'_, A>,
        column: usize,
    ) -> Result<SubqueryCollation> {
        let Some((env, runner)) = self.env.and_then(|e| Some((e, e.subqueries?))) else {
            return Ok(SubqueryCollation::default());
        };
        runner.collation(
            select,
            column,
            Env {
                outer: Some(self),
                ..env
            },
        )
    }

    fn param(&self, number: ParamNo) -> Result<ValueRef<'_>> {
        Ok(self
            .params
            .get(number.get() - 1)
            .map_or(ValueRef::Null, Value::as_ref))
    }

    fn aggregate(&self, call: &FunctionCall<'_, A>) -> Option<ValueRef<'_>> {
        let aggregated = self.aggregated?;
        let site = site_of(call);
        let (_, i) = aggregated.sites.iter().find(|(s, _)| *s == site)?;
        aggregated.values.get(*i).map(Value::as_ref)
    }

    fn random(&self) -> i64 {
        next_random(self.random)
    }

    fn now_unix_millis(&self) -> Option<i64> {
        self.env?.now?.get()
    }

    fn raise(&self, raise: &crate::sql::Raise<'_>) -> Error {
        match self.env.and_then(|e| e.active) {
            Some(_) => super::triggers::fire::raised(raise, &self.alloc),
            None => Error::Sql("RAISE() may only be used within a trigger-program"),
        }
    }

    fn change_counts(&self) -> Option<[i64; 3]> {
        let c = self.env?.counters?;
        Some([c.last_rowid.get(), c.changes.get(), c.total.get()])
    }
}
