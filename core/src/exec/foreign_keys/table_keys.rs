//! [`TableKeys`]: what changing one row of a table does to the foreign
//! keys it takes part in, in SQLite's order (`sqlite3FkCheck`, then the
//! change, then `sqlite3FkActions`):
//!
//! - before a row goes (`DELETE`, or the old row of an `UPDATE`): for
//!   each key of which it is a child, one violation less when its parent
//!   is missing (looked for only while the count is not zero); for each
//!   key of which it is a parent, one violation more per child row that
//!   refers to it (the row itself aside);
//! - after a row comes (`INSERT`, or the new row of an `UPDATE`): one
//!   violation more per key whose parent is missing (a row that refers
//!   to itself has its parent); one less per child row that refers to it
//!   (looked for only while the count is not zero);
//! - then the actions of the keys of which it was the parent: `RESTRICT`
//!   fails at once when a child row refers to the old row (unless
//!   `defer_foreign_keys`), `CASCADE` deletes those rows or gives them
//!   the new key, `SET NULL` and `SET DEFAULT` set their key columns;
//!   each of those changes is itself such a change, down to
//!   [`MAX_DEPTH`] levels.
//!
//! An `UPDATE` takes part only through the keys whose columns it assigns
//! (and then, as a child, every key that refers to its own table too);
//! one that assigns no key column takes part in none. A
//! single-row `INSERT` skips the immediate keys of which it is the
//! parent: it can neither cause nor fix their violations.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, TryClone, Vec};
use crate::schema::{ColumnSource, StoredBy};
use crate::sort::{RowIds, RowOrder};
use crate::sql::eval::Value;
use crate::sql::eval::ops::comparison;
use crate::sql::{BinaryOp, ColumnPos, ForeignKeyAction};
use crate::table::{DefaultKind, OrClause, TableInfo, Writer};
use crate::{Error, Named, Result, RowId};

use super::super::Env;
use super::super::checks::Checks;
use super::super::rowids::Rowids;
use super::super::select::assign;
use super::super::store::{Record, Rules, Stored, prepare_row, with_record};
use super::keys::{self, Key};
use super::located::{Located, locate};
use super::rows::{Link, Matching, each_child, find_parent, matchings_differ, read_row, value_of};
use super::{Enforcement, FAILED, Timing};

/// How deep actions may nest (an action's change setting off another):
/// SQLite allows 1000 levels of trigger programs; past this many, the
/// statement is refused rather than run on a deep stack.
pub(crate) const MAX_DEPTH: usize = 16;

/// What a statement does to the table's rows.
#[derive(Clone, Copy)]
pub(crate) enum Op<'c> {
    /// `INSERT`; `true` when it stores one row of `VALUES`.
    Insert(bool),
    /// `UPDATE` of these columns.
    Update(&'c [ColumnPos]),
    /// `DELETE`
    Delete,
}

/// A key of which the table is the child, with its parent (`None` when
/// the parent table does not exist, which only `DROP TABLE` tolerates).
struct AsChild<A: Allocator> {
    key: Key<A>,
    parent: Option<(TableInfo<A>, Located<A>)>,
}

/// What loading does with a key that names no table or matches no
/// parent index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errors {
    /// Fails, as every statement does.
    Raised,
    /// Skips the key (or takes a missing parent table as empty), as
    /// `DROP TABLE`'s implicit `DELETE` does.
    Tolerated,
}

/// A key of which the table is the parent, with its child table.
struct AsParent<A: Allocator> {
    key: Key<A>,
    child: TableInfo<A>,
    located: Located<A>,
}

impl<A: Allocator + Clone> AsParent<A> {
    /// How many rows of the child table refer to row `rowid` of `table`,
    /// the parent, whose values `value` gives; a row of the table itself
    /// (a key to its own table) does not count as its own child.
    fn children<'p, P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        value: &dyn Fn(usize) -> crate::record::ValueRef<'p>,
        env: Env<'_, A>,
    ) -> Result<i64> {
        let skip = self
            .key
            .child
            .eq_ignore_ascii_case(&table.name)
            .then_some(rowid);
        let mut n = 0i64;
        each_child(
            w.view(),
            Link {
                parent: table,
                child: &self.child,
                located: &self.located,
                matching: Matching::Counting,
            },
            value,
            skip,
            env,
            |_| {
                n += 1;
                Ok(())
            },
        )?;
        Ok(n)
    }
}

