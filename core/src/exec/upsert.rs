//! Upsert: `INSERT ... ON CONFLICT [(target) [WHERE ...]] DO NOTHING |
//! DO UPDATE SET ... [WHERE ...]`, as SQLite runs it.
//!
//! SQLite's rules it follows (`sqlite3UpsertAnalyzeTarget`,
//! `sqlite3GenerateConstraintChecks`):
//! - a target names the rowid (the `INTEGER PRIMARY KEY` alone) or a
//!   `UNIQUE` index whose columns are the target's, in any order, each
//!   with the index's collation when the target gives one; a target
//!   that names none is an error;
//! - once `NOT NULL` and `CHECK` pass, the constraints the clauses name
//!   are checked first, in the clauses' order, then (when the last
//!   clause has no target, for it) every other one, the rowid before the
//!   indexes; the first that finds a conflict decides: `DO NOTHING`
//!   skips the row, `DO UPDATE` updates the row it conflicts with
//!   instead (when its `WHERE` holds; else the row is skipped), reading
//!   the row that was to be inserted as `excluded`, under `ABORT` for
//!   the update's own constraints; a conflict no clause names is
//!   resolved by the statement's `OR` clause, as without an upsert.
//!
//! A `WITHOUT ROWID` table's primary key takes the rowid's place.
//!
//! Subqueries in a `DO UPDATE` read the table as the rows changed so far
//! left it, those that read no row once a statement, as in SQLite.
//!
//! Refused: a row-value assignment of a subquery, a `zeroblob` inserted
//! by a statement with clauses, and a `DO UPDATE`
//! without a target on a `WITHOUT ROWID` table with `UNIQUE` indexes.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{Collation, RecordRef, ValueRef, ValueType};
use crate::schema::{ColumnSource, IndexColumn, StoredBy, collation_named, parse_stored};
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{
    EvalContext, SetKey, Shape, SubqueryCollation, Value, any_node, evaluate, evaluate_condition,
};
use crate::sql::{
    Affinity, Assignment, ColumnPos, ColumnRef, Conflict, Expr, FunctionCall, Ident, ParamNo,
    Select, Stmt, Upsert, UpsertAction, UpsertTarget,
};
use crate::table::{OrClause, TableInfo, Unique, Writer};
use crate::{Error, Result, RowId};

use super::Env;
use super::change::{Assigned, assigned_values};
use super::check::columns_exist;
use super::context::{RowContext, resolve, rowid_value};
use super::foreign_keys::coded;
use super::foreign_keys::table_keys::{Op, TableKeys};
use super::index_where;
use super::insert::{column_named, updated_column};
use super::once::Once;
use super::select::assign;
use super::store::{Record, Rules, Stored, encode_keyed, encode_stored, prepare_row, with_record};
use super::subquery::{Runner, Subqueries};

/// The name of the row that was to be inserted, in a `DO UPDATE`.
const EXCLUDED: &str = "excluded";

/// An `INSERT`'s upsert clauses, resolved against its table: which
/// constraint each applies to, in the order they are checked.
pub(crate) struct Upserts<'u, 'a, P: Platform, A: Allocator + Clone> {
    clauses: &'u [Upsert<'a, A>],
    /// The insert's `AS alias`.
    alias: Option<Ident<'a>>,
    /// Each constraint checked, with the clause that applies to it.
    order: Vec<(Unique, usize), A>,
    /// The values of the `DO UPDATE` subqueries that read no row, kept
    /// from their first run for the statement's other rows, as SQLite
    /// runs such a subquery once.
    once: Once<P, A>,
}

