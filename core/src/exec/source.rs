//! [`Source`]: the rows a statement visits, in rowid order (in index
//! order for an index seek), as its plan narrows them; or, for a query
//! without `FROM`, one row with no columns.
//!
//! Invariant: the source only positions its cursors; the caller reads the
//! current row through [`Source::with_row`], which parses the record and
//! hands an expression context over it, and evaluates `WHERE` itself, or
//! hands [`Source::find`] the test a row must pass. A walk in rowid order
//! reads each row from one visit to its page. An index seek walks the
//! index entries whose first column equals its key, or lies in its range,
//! and moves the table cursor to the rowid each one ends with. A range is
//! walked in index order: on a descending column from its upper bound
//! down to its lower one. A `WITHOUT ROWID` table is walked in key order
//! through its index B-tree, whole or sought by its primary key's first
//! column as an index is (the entry found is the row, which the table's
//! cursor is moved to). A source outlives a run of its
//! statement: the next run restarts it with a fresh plan, keeping its
//! table and cursor.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{SeekMode, StoredRecord};
use crate::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_values};
use crate::schema::StoredBy;
use crate::sql::eval::Value;
use crate::sql::{ColumnPos, Ident};
use crate::{Error, PageNo, Result, RowId};

use super::Env;
use super::auto_index::{AutoIndex, Budget as AutoBudget, By};
use super::context::{Place, RowContext, Spill};
use super::plan::{Access, Chosen, Plan, Proven};
use super::scope::Merge;
use crate::table::SchemaVersion;
use crate::table::TableInfo;
use crate::table::{EntryCursor, IndexInfo, KeyCursor, Of, RowCursor, View};

/// A table cursor over a connection's view.
pub(crate) type Cursor<'v, P, A> = RowCursor<'v, P, A>;

/// An index cursor over a connection's view.
type Index<'v, P, A> = KeyCursor<'v, P, A>;

/// One end of an index walk: the value on the first column and whether
/// entries equal to it are included.
type End<A> = Option<(Value<A>, bool)>;

/// The most primary key columns of a `WITHOUT ROWID` table an index
/// seek follows from an entry to its row.
const MAX_KEY: usize = 16;

/// How an index entry leads to its row.
#[derive(Debug, Clone, Copy)]
enum Locate {
    /// By the rowid that ends it.
    Rowid,
    /// It is the row: the tree is a `WITHOUT ROWID` table's own.
    Itself,
    /// By the primary key of a `WITHOUT ROWID` table: its columns, in
    /// key order, are the entry's columns at the first `len` positions
    /// of `at`.
    Key { at: [u16; MAX_KEY], len: usize },
}

/// Where the primary key columns of the `WITHOUT ROWID` table `table`
/// are in the entries of its index `index`: a key column the index's own
/// columns hold with the key's collation is read there, the others from
/// the entry's tail, in key order (see [`crate::table::IndexInfo::tail`]).
/// `None` when the key has more than [`MAX_KEY`] columns.
fn key_positions<A: Allocator>(table: &TableInfo<A>, index: &IndexInfo<A>) -> Option<Locate> {
    let columns = &table.columns;
    let key = columns
        .primary_autoindex
        .and_then(|at| columns.autoindexes.get(at))?;
    let own = &index.columns.columns;
    let (mut at, mut len) = ([0u16; MAX_KEY], 0);
    for (k, column) in key.iter().enumerate() {
        // A column the key names twice is stored once.
        if key.get(..k)?.iter().any(|b| b.source == column.source) {
            continue;
        }
        let held = own
            .iter()
            .position(|c| c.source == column.source && c.collation == column.collation);
        let pos = match held {
            Some(pos) => pos,
            None => own.len() + index.tail.iter().position(|t| t.source == column.source)?,
        };
        *at.get_mut(len)? = u16::try_from(pos).ok()?;
        len += 1;
    }
    Some(Locate::Key { at, len })
}

/// The index an index seek walks, with its ends in index order.
struct IndexSeek<'v, P: Platform, A: Allocator + Clone> {
    cursor: EntryCursor<'v, P, A>,
    /// Where the index is in its table's indexes.
    index: usize,
    /// Where the walk starts; `None`: at the first entry.
    start: End<A>,
    /// Where the walk stops; `None`: after the last entry.
    stop: End<A>,
    /// Whether the walk stops after the entries equal to `start` (an
    /// equality seek, which holds its key once).
    equal: bool,
    /// How the first column compares.
    column: KeyColumn,
    /// How an entry leads to its row.
    locate: Locate,
}