/// The keys one table takes part in during one statement (or one
/// action), with the old row of the change in progress.
pub(crate) struct TableKeys<'e, A: Allocator + Clone> {
    env: Env<'e, A>,
    enforcement: &'e Enforcement,
    table: TableInfo<A>,
    as_child: Vec<AsChild<A>, A>,
    as_parent: Vec<AsParent<A>, A>,
    /// Whether the table takes part in any key, whatever the statement.
    involved: bool,
    /// The row being changed, as it was.
    old: Vec<Value<A>, A>,
    old_rowid: RowId,
    /// The key (child table, id) whose `SET NULL` action runs this
    /// change: its child check is skipped, as SQLite skips it.
    setting_null: Option<usize>,
    /// Whether this is a single-row `INSERT`, which stops at its first
    /// immediate violation (see `Enforcement::halt`).
    halts: bool,
    depth: usize,
}

impl<'e, A: Allocator + Clone> TableKeys<'e, A> {
    /// The keys the table `name` takes part in for `op`; `None` while
    /// foreign keys are off.
    pub fn load<P: Platform>(
        w: &Writer<'_, '_, P, A>,
        name: &str,
        op: Op<'_>,
        env: Env<'e, A>,
    ) -> Result<Option<Self>> {
        let Some(enforcement) = env.foreign_keys else {
            return Ok(None);
        };
        Self::load_at(w, name, op, env, enforcement, Errors::Raised, 0).map(Some)
    }

    fn load_at<P: Platform>(
        w: &Writer<'_, '_, P, A>,
        name: &str,
        op: Op<'_>,
        env: Env<'e, A>,
        enforcement: &'e Enforcement,
        errors: Errors,
        depth: usize,
    ) -> Result<Self> {
        let alloc = env.alloc;
        let schema = w.schema()?;
        let table = TableInfo::load(&schema, name, alloc.clone())?;
        let declared = keys::of_table(&schema, &table.name, alloc)?;
        let referencing = keys::referencing(&schema, &table.name, alloc)?;
        let involved = !declared.is_empty() || !referencing.is_empty();
        let changed = |c: usize| match op {
            Op::Update(columns) => {
                columns.contains(&ColumnPos::Column(c))
                    || (table.columns.rowid_alias == Some(c) && columns.contains(&ColumnPos::Rowid))
            }
            Op::Insert(_) | Op::Delete => true,
        };
        // An `UPDATE` that assigns no column of a key takes part in none
        // (SQLite's `sqlite3FkRequired`); one that does takes part, as a
        // child, in every key that refers to its own table too.
        let required = match op {
            Op::Update(_) => {
                declared.iter().any(|k| k.from.iter().any(|&c| changed(c)))
                    || referencing
                        .iter()
                        .any(|k| parent_changed(&table, k, &changed))
            }
            Op::Insert(_) | Op::Delete => true,
        };
        let mut as_child = Vec::new_in(alloc.clone());
        for key in declared {
            let relevant = match op {
                Op::Update(_) => {
                    required
                        && (key.references(&table.name) || key.from.iter().any(|&c| changed(c)))
                }
                Op::Insert(_) | Op::Delete => true,
            };
            if !relevant {
                continue;
            }
            let Some(entry) = schema.table(&key.parent) else {
                if errors == Errors::Tolerated {
                    as_child.try_push(AsChild { key, parent: None })?;
                    continue;
                }
                let mut named = String::new_in(alloc.clone());
                named.try_push_str("main.")?;
                named.try_push_str(&key.parent)?;
                return Err(Named::NoSuchTable.error(&named));
            };
            let parent = TableInfo::load(&schema, &entry.name, alloc.clone())?;
            refuse_keyed_parent(&parent)?;
            let located = match (locate(&key, &parent, alloc), errors) {
                (Ok(located), _) => located,
                (Err(_), Errors::Tolerated) => continue,
                (Err(e), Errors::Raised) => return Err(e),
            };
            as_child.try_push(AsChild {
                key,
                parent: Some((parent, located)),
            })?;
        }
        let mut as_parent = Vec::new_in(alloc.clone());
        for key in referencing {
            let relevant = match op {
                Op::Insert(single) => {
                    !(single && key.timing == Timing::Immediate && !enforcement.defers_all())
                }
                Op::Update(_) => parent_changed(&table, &key, &changed),
                Op::Delete => true,
            };
            if !relevant {
                continue;
            }
            let child = TableInfo::load(&schema, &key.child, alloc.clone())?;
            let located = match (locate(&key, &table, alloc), errors) {
                (Ok(located), _) => located,
                (Err(_), Errors::Tolerated) => continue,
                (Err(e), Errors::Raised) => return Err(e),
            };
            as_parent.try_push(AsParent {
                key,
                child,
                located,
            })?;
        }
        // An action's changes fire the child table's triggers in SQLite;
        // the actions here are not statements that could fire them.
        let acting = as_parent.iter().any(|side| {
            let action = match op {
                Op::Update(_) => side.key.on_update,
                Op::Delete => side.key.on_delete,
                Op::Insert(_) => ForeignKeyAction::NoAction,
            };
            matches!(
                action,
                ForeignKeyAction::Cascade
                    | ForeignKeyAction::SetNull
                    | ForeignKeyAction::SetDefault
            )
        });
        if acting && env.triggers.is_some() {
            return Err(Error::Sql(
                "foreign key actions in a schema with triggers are not supported",
            ));
        }
        Ok(TableKeys {
            env,
            enforcement,
            table,
            as_child,
            as_parent,
            involved,
            old: Vec::new_in(alloc.clone()),
            old_rowid: RowId::new(0),
            setting_null: None,
            halts: matches!(op, Op::Insert(true)),
            depth,
        })
    }