impl<'u, 'a, P: Platform, A: Allocator + Clone> Upserts<'u, 'a, P, A> {
    /// `clauses` resolved against `table`, their names checked.
    pub fn load(
        table: &TableInfo<A>,
        clauses: &'u [Upsert<'a, A>],
        alias: Option<Ident<'a>>,
        alloc: A,
    ) -> Result<Self> {
        let mut order: Vec<(Unique, usize), A> = Vec::new_in(alloc);
        for (i, clause) in clauses.iter().enumerate() {
            if let UpsertAction::Update {
                assignments,
                where_clause,
            } = &clause.action
            {
                for assignment in assignments.iter() {
                    for name in assignment.columns.iter() {
                        updated_column(table, name)?;
                    }
                    for value in row_items(assignment)? {
                        check_names(value, table, alias.as_ref())?;
                    }
                }
                if let Some(clause) = where_clause {
                    check_names(clause, table, alias.as_ref())?;
                }
            }
            let Some(target) = &clause.target else {
                // The last clause: every constraint no other names, the
                // indexes newest first, as SQLite checks them.
                let key = match table.columns.stored_by {
                    StoredBy::Rowid => Unique::Rowid,
                    StoredBy::PrimaryKey => Unique::PrimaryKey,
                };
                let updates = matches!(clause.action, UpsertAction::Update { .. });
                if key == Unique::PrimaryKey
                    && updates
                    && table.maintained().iter().any(|x| x.columns.unique)
                {
                    // Which of two rows a new one repeats the keys of it
                    // updates follows SQLite's in-memory order of its
                    // indexes, which is not followed here.
                    return Err(Error::Sql(
                        "ON CONFLICT DO UPDATE without a target on a WITHOUT ROWID table with UNIQUE indexes is not supported",
                    ));
                }
                let all = core::iter::once(key).chain(
                    table
                        .maintained()
                        .iter()
                        .enumerate()
                        .rev()
                        .filter(|(_, index)| index.columns.unique)
                        .map(|(j, _)| Unique::Index(j)),
                );
                for unique in all {
                    if !order.iter().any(|(u, _)| *u == unique) {
                        order.try_push((unique, i))?;
                    }
                }
                continue;
            };
            let unique = target_of(table, target)?;
            if !order.iter().any(|(u, _)| *u == unique) {
                order.try_push((unique, i))?;
            }
        }
        Ok(Upserts {
            clauses,
            alias,
            order,
            once: Once::new(),
        })
    }

    /// The foreign keys each `DO UPDATE` clause takes part in, while
    /// enforced, as an `UPDATE` of the columns it assigns.
    pub fn keys<'e>(
        &self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        env: Env<'e, A>,
    ) -> Result<Vec<Option<TableKeys<'e, A>>, A>> {
        let mut all = Vec::new_in(env.alloc.clone());
        let Some(enforcement) = env.foreign_keys else {
            return Ok(all);
        };
        let mut columns = Vec::new_in(env.alloc.clone());
        for clause in self.clauses.iter() {
            let UpsertAction::Update { assignments, .. } = &clause.action else {
                all.try_push(None)?;
                continue;
            };
            columns.clear();
            for assignment in assignments.iter() {
                for name in assignment.columns.iter() {
                    columns.try_push(updated_column(table, name)?)?;
                }
            }
            let keys = TableKeys::load(w, &table.name, Op::Update(&columns), env)?;
            let schema = w.schema()?;
            let defer_all = enforcement.defers_all();
            if keys.as_ref().is_some_and(TableKeys::is_involved)
                && coded::sets_own_key_null(&schema, table, &columns, defer_all, env.alloc)?
            {
                return Err(Error::Sql(
                    "an upsert whose DO UPDATE sets off an ON UPDATE SET NULL of a foreign key of its own table is not supported",
                ));
            }
            all.try_push(keys)?;
        }
        Ok(all)
    }

    /// Checks the names of the subqueries of the `DO UPDATE` clauses,
    /// read through `w` in `env`: their own tables', then `table`'s and
    /// `excluded`'s.
    pub fn check_subqueries(
        &self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        env: Env<'_, A>,
    ) -> Result<()> {
        let runner = Runner::new(w.view());
        let env = Env {
            subqueries: Some(&runner as &dyn Subqueries<A>),
            ..env
        };
        // No row is current: a column reads NULL, as a plan chosen while
        // names are checked (a correlated bound) may read one.
        let mut row = env.context().with_table(table, self.alias);
        row.on_nulls();
        let none = Vec::new_in(env.alloc.clone());
        let excluded = Excluded {
            table,
            values: &none,
            rowid: RowId::new(0),
        };
        let ctx = WithExcluded {
            row: &row,
            excluded: &excluded,
        };
        for clause in self.clauses.iter() {
            let UpsertAction::Update {
                assignments,
                where_clause,
            } = &clause.action
            else {
                continue;
            };
            let values = assignments.iter().map(|a| &a.value);
            for expr in values.chain(where_clause.as_ref()) {
                let mut checked = Ok(());
                any_node(expr, &mut |e| {
                    let (select, shape): (&Select<'_, A>, _) = match e {
                        Expr::Subquery(s) => (&**s, Shape::Column),
                        Expr::Exists(s) => (&**s, Shape::Rows),
                        Expr::InSelect(s) => (&s.select, Shape::Column),
                        _ => return false,
                    };
                    let outer = Env {
                        outer: Some(&ctx as &dyn EvalContext<A>),
                        ..env
                    };
                    checked = runner.check(select, shape, outer);
                    checked.is_err()
                });
                checked?;
            }
        }
        Ok(())
    }

    /// Stores `values` as `store_row` does, unless a constraint a clause
    /// names finds a conflict: then does what the clause says. Returns
    /// the row stored or updated, if one was.
    #[allow(clippy::too_many_arguments)] // each is one part of the row's storing
    pub fn store(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rules: &mut Rules<'_, A>,
        rowid: Option<Value<A>>,
        values: &mut Vec<Value<A>, A>,
        zeros: &mut [Option<usize>],
        or: OrClause,
        record: &mut Vec<u8, A>,
        env: Env<'_, A>,
    ) -> Result<Option<Upserted>> {
        if zeros.iter().any(Option::is_some) {
            return Err(Error::Sql("zeroblob() in an upsert is not supported"));
        }
        let Some(rowid) = prepare_row(w, table, rules, (rowid, Stored::Inserted), values, or)?
        else {
            return Ok(None);
        };
        let keyed = table.columns.stored_by == StoredBy::PrimaryKey;
        if keyed {
            encode_keyed(w, table, values, zeros, record)?;
        } else {
            encode_stored(table, values, record, env.alloc.clone())?;
        }
        let mut found = Vec::new_in(env.alloc.clone());
        for (unique, at) in self.order.iter() {
            let other = match keyed {
                true => w
                    .conflicting_keyed(table, *unique, record, &mut found)?
                    .then_some(Conflicting::Keyed(&found)),
                false => w
                    .conflicting(table, *unique, rowid, record)?
                    .map(Conflicting::Row),
            };
            let Some(other) = other else {
                continue;
            };
            let Some(clause) = self.clauses.get(*at) else {
                continue;
            };
            return match &clause.action {
                UpsertAction::Nothing => Ok(None),
                UpsertAction::Update {
                    assignments,
                    where_clause,
                } => {
                    let excluded = Excluded {
                        table,
                        values,
                        rowid,
                    };
                    let update = DoUpdate {
                        assignments,
                        where_clause: where_clause.as_ref(),
                        alias: self.alias,
                        once: &self.once,
                    };
                    // Taken out while the row is updated, which borrows
                    // the rules too.
                    let mut keys = rules.updated.get_mut(*at).and_then(Option::take);
                    let updated = update.run(
                        w,
                        table,
                        rules,
                        other,
                        &excluded,
                        record,
                        keys.as_mut(),
                        env,
                    );
                    if let Some(slot) = rules.updated.get_mut(*at) {
                        *slot = keys;
                    }
                    Ok(updated?.map(Upserted::Updated))
                }
            };
        }
        if keyed {
            let stored = w.insert_keyed(table, record, or.on(None))?;
            return Ok(stored.then_some(Upserted::Inserted(rowid)));
        }
        let stored = with_record(
            w,
            table,
            values,
            zeros,
            record,
            |w, stored, record| match stored {
                Record::Encoded => w.insert(table, rowid, record, or),
                Record::Streamed(fields) => w.insert_fields(table, rowid, fields, record, or),
            },
        )?;
        Ok(stored.then_some(Upserted::Inserted(rowid)))
    }
}