/// A table's cursor: over its table B-tree by rowid, or over the index
/// B-tree of a `WITHOUT ROWID` table by primary key.
enum Stored<'v, P: Platform, A: Allocator + Clone> {
    Rowid(Cursor<'v, P, A>),
    Key(Index<'v, P, A>),
}

/// Where an index walk's move left it.
#[derive(Debug, Clone, Copy)]
enum Landed {
    /// Past the walk's last entry.
    End,
    /// On an entry, the table's cursor on its row.
    Row,
    /// On an entry of the index page `page` naming the row `rowid`, the
    /// table's cursor not yet moved to it: the caller seeks it, and may
    /// read it from the same visit to its leaf.
    Rowid { rowid: RowId, page: Option<PageNo> },
}

/// The error for an automatic index entry whose row is gone: the index
/// outlived the rows it was read from.
const fn stale_auto() -> Error {
    Error::Misuse("an automatic index names a row that is gone")
}

/// The error for an index entry whose row is not in its table.
const fn missing_row(page: Option<PageNo>) -> Error {
    Error::Corrupt {
        page,
        reason: "an index entry names a row that is not there",
    }
}

/// The rows one statement visits.
pub(crate) struct Source<'v, P: Platform, A: Allocator + Clone> {
    /// The table and its cursor; `None` for a query without `FROM`.
    table: Option<(TableInfo<A>, Stored<'v, P, A>)>,
    /// For [`Plan::IndexEq`] and [`Plan::IndexRange`], the index walked.
    index: Option<IndexSeek<'v, P, A>>,
    /// For [`Plan::RowidIn`], the rowids sought, ascending, and the next.
    rowids: Vec<RowId, A>,
    next_rowid: usize,
    /// For [`Plan::IndexIn`], the keys sought after the first, in index
    /// order (each taken when its turn comes), and the next.
    keys: Vec<Value<A>, A>,
    next_key: usize,
    /// For [`Plan::AutoEq`]: the automatic index, the key sought, and
    /// whether entries past the rowids `rowids` holds may follow.
    auto: Option<Box<AutoIndex<P, A>, A>>,
    auto_key: Option<Value<A>>,
    auto_more: bool,
    plan: Plan,
    /// What of its clause the plan proves for every row it visits
    /// ([`Access::proven`]).
    proven: Proven,
    started: bool,
    done: bool,
    /// Where the table is in the statement's `FROM` and its join's
    /// nest (see [`RowContext`]).
    place: Place,
    /// Per column: how a join's `USING` or `NATURAL` merged it (empty:
    /// none is).
    merged: Vec<Merge, A>,
    /// Whether the names of the statement reading the source were
    /// checked, and bound, against its table: a restarted source is read
    /// by the same statement under the same schema, so they need not be
    /// checked again.
    pub checked: bool,
    /// What of its plan the statement reading the source chose once, for
    /// its later runs (see [`Chosen`]).
    pub chosen: Chosen,
}

impl<'v, P: Platform, A: Allocator + Clone> Source<'v, P, A> {
    /// A source over `table` (none: the constant row) that visits every
    /// row, its names not yet checked.
    fn over(table: Option<(TableInfo<A>, Stored<'v, P, A>)>, alloc: A) -> Self {
        Source {
            merged: Vec::new_in(alloc.clone()),
            rowids: Vec::new_in(alloc.clone()),
            next_rowid: 0,
            keys: Vec::new_in(alloc),
            next_key: 0,
            auto: None,
            auto_key: None,
            auto_more: false,
            table,
            index: None,
            plan: Plan::Scan,
            proven: Proven::Nothing,
            started: false,
            done: false,
            place: Place::in_order(0),
            checked: false,
            chosen: Chosen::Unknown,
        }
    }

    /// The source, its table at `level` of the statement's `FROM`, the
    /// columns merged as `merged` says.
    pub fn at_level(mut self, level: usize, merged: Vec<Merge, A>) -> Self {
        self.place = Place::in_order(level);
        self.merged = merged;
        self
    }

    /// Nests the table's loop at `depth` of its join.
    pub fn set_depth(&mut self, depth: usize) {
        self.place.depth = depth;
    }

    /// Per column: how it is merged.
    pub fn merged(&self) -> &[Merge] {
        &self.merged
    }

    /// Sets how `USING` or `NATURAL` merged column `i`.
    pub fn merge(&mut self, i: usize, merge: Merge) {
        if let Some(m) = self.merged.get_mut(i) {
            *m = merge;
        }
    }

    /// The one empty row of a query without `FROM`.
    pub fn constant(alloc: A) -> Self {
        Self::over(None, alloc)
    }

    /// The rows of `table` that `access` visits.
    pub fn table(view: &'v View<'v, P, A>, table: TableInfo<A>, access: Access<A>) -> Self {
        let cursor = match table.columns.stored_by {
            StoredBy::Rowid => Stored::Rowid(view.table_cursor(table.side, table.root)),
            StoredBy::PrimaryKey => Stored::Key(view.index_cursor(table.side, table.root)),
        };
        let mut source = Self::over(Some((table, cursor)), view.allocator().clone());
        source.restart(view, access);
        source
    }

    /// Whether the source reads the table `name` as the schema `version`
    /// has it, so that a run can [`restart`](Self::restart) it.
    pub fn reads(&self, name: &Ident<'_>, version: SchemaVersion) -> bool {
        self.info().is_some_and(|t| t.is(name, version))
    }

    /// Makes the source visit, from the start, the rows of its table
    /// that `access` visits; its table and cursor are kept.
    pub fn restart(&mut self, view: &'v View<'v, P, A>, access: Access<A>) {
        let Access {
            mut plan,
            key,
            high,
            rowids,
            keys,
            proven,
        } = access;
        self.next_rowid = 0;
        match rowids {
            Some(rowids) => self.rowids = rowids,
            None => self.rowids.clear(),
        }
        match keys {
            Some(keys) => self.keys = keys,
            None => self.keys.clear(),
        }
        // The first key starts the walk; the others follow it.
        let first_key = self
            .keys
            .first_mut()
            .map(|k| core::mem::replace(k, Value::Null));
        self.next_key = 1;
        let key = match plan {
            Plan::AutoEq { column } => {
                let held = self
                    .auto
                    .as_ref()
                    .is_some_and(|a| matches!(a.by(), By::Column(c, _) if c == column));
                match (key, held) {
                    (Some(key), true) => self.auto_key = Some(key),
                    // No key is NULL's (no row); no index, a scan's.
                    (None, _) => plan = Plan::Empty,
                    (Some(_), false) => plan = Plan::Scan,
                }
                self.auto_more = true;
                None
            }
            _ => key,
        };
        let ends = match plan {
            Plan::IndexEq { index } => key.map(|key| (index, Some((key, true)), None, true)),
            Plan::IndexIn { index } => first_key.map(|key| (index, Some((key, true)), None, true)),
            Plan::IndexRange {
                index,
                low,
                high: upper,
            } => {
                let low = low.zip(key).map(|(inclusive, v)| (v, inclusive));
                let upper = upper.zip(high).map(|(inclusive, v)| (v, inclusive));
                Some((index, low, upper, false))
            }
            _ => None,
        };
        let table = self.info();
        self.index = ends.and_then(|(index, low, high, equal)| {
            let i = table?.seekable().get(index)?;
            let column = i.keys.first().copied().unwrap_or_default();
            // A descending column keeps its largest values first.
            let (start, stop) = match column.order {
                SortOrder::Desc if !equal => (high, low),
                _ => (low, high),
            };
            let table = table?;
            let locate = match table.columns.stored_by {
                StoredBy::Rowid => Locate::Rowid,
                StoredBy::PrimaryKey if table.seekable().is_primary(index) => Locate::Itself,
                StoredBy::PrimaryKey => key_positions(table, i)?,
            };
            Some(IndexSeek {
                cursor: match table.columns.stored_by {
                    StoredBy::Rowid => view.entry_cursor(table.side, i.root),
                    // The version store holds no row of a `WITHOUT ROWID`
                    // table: its B-trees are what every reader sees.
                    StoredBy::PrimaryKey => {
                        EntryCursor::Tree(view.index_cursor(table.side, i.root))
                    }
                },
                index,
                start,
                stop,
                equal,
                column,
                locate,
            })
        });
        let indexed = matches!(
            plan,
            Plan::IndexEq { .. } | Plan::IndexIn { .. } | Plan::IndexRange { .. }
        );
        let mut proven = proven;
        if indexed && self.index.is_none() {
            // No key, no such index, or entries that do not lead to
            // their rows: fall back to visiting every row, the whole
            // clause evaluated on each.
            plan = Plan::Scan;
            proven = Proven::Nothing;
        }
        self.plan = plan;
        self.proven = proven;
        self.started = false;
        self.done = false;
    }

    /// What of its clause the plan proves for every row the source
    /// visits.
    pub fn proven(&self) -> Proven {
        self.proven
    }

    /// The next rowid the automatic index names for the key sought,
    /// taken in chunks; `None` past the last.
    fn next_auto(&mut self) -> Result<Option<RowId>> {
        loop {
            if let Some(&rowid) = self.rowids.get(self.next_rowid) {
                self.next_rowid += 1;
                return Ok(Some(rowid));
            }
            let (true, Some(auto), Some(key)) = (self.auto_more, &self.auto, &self.auto_key) else {
                return Ok(None);
            };
            let after = self.rowids.last().copied();
            self.auto_more = auto.rowids(key.as_ref(), after, &mut self.rowids)?;
            self.next_rowid = 0;
            if self.rowids.is_empty() {
                return Ok(None);
            }
        }
    }

    /// Whether the source holds an automatic index on `column` under
    /// `collation` whose rows are the table's as they are now.
    pub fn has_auto(&self, view: &View<'_, P, A>, column: usize, collation: Collation) -> bool {
        let Some(table) = self.info() else {
            return false;
        };
        let generation = view.generation(table.side);
        self.auto
            .as_ref()
            .is_some_and(|a| a.serves(By::Column(column, collation), generation))
    }

    /// Reads every row of the table (the table called `alias`, the rows
    /// around it `env`'s) into an automatic index on `column` under
    /// `collation`, its entries in memory within `budget`; `false`,
    /// with no index, when it needed a temporary database the platform
    /// could not open. Only running out of memory is an error.
    pub fn build_auto(
        &mut self,
        view: &'v View<'v, P, A>,
        (column, collation): (usize, Collation),
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        budget: &AutoBudget,
    ) -> Result<bool> {
        self.drop_auto(budget);
        let Some(table) = self.info() else {
            return Ok(false);
        };
        let alloc = self.merged.allocator().clone();
        let generation = view.generation(table.side);
        let mut auto = Box::try_new_in(
            AutoIndex::new(By::Column(column, collation), generation, &alloc),
            alloc.clone(),
        )?;
        let mut record = Vec::new_in(alloc);
        let mut failed = None;
        self.restart(view, Access::scan());
        let scanned = self.find(env, alias, |ctx| {
            let rowid = match ctx.column_at(ColumnPos::Rowid)? {
                ValueRef::Integer(n) => RowId::new(n),
                _ => return Err(Error::Misuse("a rowid that is not an integer")),
            };
            let value = ctx.column_at(ColumnPos::Column(column))?;
            match auto.push(
                (value, rowid.get(), &[]),
                budget,
                view.platform(),
                &mut record,
            ) {
                Ok(()) => Ok(false),
                Err(e) => {
                    failed = Some(e);
                    // Stops the scan: the index cannot be finished.
                    Ok(true)
                }
            }
        });
        // The table's own errors are the statement's; the temporary
        // database's (a platform without temporary files) leave the
        // level to its scans, unless memory ran out.
        let finished = match (scanned, failed) {
            (Err(e), _) => Err(e),
            (Ok(_), Some(e)) => Err(e).or_else(|e| match e {
                Error::OutOfMemory => Err(e),
                _ => Ok(false),
            }),
            (Ok(_), None) => auto.finish().map(|()| true).or_else(|e| match e {
                Error::OutOfMemory => Err(e),
                _ => Ok(false),
            }),
        };
        match finished {
            Ok(true) => {
                self.auto = Some(auto);
                Ok(true)
            }
            other => {
                auto.release(budget);
                other
            }
        }
    }

    /// Drops the automatic index, if any, giving its memory back to
    /// `budget`.
    pub fn drop_auto(&mut self, budget: &AutoBudget) {
        if let Some(auto) = self.auto.take() {
            auto.release(budget);
        }
    }

    /// The table, if any.
    pub fn info(&self) -> Option<&TableInfo<A>> {
        self.table.as_ref().map(|(t, _)| t)
    }

    /// The table, taken back.
    pub fn into_info(self) -> Option<TableInfo<A>> {
        self.table.map(|(t, _)| t)
    }

    /// Moves to the next row; `false` when there is none.
    pub fn advance(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let first = !self.started;
        self.started = true;
        let on = match &mut self.table {
            None => first,
            Some(_) if self.index.is_some() => match self.walk_index(first)? {
                Landed::End => false,
                Landed::Row => true,
                Landed::Rowid { rowid, page } => match &mut self.table {
                    Some((_, Stored::Rowid(cursor))) => {
                        if !cursor.seek(rowid, SeekMode::Eq)? {
                            return Err(missing_row(page));
                        }
                        true
                    }
                    _ => return Err(Error::Misuse("a rowid walk of a WITHOUT ROWID table")),
                },
            },
            Some((_, Stored::Key(cursor))) => match (self.plan, first) {
                (Plan::Scan, true) => cursor.first()?,
                (Plan::Scan, false) => cursor.next()?,
                (Plan::Empty, _) => false,
                _ => return Err(Error::Misuse("a keyed walk of a WITHOUT ROWID table")),
            },
            Some((_, Stored::Rowid(_))) if matches!(self.plan, Plan::AutoEq { .. }) => {
                match (self.next_auto()?, &mut self.table) {
                    (None, _) => false,
                    (Some(rowid), Some((_, Stored::Rowid(cursor)))) => {
                        if !cursor.seek(rowid, SeekMode::Eq)? {
                            return Err(stale_auto());
                        }
                        true
                    }
                    (Some(_), _) => {
                        return Err(Error::Misuse("a rowid walk of a WITHOUT ROWID table"));
                    }
                }
            }
            Some((_, Stored::Rowid(cursor))) if self.plan == Plan::RowidIn => loop {
                let Some(&rowid) = self.rowids.get(self.next_rowid) else {
                    break false;
                };
                self.next_rowid += 1;
                if cursor.seek_near(rowid)? {
                    break true;
                }
            },
            Some((_, Stored::Rowid(cursor))) => {
                walk_table(self.plan, cursor, first)?
                    && match high_of(self.plan) {
                        Some(high) => !beyond(high, cursor.rowid()?),
                        None => true,
                    }
            }
        };
        if !on {
            self.done = true;
        }
        Ok(on)
    }

    /// The next entry of the index walk, the next key's entries when
    /// this key's end (`IN`); [`Landed::End`] (and done) past the last.
    fn walk_index(&mut self, first: bool) -> Result<Landed> {
        let (Some((table, stored)), Some(seek)) = (&mut self.table, self.index.as_mut()) else {
            return Ok(Landed::End);
        };
        let mut landed = seek.advance(stored, table, first)?;
        while matches!(landed, Landed::End) && matches!(self.plan, Plan::IndexIn { .. }) {
            let Some(key) = self.keys.get_mut(self.next_key) else {
                break;
            };
            self.next_key += 1;
            seek.start = Some((core::mem::replace(key, Value::Null), true));
            landed = seek.advance(stored, table, true)?;
        }
        if matches!(landed, Landed::End) {
            self.done = true;
        }
        Ok(landed)
    }

    /// Moves to the next row for which `keep`, given a context on it (the
    /// table called `alias` in the statement), is true; `false` when
    /// there is none. A walk of the table in rowid order reads the rows
    /// of each leaf from one visit to it.
    pub fn find(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        mut keep: impl FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        let plan = self.plan;
        let (table, cursor) = match (plan, &self.index, &mut self.table) {
            (Plan::Scan | Plan::RowidRange { .. }, None, Some((table, Stored::Rowid(cursor))))
                if !self.done =>
            {
                (&*table, cursor)
            }
            (_, Some(_), Some((_, Stored::Rowid(_)))) => loop {
                // An index walk: each row it names is sought and read
                // from one visit to its leaf.
                if self.done {
                    return Ok(false);
                }
                let first = !self.started;
                self.started = true;
                let (rowid, page) = match self.walk_index(first)? {
                    Landed::End => return Ok(false),
                    Landed::Row => {
                        if self.with_row(env, alias, &mut keep)? {
                            return Ok(true);
                        }
                        continue;
                    }
                    Landed::Rowid { rowid, page } => (rowid, page),
                };
                let Some((table, Stored::Rowid(cursor))) = &mut self.table else {
                    return Err(Error::Misuse("a rowid walk of a WITHOUT ROWID table"));
                };
                let at = (&*table, self.place, self.merged.as_slice());
                let kept = cursor.seek_then(rowid, |rowid, record| {
                    on_row(env, at, alias, rowid, record, &mut keep)
                })?;
                match kept {
                    Some(true) => return Ok(true),
                    Some(false) => {}
                    None => return Err(missing_row(page)),
                }
            },
            (Plan::AutoEq { .. }, None, Some((_, Stored::Rowid(_)))) => loop {
                // Each row the automatic index names is sought and read
                // from one visit to its leaf.
                if self.done {
                    return Ok(false);
                }
                self.started = true;
                let Some(rowid) = self.next_auto()? else {
                    self.done = true;
                    return Ok(false);
                };
                let Some((table, Stored::Rowid(cursor))) = &mut self.table else {
                    return Err(Error::Misuse("a rowid walk of a WITHOUT ROWID table"));
                };
                let at = (&*table, self.place, self.merged.as_slice());
                let kept = cursor.seek_then(rowid, |rowid, record| {
                    on_row(env, at, alias, rowid, record, &mut keep)
                })?;
                match kept {
                    Some(true) => return Ok(true),
                    Some(false) => {}
                    None => return Err(stale_auto()),
                }
            },
            _ => loop {
                // A seek, or the constant row, visits rows one at a time.
                if !self.advance()? {
                    return Ok(false);
                }
                if self.with_row(env, alias, &mut keep)? {
                    return Ok(true);
                }
            },
        };
        let first = !self.started;
        self.started = true;
        let (place, merged) = (self.place, self.merged.as_slice());
        if !walk_table(plan, cursor, first)? {
            self.done = true;
            return Ok(false);
        }
        // The upper bound is checked here, on the page the scan reads.
        let high = high_of(plan);
        let mut past = false;
        let on = cursor.scan_records(|rowid, record| {
            if high.is_some_and(|high| beyond(high, rowid)) {
                past = true;
                return Ok(true);
            }
            on_row(env, (table, place, merged), alias, rowid, record, &mut keep)
        })?;
        if !on || past {
            self.done = true;
            return Ok(false);
        }
        Ok(true)
    }

    /// The current row's rowid (0 without a table); a `WITHOUT ROWID`
    /// table has none to give.
    pub fn rowid(&self) -> Result<RowId> {
        match &self.table {
            Some((_, Stored::Rowid(cursor))) => cursor.rowid(),
            Some((_, Stored::Key(_))) => Err(Error::Sql(
                "changing the rows of WITHOUT ROWID tables is not supported",
            )),
            None => Ok(RowId::new(0)),
        }
    }

    /// Runs `f` on the current row's record when the table is a `WITHOUT
    /// ROWID` table (whose key columns find the row again).
    pub fn with_keyed_record<T>(&mut self, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        match &mut self.table {
            Some((_, Stored::Key(cursor))) => f(&cursor.payload()?),
            _ => Err(Error::Misuse("a keyed record of a table keyed by rowid")),
        }
    }

    /// Where the current row is, for [`Self::seek_position`]: its rowid,
    /// or the record of a `WITHOUT ROWID` table's row, whose primary key
    /// finds it again (0 without a table).
    pub fn position(&mut self) -> Result<Value<A>> {
        match &mut self.table {
            Some((_, Stored::Rowid(cursor))) => Ok(Value::Integer(cursor.rowid()?.get())),
            Some((_, Stored::Key(cursor))) => {
                let payload = cursor.payload()?;
                let alloc = self.merged.allocator().clone();
                let mut record = Vec::try_with_capacity_in(payload.len(), alloc)?;
                record.try_extend_from_slice(&payload)?;
                Ok(Value::Blob(record))
            }
            None => Ok(Value::Integer(0)),
        }
    }

    /// Moves the table cursor to the row at `position` (from
    /// [`Self::position`]), whatever the plan; `false` when there is none.
    /// Without a table, the one empty row.
    pub fn seek_position(&mut self, position: &Value<A>) -> Result<bool> {
        match (&mut self.table, position) {
            (None, _) => Ok(true),
            (Some((_, Stored::Rowid(cursor))), Value::Integer(rowid)) => {
                cursor.seek(RowId::new(*rowid), SeekMode::Eq)
            }
            (Some((table, Stored::Key(cursor))), Value::Blob(record)) => {
                let record = RecordRef::parse(record, Some(table.root))?;
                cursor.seek_record(&record, &table.record_keys, SeekMode::Eq)
            }
            _ => Err(Error::Misuse("a row position of another table")),
        }
    }

    /// Runs `f` with a context that has the table (called `alias` in the
    /// statement) in scope and no row current.
    pub fn with_table<T>(
        &self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        match &self.table {
            None => f(&env.context()),
            Some((table, _)) => f(&env
                .context()
                .with_table(table, alias)
                .placed(self.place, &self.merged)),
        }
    }

    /// Runs `f` with a context on the current row, the table called
    /// `alias` in the statement.
    pub fn with_row<T>(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        match &mut self.table {
            None => f(&env.context()),
            Some((table, Stored::Rowid(cursor))) => {
                let at = (&*table, self.place, self.merged.as_slice());
                cursor.with_record(|rowid, record| on_row(env, at, alias, rowid, record, f))
            }
            Some((table, Stored::Key(cursor))) => {
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(table.root))?;
                let mut ctx = env
                    .context()
                    .with_table(table, alias)
                    .placed(self.place, &self.merged);
                // The table has no rowid, and no name reads one.
                ctx.on_row(RowId::new(0), record);
                f(&ctx)
            }
        }
    }
}

/// Runs `f` with a context on the row `rowid` of `table` (called `alias`
/// in the statement, at `level` of its `FROM`), whose record is `record`:
/// a record that spills is assembled only if `f` reads a column past its
/// local bytes.
#[inline]
fn on_row<A: Allocator + Clone, T>(
    env: Env<'_, A>,
    (table, place, merged): (&TableInfo<A>, Place, &[Merge]),
    alias: Option<Ident<'_>>,
    rowid: RowId,
    record: StoredRecord<'_, A>,
    f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
) -> Result<T> {
    if !record.is_complete() {
        return on_spilled_row(env, (table, place, merged), alias, rowid, record, f);
    }
    let record = RecordRef::parse(record.local(), Some(table.root))?;
    let mut ctx = env.context().with_table(table, alias).placed(place, merged);
    ctx.on_row(rowid, record);
    f(&ctx)
}

/// [`on_row`] for a record that spills: read from its local bytes when
/// they hold its header, the rest assembled only if a column needs it.
#[cold]
#[inline(never)]
fn on_spilled_row<A: Allocator + Clone, T>(
    env: Env<'_, A>,
    (table, place, merged): (&TableInfo<A>, Place, &[Merge]),
    alias: Option<Ident<'_>>,
    rowid: RowId,
    record: StoredRecord<'_, A>,
    f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
) -> Result<T> {
    let page = Some(table.root);
    let (local, size) = (record.local(), record.size());
    let Some(prefix) = RecordRef::parse_prefix(local, size, page)? else {
        let whole = RecordRef::parse(record.into_whole()?, page)?;
        let mut ctx = env.context().with_table(table, alias).placed(place, merged);
        ctx.on_row(rowid, whole);
        return f(&ctx);
    };
    let spill = Spill::new(record);
    let mut ctx = env.context().with_table(table, alias).placed(place, merged);
    ctx.on_prefix(rowid, prefix, &spill);
    f(&ctx)
}

/// Moves `cursor` through the rows of a walk in rowid order: to where
/// `plan` starts on the `first` move, else to the next row; `false` when
/// there is none. The upper bound is the caller's to check.
fn walk_table<P: Platform, A: Allocator + Clone>(
    plan: Plan,
    cursor: &mut Cursor<'_, P, A>,
    first: bool,
) -> Result<bool> {
    match (plan, first) {
        (
            Plan::Empty
            | Plan::RowidIn
            | Plan::IndexEq { .. }
            | Plan::IndexIn { .. }
            | Plan::IndexRange { .. }
            | Plan::AutoEq { .. },
            _,
        )
        | (Plan::RowidEq(_), false) => Ok(false),
        (Plan::RowidEq(n), true) => cursor.seek(n, SeekMode::Eq),
        (Plan::Scan | Plan::RowidRange { low: None, .. }, true) => cursor.first(),
        (
            Plan::RowidRange {
                low: Some((n, inclusive)),
                ..
            },
            true,
        ) => {
            let mode = if inclusive {
                SeekMode::Ge
            } else {
                SeekMode::Gt
            };
            cursor.seek(n, mode)
        }
        (_, false) => cursor.next(),
    }
}

/// The upper rowid bound of `plan`, and whether it is included.
fn high_of(plan: Plan) -> Option<(RowId, bool)> {
    match plan {
        Plan::RowidRange { high, .. } => high,
        _ => None,
    }
}

/// Whether `rowid` lies past the upper bound `high`.
fn beyond((high, inclusive): (RowId, bool), rowid: RowId) -> bool {
    if inclusive {
        rowid > high
    } else {
        rowid >= high
    }
}

impl<'v, P: Platform, A: Allocator + Clone> IndexSeek<'v, P, A> {
    /// Moves to the next index entry between the ends and the table's
    /// cursor to the row it names: by the rowid that ends it, or, for a
    /// `WITHOUT ROWID` table walked by its primary key, by the entry
    /// itself (the row); `false` when there is none.
    fn advance(
        &mut self,
        stored: &mut Stored<'v, P, A>,
        table: &TableInfo<A>,
        first: bool,
    ) -> Result<Landed> {
        let columns = [self.column];
        let index = table
            .seekable()
            .get(self.index)
            .ok_or(Error::Misuse("an index seek's index out of place"))?;
        let of = Of { table, index };
        let on = match (&self.start, first) {
            (Some((start, inclusive)), true) => {
                let mode = if *inclusive {
                    SeekMode::Ge
                } else {
                    SeekMode::Gt
                };
                self.cursor.seek(&[start.as_ref()], &columns, mode, of)?
            }
            (None, true) => self.cursor.first(of)?,
            (_, false) => self.cursor.next(of)?,
        };
        if !on {
            return Ok(Landed::End);
        }
        let page = self.cursor.page();
        let payload = self.cursor.payload()?;
        let entry = RecordRef::parse(&payload, None)?;
        // Its first column, for the stop, and its last, the rowid: each
        // located from the header, the columns between left undecoded.
        let count = entry.column_count();
        let first = match count {
            0 => None,
            _ => Some(entry.column(0)?),
        };
        let last = match count.checked_sub(1) {
            Some(at) => Some(entry.column(at)?),
            None => None,
        };
        let stop = match (&self.stop, &self.start) {
            (Some(stop), _) => Some(stop),
            (None, Some(start)) if self.equal => Some(start),
            _ => None,
        };
        if let (Some((stop, inclusive)), Some(first)) = (stop, first) {
            let ordering = compare_values(&first, &stop.as_ref(), self.column.collation);
            let ordering = match self.column.order {
                SortOrder::Asc => ordering,
                SortOrder::Desc => ordering.reverse(),
            };
            if ordering.is_gt() || (!*inclusive && ordering.is_eq()) {
                return Ok(Landed::End);
            }
        }
        let found = match (stored, self.locate) {
            (Stored::Rowid(_), _) => {
                let Some(ValueRef::Integer(rowid)) = last else {
                    return Err(Error::Corrupt {
                        page,
                        reason: "an index entry without a rowid",
                    });
                };
                return Ok(Landed::Rowid {
                    rowid: RowId::new(rowid),
                    page,
                });
            }
            (Stored::Key(cursor), Locate::Itself) => {
                cursor.seek_record(&entry, &table.record_keys, SeekMode::Eq)?
            }
            (Stored::Key(cursor), Locate::Key { at, len }) => {
                let mut key = [ValueRef::Null; MAX_KEY];
                for (i, value) in entry.columns().enumerate() {
                    let value = value?;
                    for (slot, &pos) in key.iter_mut().zip(at.iter()).take(len) {
                        if usize::from(pos) == i {
                            *slot = value;
                        }
                    }
                }
                let key = key.get(..len).unwrap_or_default();
                let keys = table.record_keys.get(..len).unwrap_or_default();
                cursor.seek(key, keys, SeekMode::Eq)?
            }
            (Stored::Key(_), Locate::Rowid) => {
                return Err(Error::Misuse("a rowid walk of a WITHOUT ROWID table"));
            }
        };
        if !found {
            return Err(missing_row(page));
        }
        Ok(Landed::Row)
    }
}