    /// `DROP TABLE name`'s implicit `DELETE`, as SQLite runs it while
    /// keys are enforced: when a key refers to the table, or it declares
    /// a deferred key while deferred violations are counted, every row is
    /// deleted with its keys' checks and actions (keys that name no table
    /// or match no index skipped); the drop fails if immediate violations
    /// remain.
    pub fn before_drop<P: Platform>(
        w: &mut Writer<'_, '_, P, A>,
        name: &str,
        env: Env<'e, A>,
    ) -> Result<()> {
        let Some(enforcement) = env.foreign_keys else {
            return Ok(());
        };
        let alloc = env.alloc;
        let schema = w.schema()?;
        let Some(entry) = schema.table(name) else {
            return Ok(());
        };
        if keys::referencing(&schema, &entry.name, alloc)?.is_empty() {
            let deferred = keys::declared_by(entry, alloc)?
                .iter()
                .any(|k| k.timing == Timing::Deferred || enforcement.defers_all());
            if !deferred || enforcement.is_zero(Timing::Deferred) {
                return Ok(());
            }
        }
        drop(schema);
        let mut keys = Self::load_at(w, name, Op::Delete, env, enforcement, Errors::Tolerated, 0)?;
        let view = w.view();
        let mut rowids = RowIds::new(
            view.platform(),
            view.sort_budget(),
            RowOrder::Visited,
            Vec::new_in(alloc.clone()),
        );
        let mut cursor = view.table_cursor(keys.table.side, keys.table.root);
        let mut more = cursor.first()?;
        while more {
            rowids.push(cursor.rowid()?)?;
            more = cursor.next()?;
        }
        drop(cursor);
        let mut rowids = rowids.finish()?;
        while let Some(rowid) = rowids.next()? {
            if keys.removing(w, rowid)? && w.delete(&keys.table, rowid)? {
                keys.actions(w, None)?;
            }
        }
        match enforcement.defers_all() || enforcement.is_zero(Timing::Immediate) {
            true => Ok(()),
            false => Err(Error::Constraint(FAILED)),
        }
    }

    /// Leaves the key `id` of the table (as the child) unchecked for the
    /// rows stored, as SQLite leaves it in a statement whose newest
    /// compiled program is that key's `SET NULL` action (see `coded`).
    pub fn skip_check(&mut self, id: Option<usize>) {
        self.setting_null = id;
    }

    /// Whether the statement's change takes part in a key (SQLite's
    /// `sqlite3FkRequired`).
    pub fn takes_part(&self) -> bool {
        !self.as_child.is_empty() || !self.as_parent.is_empty()
    }

    /// Whether the table takes part in a key.
    pub fn is_involved(&self) -> bool {
        self.involved
    }