/// What an upsert did with its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upserted {
    /// Stored it as this row.
    Inserted(RowId),
    /// Updated the row it conflicted with, now this row (0 in a `WITHOUT
    /// ROWID` table).
    Updated(RowId),
}

impl Upserted {
    /// The row stored or updated.
    pub fn rowid(self) -> RowId {
        match self {
            Upserted::Inserted(rowid) | Upserted::Updated(rowid) => rowid,
        }
    }
}

/// The row an upsert's constraint found a conflict with.
#[derive(Clone, Copy)]
enum Conflicting<'r> {
    /// The row of a rowid table with this rowid.
    Row(RowId),
    /// The row of a `WITHOUT ROWID` table with this record.
    Keyed(&'r [u8]),
}

/// The constraint `target` names in `table`.
fn target_of<A: Allocator + Clone>(
    table: &TableInfo<A>,
    target: &UpsertTarget<'_, A>,
) -> Result<Unique> {
    const NO_MATCH: Error =
        Error::Sql("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
    if let Some(key) = table
        .columns
        .primary_autoindex
        .and_then(|at| table.columns.autoindexes.get(at))
        .filter(|_| table.columns.stored_by == StoredBy::PrimaryKey)
        && names_key(table, key, target)
    {
        return Ok(Unique::PrimaryKey);
    }
    if let [only] = target.columns.as_slice() {
        let alias = table.columns.rowid_alias;
        let named = only.column_name().and_then(|n| {
            table
                .columns
                .columns
                .iter()
                .position(|c| n.eq_ignore_ascii_case(&c.name))
        });
        if alias.is_some() && named == alias && only.collate.is_none() {
            return Ok(Unique::Rowid);
        }
    }
    for (i, index) in table.maintained().iter().enumerate() {
        if !index.columns.unique || !names_key(table, &index.columns.columns, target) {
            continue;
        }
        // A partial index is the target when the target's `WHERE` implies
        // the index's, as SQLite matches one.
        let whole = match index.sql.as_deref().filter(|_| index.columns.partial) {
            None => true,
            Some(sql) => {
                let parsed = parse_stored(sql, table.name.allocator().clone())?;
                match &parsed.stmt {
                    Stmt::CreateIndex(create) => create
                        .where_clause
                        .as_ref()
                        .is_some_and(|c| index_where::implied(target.where_clause.as_ref(), c)),
                    _ => false,
                }
            }
        };
        if whole {
            return Ok(Unique::Index(i));
        }
    }
    Err(NO_MATCH)
}

/// Whether `target` names the columns of `key`, a key of `table`, in any
/// order, each with the key's collation when it gives one.
fn names_key<A: Allocator>(
    table: &TableInfo<A>,
    key: &[IndexColumn],
    target: &UpsertTarget<'_, A>,
) -> bool {
    if key.len() != target.columns.len() {
        return false;
    }
    key.iter().all(|key| {
        let ColumnSource::Column(j) = key.source else {
            return false;
        };
        let Some(column) = table.columns.columns.get(j) else {
            return false;
        };
        target.columns.iter().any(|t| {
            let named = t
                .column_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(&column.name));
            let collated = match &t.collate {
                None => true,
                Some(name) => {
                    collation_named(name) == Some(key.collation.unwrap_or(Collation::Binary))
                }
            };
            named && collated
        })
    })
}