    /// The checks before row `rowid` is deleted or overwritten (see the
    /// module docs); keeps the row as it was for [`Self::added`] and
    /// [`Self::actions`]. `false` when there is no such row.
    pub fn removing<P: Platform>(
        &mut self,
        w: &mut Writer<'_, '_, P, A>,
        rowid: RowId,
    ) -> Result<bool> {
        if self.as_child.is_empty() && self.as_parent.is_empty() {
            return Ok(true);
        }
        if !read_row(w.view(), &self.table, rowid, self.env, &mut self.old)? {
            return Ok(false);
        }
        self.old_rowid = rowid;
        let table = &self.table;
        let old = &self.old;
        let child_value = |i: usize| value_of(table, rowid, old, i);
        for side in self.as_child.iter() {
            let Some((parent, located)) = &side.parent else {
                // The parent table is gone (`DROP TABLE` tolerates it): it
                // is taken as empty, and a row that goes takes its
                // violation with it, the count not consulted.
                if side.key.from.iter().all(|&c| !child_value(c).is_null()) {
                    self.enforcement.count(side.key.timing, -1);
                }
                continue;
            };
            if self.enforcement.is_zero(side.key.timing) {
                continue;
            }
            if located.pairs.iter().any(|p| child_value(p.child).is_null()) {
                continue;
            }
            if find_parent(w.view(), parent, located, &child_value, self.env.alloc)?.is_none() {
                self.enforcement.count(side.key.timing, -1);
            }
        }
        for side in self.as_parent.iter() {
            let n = side.children(w, table, rowid, &child_value, self.env)?;
            if n > 0 {
                self.enforcement.count(side.key.timing, n);
            }
        }
        Ok(true)
    }