/// Checks the names of `expr`, an upsert's value or condition: those of
/// `excluded` against the table's columns, the rest as an `UPDATE` checks
/// its own.
fn check_names<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    table: &TableInfo<A>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    match expr {
        Expr::Column(c) if is_excluded(c) => match resolve(table, None, &unqualified(c)) {
            Some(_) => Ok(()),
            None => Err(c.unknown()),
        },
        Expr::Column(_) => columns_exist(expr, Some(table), alias),
        // A subquery's names are checked as it is (see `check_subqueries`).
        Expr::Subquery(_) | Expr::Exists(_) => Ok(()),
        Expr::InSelect(s) => check_names(&s.expr, table, alias),
        _ => expr.try_for_each_child(|child| check_names(child, table, alias)),
    }
}

/// The values `assignment` gives its columns, one for each: its value,
/// or the items of a row value.
fn row_items<'s, 'a, A: Allocator>(assignment: &'s Assignment<'a, A>) -> Result<&'s [Expr<'a, A>]> {
    match assigned_values(assignment)? {
        Assigned::Values(values) => Ok(values),
        Assigned::Row(_) => Err(Error::Sql(
            "row-value assignments of a subquery in an upsert are not supported",
        )),
    }
}

/// Whether `column` reads the row that was to be inserted.
fn is_excluded(column: &ColumnRef<'_>) -> bool {
    column.schema.is_none()
        && column
            .table
            .is_some_and(|t| t.eq_ignore_ascii_case(EXCLUDED))
}

/// `column` without its table.
fn unqualified<'c>(column: &ColumnRef<'c>) -> ColumnRef<'c> {
    ColumnRef {
        schema: None,
        table: None,
        column: column.column,
        binding: Default::default(),
    }
}

/// The row that was to be inserted: its values after affinity, and its
/// rowid.
struct Excluded<'e, A: Allocator> {
    table: &'e TableInfo<A>,
    values: &'e [Value<A>],
    rowid: RowId,
}

impl<A: Allocator> Excluded<'_, A> {
    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        match resolve(self.table, None, &unqualified(column)) {
            Some(ColumnPos::Rowid) => Ok(rowid_value(self.rowid)),
            Some(ColumnPos::Column(i)) if self.table.columns.rowid_alias == Some(i) => {
                Ok(rowid_value(self.rowid))
            }
            Some(ColumnPos::Column(i)) => {
                let value = self.values.get(i).map_or(ValueRef::Null, Value::as_ref);
                // A whole real in a REAL column is held as an integer, as
                // it is stored; it reads as a real.
                Ok(match self.table.meta.get(i).map(|m| m.affinity) {
                    Some(Affinity::Real) => read_real(value),
                    _ => value,
                })
            }
            None => Err(column.unknown()),
        }
    }
}

/// A `DO UPDATE` clause.
struct DoUpdate<'d, 'a, P: Platform, A: Allocator + Clone> {
    assignments: &'d [Assignment<'a, A>],
    where_clause: Option<&'d Expr<'a, A>>,
    alias: Option<Ident<'a>>,
    /// Where its subqueries keep what they read once.
    once: &'d Once<P, A>,
}