    /// The checks after row `rowid`, whose values are `values`, was
    /// stored (see the module docs).
    pub fn added<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        rowid: RowId,
        values: &[Value<A>],
    ) -> Result<()> {
        let table = &self.table;
        let value = |i: usize| value_of(table, rowid, values, i);
        for side in self.as_child.iter() {
            let Some((parent, located)) = &side.parent else {
                continue;
            };
            if self.setting_null == Some(side.key.id) {
                continue;
            }
            if located.pairs.iter().any(|p| value(p.child).is_null()) {
                continue;
            }
            // By rowid SQLite compares the child's value, as an integer,
            // with the row's own rowid first: finding the row itself is
            // finding its parent.
            let to_self =
                side.key.references(&table.name) && located.by != super::located::By::Rowid;
            // A row that refers to itself has its parent (SQLite compares
            // the two keys' values as they are, before looking).
            let itself = to_self
                && located.pairs.iter().all(|p| {
                    comparison(
                        BinaryOp::Eq,
                        value(p.child),
                        value(p.parent),
                        crate::record::Collation::Binary,
                    ) == Some(true)
                });
            let found = itself
                || match find_parent(w.view(), parent, located, &value, self.env.alloc)? {
                    Some(r) if to_self && r == rowid => false,
                    Some(r) => {
                        w.hold_parent(parent, r)?;
                        true
                    }
                    None => false,
                };
            if !found {
                if self.halts
                    && side.key.timing == Timing::Immediate
                    && !self.enforcement.defers_all()
                {
                    return Err(self.enforcement.halt());
                }
                self.enforcement.count(side.key.timing, 1);
            }
        }
        for side in self.as_parent.iter() {
            if self.enforcement.is_zero(side.key.timing) {
                continue;
            }
            let n = side.children(w, table, rowid, &value, self.env)?;
            if n > 0 {
                self.enforcement.count(side.key.timing, -n);
            }
        }
        Ok(())
    }

    /// The actions of the keys of which the row [`Self::removing`] kept
    /// was the parent: deleted, or (`new`) updated to row `new.0` with
    /// values `new.1`.
    pub fn actions<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        new: Option<(RowId, &[Value<A>])>,
    ) -> Result<()> {
        let table = &self.table;
        let (old_rowid, old) = (self.old_rowid, &self.old);
        let old_value = |i: usize| value_of(table, old_rowid, old, i);
        for side in self.as_parent.iter() {
            let action = match new {
                Some((rowid, values)) => {
                    // `WHEN NOT (old.k IS new.k AND ...)`, compared by the
                    // parent column's collation.
                    let same = side.located.pairs.iter().all(|p| {
                        let collation = table
                            .columns
                            .columns
                            .get(p.parent)
                            .and_then(|c| c.collation)
                            .unwrap_or_default();
                        comparison(
                            BinaryOp::Is,
                            old_value(p.parent),
                            value_of(table, rowid, values, p.parent),
                            collation,
                        ) == Some(true)
                    });
                    if same {
                        continue;
                    }
                    side.key.on_update
                }
                None => side.key.on_delete,
            };
            match action {
                ForeignKeyAction::NoAction => {}
                ForeignKeyAction::Restrict => {
                    if self.enforcement.defers_all() {
                        continue;
                    }
                    let mut any = false;
                    each_child(
                        w.view(),
                        Link {
                            parent: table,
                            child: &side.child,
                            located: &side.located,
                            matching: Matching::Acting,
                        },
                        &old_value,
                        None,
                        self.env,
                        |_| {
                            any = true;
                            Ok(())
                        },
                    )?;
                    if any {
                        return Err(Error::Constraint(FAILED));
                    }
                }
                ForeignKeyAction::Cascade
                | ForeignKeyAction::SetNull
                | ForeignKeyAction::SetDefault => {
                    self.act(w, side, action, &old_value, new)?;
                }
            }
        }
        Ok(())
    }

    /// Runs `action` on the child rows of `side` that refer to the old
    /// row: collected first, then each deleted or updated.
    fn act<'v, P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        side: &AsParent<A>,
        action: ForeignKeyAction,
        old_value: &dyn Fn(usize) -> crate::record::ValueRef<'v>,
        new: Option<(RowId, &[Value<A>])>,
    ) -> Result<()> {
        if self.depth + 1 > MAX_DEPTH {
            return Err(Error::Sql(
                "foreign key actions nested more than 16 deep are not supported",
            ));
        }
        let deletes = action == ForeignKeyAction::Cascade && new.is_none();
        // SQLite counts the rows this key's violation would need, then
        // trusts a `SET NULL` or cascading delete to fix them and runs
        // without a statement journal: when its action's comparison
        // misses a row its count found, the statement fails and keeps
        // its changes. That is refused, not imitated.
        let trusted = deletes || action == ForeignKeyAction::SetNull;
        if trusted && side.key.timing == Timing::Immediate && !self.enforcement.defers_all() {
            let link = Link {
                parent: &self.table,
                child: &side.child,
                located: &side.located,
                matching: Matching::Acting,
            };
            if matchings_differ(w.view(), link, old_value, self.env)? {
                return Err(Error::Sql(
                    "a foreign key action whose child key matches its parent only by the parent column's affinity is not supported",
                ));
            }
        }
        let alloc = self.env.alloc;
        let view = w.view();
        let mut rowids = RowIds::new(
            view.platform(),
            view.sort_budget(),
            RowOrder::Visited,
            Vec::new_in(alloc.clone()),
        );
        each_child(
            w.view(),
            Link {
                parent: &self.table,
                child: &side.child,
                located: &side.located,
                matching: Matching::Acting,
            },
            old_value,
            None,
            self.env,
            |rowid| rowids.push(rowid),
        )?;
        let mut rowids = rowids.finish()?;
        let mut columns = Vec::try_with_capacity_in(side.located.pairs.len(), alloc.clone())?;
        for pair in side.located.pairs.iter() {
            columns.try_push(match side.child.columns.rowid_alias == Some(pair.child) {
                true => ColumnPos::Rowid,
                false => ColumnPos::Column(pair.child),
            })?;
        }
        let op = match deletes {
            true => Op::Delete,
            false => Op::Update(&columns),
        };
        let mut child = TableKeys::load_at(
            w,
            &side.key.child,
            op,
            self.env,
            self.enforcement,
            Errors::Raised,
            self.depth + 1,
        )?;
        if action == ForeignKeyAction::SetNull {
            child.setting_null = Some(side.key.id);
        }
        let mut values = Vec::new_in(alloc.clone());
        let mut record = Vec::new_in(alloc.clone());
        // The rows are stored through a table of their own, which the
        // `CHECK` constraints borrow while `child` keeps the old row.
        let info = TableInfo::load(&w.schema()?, &side.key.child, alloc.clone())?;
        let mut rules = Rules {
            checks: Checks::load(&info, self.env)?,
            rowids: Rowids::plain(self.env),
            replaced: None,
            updated: Vec::new_in(alloc.clone()),
        };
        while let Some(rowid) = rowids.next()? {
            if !child.removing(w, rowid)? {
                continue;
            }
            if deletes {
                w.delete(&child.table, rowid)?;
                child.actions(w, None)?;
                continue;
            }
            values.clear();
            for v in child.old.iter() {
                values.try_push(v.try_clone()?)?;
            }
            let mut new_rowid = Value::Integer(rowid.get());
            for pair in side.located.pairs.iter() {
                let value = match action {
                    ForeignKeyAction::Cascade => match new {
                        Some((r, parent_values)) => {
                            let mut slot = Value::Null;
                            let value = value_of(&self.table, r, parent_values, pair.parent);
                            assign(&mut slot, value, alloc)?;
                            slot
                        }
                        None => Value::Null,
                    },
                    ForeignKeyAction::SetDefault => {
                        let meta = child
                            .table
                            .meta
                            .get(pair.child)
                            .ok_or(Error::Misuse("a key column out of place"))?;
                        if meta.default_kind == DefaultKind::PerRow {
                            return Err(Error::Sql(
                                "ON DELETE/UPDATE SET DEFAULT with a default computed per row is not supported",
                            ));
                        }
                        meta.default.try_clone()?
                    }
                    _ => Value::Null,
                };
                if child.table.columns.rowid_alias == Some(pair.child) {
                    new_rowid = value;
                } else if let Some(slot) = values.get_mut(pair.child) {
                    *slot = value;
                }
            }
            if new_rowid.is_null() {
                return Err(Error::Sql("datatype mismatch"));
            }
            let Some(stored_rowid) = prepare_row(
                w,
                &info,
                &mut rules,
                (Some(new_rowid), Stored::Updated),
                &mut values,
                OrClause::ABORT,
            )?
            else {
                continue;
            };
            let table = &info;
            with_record(
                w,
                table,
                &mut values,
                &mut [],
                &mut record,
                |w, stored, record| {
                    w.delete(table, rowid)?;
                    match stored {
                        Record::Encoded => w.insert(table, stored_rowid, record, OrClause::ABORT),
                        Record::Streamed(fields) => {
                            w.insert_fields(table, stored_rowid, fields, record, OrClause::ABORT)
                        }
                    }
                },
            )?;
            child.added(w, stored_rowid, &values)?;
            child.actions(w, Some((stored_rowid, &values)))?;
        }
        Ok(())
    }
}