impl<P: Platform, A: Allocator + Clone> DoUpdate<'_, '_, P, A> {
    /// Updates the row `other` of `table`; returns its rowid after (0 in
    /// a `WITHOUT ROWID` table), when it did (its `WHERE` held).
    #[allow(clippy::too_many_arguments)] // each is one part of the row's update
    fn run(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rules: &mut Rules<'_, A>,
        other: Conflicting<'_>,
        excluded: &Excluded<'_, A>,
        record: &mut Vec<u8, A>,
        mut keys: Option<&mut TableKeys<'_, A>>,
        env: Env<'_, A>,
    ) -> Result<Option<RowId>> {
        let alloc = env.alloc.clone();
        let n = table.column_count();
        let mut values: Vec<Value<A>, A> = Vec::try_with_capacity_in(n, alloc.clone())?;
        // A subquery reads the table as the rows changed so far left it.
        let runner = Runner::keeping(w.view(), env.tables, self.once, env.text);
        let computing = Env {
            subqueries: Some(&runner as &dyn Subqueries<A>),
            ..env
        };
        let computed = match other {
            Conflicting::Row(rowid) => {
                let mut cursor = w.table_cursor(table.root);
                if !cursor.seek(rowid, SeekMode::Eq)? {
                    return Err(Error::corrupt(table.root, "a conflicting row vanished"));
                }
                let payload = cursor.payload()?;
                let stored = RecordRef::parse(&payload, Some(table.root))?;
                self.assigned(table, (rowid, stored), excluded, computing, &mut values)?
            }
            Conflicting::Keyed(found) => {
                let stored = RecordRef::parse(found, Some(table.root))?;
                let row = (RowId::new(0), stored);
                self.assigned(table, row, excluded, computing, &mut values)?
            }
        };
        drop(runner);
        let Some(new_rowid) = computed else {
            return Ok(None);
        };
        if let Conflicting::Keyed(found) = other {
            let prepared = prepare_row(
                w,
                table,
                rules,
                (None, Stored::Updated),
                &mut values,
                OrClause::ABORT,
            )?;
            let Some(rowid) = prepared else {
                return Ok(None);
            };
            encode_keyed(w, table, &mut values, &mut [], record)?;
            w.delete_keyed(table, found)?;
            let stored = w.insert_keyed(table, record, Conflict::Abort)?;
            return Ok(stored.then_some(rowid));
        }
        let other = match other {
            Conflicting::Row(rowid) => rowid,
            Conflicting::Keyed(_) => return Err(Error::Misuse("a keyed row updated by rowid")),
        };
        if new_rowid.is_null() {
            return Err(Error::Sql("datatype mismatch"));
        }
        let Some(new_rowid) = prepare_row(
            w,
            table,
            rules,
            (Some(new_rowid), Stored::Updated),
            &mut values,
            OrClause::ABORT,
        )?
        else {
            return Ok(None);
        };
        let stored = with_record(
            w,
            table,
            &mut values,
            &mut [],
            record,
            |w, stored, record| {
                if let Some(keys) = keys.as_mut() {
                    keys.removing(w, other)?;
                }
                w.delete(table, other)?;
                match stored {
                    Record::Encoded => w.insert(table, new_rowid, record, OrClause::ABORT),
                    Record::Streamed(fields) => {
                        w.insert_fields(table, new_rowid, fields, record, OrClause::ABORT)
                    }
                }
            },
        )?;
        if let Some(keys) = keys.filter(|_| stored) {
            keys.added(w, new_rowid, &values)?;
            keys.actions(w, Some((new_rowid, &values)))?;
        }
        Ok(stored.then_some(new_rowid))
    }

    /// Fills `values` with the row `stored` (row `rowid`) after the
    /// clause's assignments; returns its new rowid, or `None` when the
    /// clause's `WHERE` does not hold.
    fn assigned(
        &self,
        table: &TableInfo<A>,
        (rowid, stored): (RowId, RecordRef<'_>),
        excluded: &Excluded<'_, A>,
        env: Env<'_, A>,
        values: &mut Vec<Value<A>, A>,
    ) -> Result<Option<Value<A>>> {
        let alloc = env.alloc.clone();
        let mut new_rowid = Value::scalar(rowid_value(rowid));
        let mut row = env.context().with_table(table, self.alias);
        row.on_row(rowid, stored);
        let ctx = WithExcluded {
            row: &row,
            excluded,
        };
        if let Some(clause) = self.where_clause {
            if evaluate_condition(clause, &ctx)? != Some(true) {
                return Ok(None);
            }
        }
        for i in 0..table.column_count() {
            let mut slot = Value::Null;
            assign(&mut slot, row.column_at(ColumnPos::Column(i))?, &alloc)?;
            values.try_push(slot)?;
        }
        // Every value reads the row as it was.
        let columns = self.assignments.iter().map(|a| a.columns.len()).sum();
        let mut computed = Vec::try_with_capacity_in(columns, alloc.clone())?;
        for assignment in self.assignments.iter() {
            for value in row_items(assignment)? {
                computed.try_push(evaluate(value, &ctx)?)?;
            }
        }
        let names = self.assignments.iter().flat_map(|a| a.columns.iter());
        for (name, value) in names.zip(computed) {
            match column_named(table, name)? {
                ColumnPos::Rowid => new_rowid = value,
                ColumnPos::Column(i) => {
                    if table.columns.rowid_alias == Some(i) {
                        new_rowid = value;
                    } else if let Some(slot) = values.get_mut(i) {
                        *slot = value;
                    }
                }
            }
        }
        Ok(Some(new_rowid))
    }
}

/// The context of a `DO UPDATE`: the row it updates, and `excluded`.
struct WithExcluded<'c, 'x, 'r, A: Allocator + Clone> {
    row: &'c RowContext<'x, 'r, A>,
    excluded: &'c Excluded<'c, A>,
}