/// Whether assigning the columns `changed` says are assigned changes the
/// parent key of `key` in `table` (SQLite's `fkParentIsModified`: a
/// column named by the key, or any primary key column for a key that
/// names none).
pub(super) fn parent_changed<A: Allocator>(
    table: &TableInfo<A>,
    key: &Key<A>,
    changed: &dyn Fn(usize) -> bool,
) -> bool {
    table.columns.columns.iter().enumerate().any(|(i, column)| {
        changed(i)
            && match key.to.is_empty() {
                false => key.to.iter().any(|t| t.eq_ignore_ascii_case(&column.name)),
                true => is_primary_column(table, i),
            }
    })
}

/// Whether column `i` of `table` is part of its primary key.
fn is_primary_column<A: Allocator>(table: &TableInfo<A>, i: usize) -> bool {
    if table.columns.rowid_alias == Some(i) {
        return true;
    }
    table
        .columns
        .primary_autoindex
        .and_then(|k| table.columns.autoindexes.get(k))
        .is_some_and(|key| {
            key.iter()
                .any(|c| matches!(c.source, ColumnSource::Column(j) if j == i))
        })
}

/// Refuses a foreign key whose parent is a `WITHOUT ROWID` table, whose
/// key this engine does not seek.
pub(super) fn refuse_keyed_parent<A: Allocator>(parent: &TableInfo<A>) -> Result<()> {
    match parent.columns.stored_by {
        StoredBy::Rowid => Ok(()),
        StoredBy::PrimaryKey => Err(Error::Sql(
            "foreign keys to WITHOUT ROWID tables are not supported",
        )),
    }
}