impl<A: Allocator + Clone> EvalContext<A> for WithExcluded<'_, '_, '_, A> {
    fn allocator(&self) -> A {
        self.row.allocator()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        match is_excluded(column) {
            true => self.excluded.column(column),
            false => self.row.column(column),
        }
    }

    fn column_shape(&self, column: &ColumnRef<'_>) -> Result<Option<(ValueType, usize)>> {
        match is_excluded(column) {
            true => Ok(None),
            false => self.row.column_shape(column),
        }
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        let column = match is_excluded(column) {
            true => unqualified(column),
            false => column.clone(),
        };
        self.row.column_affinity(&column)
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        let column = match is_excluded(column) {
            true => unqualified(column),
            false => column.clone(),
        };
        self.row.column_collation(&column)
    }

    fn has_column(&self, column: &ColumnRef<'_>) -> bool {
        match is_excluded(column) {
            true => resolve(self.excluded.table, None, &unqualified(column)).is_some(),
            false => self.row.has_column(column),
        }
    }

    fn param(&self, number: ParamNo) -> Result<ValueRef<'_>> {
        self.row.param(number)
    }

    fn aggregate(&self, call: &FunctionCall<'_, A>) -> Option<ValueRef<'_>> {
        self.row.aggregate(call)
    }

    fn random(&self) -> i64 {
        self.row.random()
    }

    fn subquery(
        &self,
        select: &Select<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        let (env, runner) = Env::with_runner(self.row.env())?;
        let env = Env {
            outer: Some(self as &dyn EvalContext<A>),
            ..env
        };
        runner.run(select, env, shape, visit)
    }

    fn subquery_rows(
        &self,
        select: &Select<'_, A>,
        n: usize,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        let (env, runner) = Env::with_runner(self.row.env())?;
        let env = Env {
            outer: Some(self as &dyn EvalContext<A>),
            ..env
        };
        runner.rows(select, env, n, visit)
    }

    fn subquery_member(
        &self,
        select: &Select<'_, A>,
        probe: &[ValueRef<'_>],
        keys: &[SetKey],
    ) -> Result<Option<Option<bool>>> {
        let Some((env, runner)) = self.row.env().and_then(|e| Some((e, e.subqueries?))) else {
            return Ok(None);
        };
        let env = Env {
            outer: Some(self as &dyn EvalContext<A>),
            ..env
        };
        runner.member(select, env, probe, keys)
    }

    fn subquery_affinity(&self, select: &Select<'_, A>, column: usize) -> Result<Option<Affinity>> {
        let Some(env) = self.row.env() else {
            return Ok(None);
        };
        let env = Env {
            outer: Some(self as &dyn EvalContext<A>),
            ..env
        };
        match env.subqueries {
            Some(runner) => runner.affinity(select, column, env),
            None => Ok(None),
        }
    }

    fn subquery_collation(
        &self,
        select: &Select<'_, A>,
        column: usize,
    ) -> Result<SubqueryCollation> {
        let Some((env, runner)) = self.row.env().and_then(|e| Some((e, e.subqueries?))) else {
            return Ok(SubqueryCollation::default());
        };
        let env = Env {
            outer: Some(self as &dyn EvalContext<A>),
            ..env
        };
        runner.collation(select, column, env)
    }
}
