//! The rows a located key matches: whether a child row's parent exists
//! (SQLite's `fkLookupParent`) and which child rows refer to a parent row
//! (`fkScanChildren`).
//!
//! A parent is looked for as SQLite looks for it: by rowid, the child's
//! value taken as an integer (one that is not an integer has no parent),
//! or in the parent's index, each child value given the parent column's
//! affinity first. Child rows match when each key column compares equal
//! to the parent's value as the expression `parent = child` compares
//! them: the two columns' comparison affinity, the parent column's
//! collation (the child's when the parent column is the rowid). A NULL
//! matches nothing.
//!
//! Invariant: the child table is read by a scan that streams, one row at
//! a time; nothing is changed while it runs.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::compare_record_with_values;
use crate::record::{Collation, RecordRef, ValueRef};
use crate::sql::eval::affinity::{is_numeric as is_numeric_affinity, read_real};
use crate::sql::eval::ops::compare;
use crate::sql::eval::{
    Coerced, Value, apply_affinity, apply_comparison_affinity, comparison_affinity,
};
use crate::sql::{Affinity, ColumnPos};
use crate::table::{Of, RowCursor, TableInfo, View};
use crate::{Error, Result, RowId};

use super::super::Env;
use super::super::select::assign;
use super::located::{By, Located, Pair};

/// Column `i` of the row `rowid` of `table` whose values are `values` (as
/// stored: the rowid alias's slot aside, a whole REAL as an integer).
pub(crate) fn value_of<'v, A: Allocator>(
    table: &TableInfo<A>,
    rowid: RowId,
    values: &'v [Value<A>],
    i: usize,
) -> ValueRef<'v> {
    if table.columns.rowid_alias == Some(i) {
        return ValueRef::Integer(rowid.get());
    }
    let value = values.get(i).map_or(ValueRef::Null, Value::as_ref);
    match table.meta.get(i) {
        Some(m) if m.affinity == Affinity::Real => read_real(value),
        _ => value,
    }
}

/// Reads row `rowid` of `table` into `values`; `false` when there is no
/// such row.
pub(crate) fn read_row<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    table: &TableInfo<A>,
    rowid: RowId,
    env: Env<'_, A>,
    values: &mut Vec<Value<A>, A>,
) -> Result<bool> {
    let mut cursor = view.table_cursor(table.side, table.root);
    if !cursor.seek(rowid, SeekMode::Eq)? {
        return Ok(false);
    }
    let payload = cursor.payload()?;
    let record = RecordRef::parse(&payload, Some(table.root))?;
    let mut ctx = env.context().with_table(table, None);
    ctx.on_row(rowid, record);
    let n = table.column_count();
    values.truncate(n);
    while values.len() < n {
        values.try_push(Value::Null)?;
    }
    for (i, slot) in values.iter_mut().enumerate() {
        assign(slot, ctx.column_at(ColumnPos::Column(i))?, env.alloc)?;
    }
    Ok(true)
}

/// The affinity column `i` of `table` compares with.
fn affinity_of<A: Allocator>(table: &TableInfo<A>, i: usize) -> Affinity {
    if table.columns.rowid_alias == Some(i) {
        return Affinity::Integer;
    }
    table.meta.get(i).map_or(Affinity::Blob, |m| m.affinity)
}

/// The collation of column `i` of `table` (BINARY for the rowid alias).
fn collation_of<A: Allocator>(table: &TableInfo<A>, i: usize) -> Collation {
    if table.columns.rowid_alias == Some(i) {
        return Collation::Binary;
    }
    table
        .columns
        .columns
        .get(i)
        .and_then(|c| c.collation)
        .unwrap_or_default()
}

/// The rowid of the parent row the child key `child_value` (by child
/// column) refers to, if there is one.
pub(crate) fn find_parent<'v, P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    parent: &TableInfo<A>,
    located: &Located<A>,
    child_value: &dyn Fn(usize) -> ValueRef<'v>,
    alloc: &A,
) -> Result<Option<RowId>> {
    match located.by {
        By::Rowid => {
            let Some(pair) = located.pairs.first() else {
                return Ok(None);
            };
            let ValueRef::Integer(i) =
                apply_affinity(child_value(pair.child), Affinity::Numeric).as_ref()
            else {
                return Ok(None);
            };
            let rowid = RowId::new(i);
            let found = view
                .table_cursor(parent.side, parent.root)
                .seek(rowid, SeekMode::Eq)?;
            Ok(found.then_some(rowid))
        }
        By::Index(at) => {
            let index = parent
                .indexes
                .get(at)
                .ok_or(Error::Misuse("a parent index out of place"))?;
            let mut coerced: Vec<Coerced<'_>, A> =
                Vec::try_with_capacity_in(located.probe.len(), alloc.clone())?;
            for &j in located.probe.iter() {
                let pair = located
                    .pairs
                    .get(j)
                    .ok_or(Error::Misuse("a key column out of place"))?;
                coerced.try_push(apply_affinity(
                    child_value(pair.child),
                    affinity_of(parent, pair.parent),
                ))?;
            }
            let mut prefix = Vec::try_with_capacity_in(coerced.len(), alloc.clone())?;
            for c in coerced.iter() {
                prefix.try_push(c.as_ref())?;
            }
            let n = prefix.len();
            let keys = index.keys.get(..n).unwrap_or(&index.keys);
            let mut cursor = view.entry_cursor(parent.side, index.root);
            let of = Of {
                table: parent,
                index,
            };
            if !cursor.seek(&prefix, keys, SeekMode::Ge, of)? {
                return Ok(None);
            }
            let payload = cursor.payload()?;
            let entry = RecordRef::parse(&payload, Some(index.root))?;
            if compare_record_with_values(&entry, &prefix, keys)?.is_ne() {
                return Ok(None);
            }
            match entry.column(n)? {
                ValueRef::Integer(rowid) => Ok(Some(RowId::new(rowid))),
                _ => Err(Error::corrupt(index.root, "index entry without a rowid")),
            }
        }
    }
}

/// Whether the child row whose columns `child_value` gives refers to the
/// parent row whose columns `parent_value` gives.
/// Whether the child row `rowid`, which `rows` is on, refers by `link`
/// to the parent row whose key values `parent_value` gives.
fn row_refers<'p, P: Platform, A: Allocator + Clone>(
    rows: &mut RowCursor<'_, P, A>,
    rowid: RowId,
    link: Link<'_, A>,
    parent_value: &dyn Fn(usize) -> ValueRef<'p>,
    env: Env<'_, A>,
) -> Result<bool> {
    let payload = rows.payload()?;
    let record = RecordRef::parse(&payload, Some(link.child.root))?;
    let mut ctx = env.context().with_table(link.child, None);
    ctx.on_row(rowid, record);
    let child_value = |i: usize| ctx.column_at(ColumnPos::Column(i));
    refers(
        link.parent,
        link.child,
        link.located,
        link.matching,
        parent_value,
        &child_value,
    )
}

fn refers<'p, 'c, A: Allocator>(
    parent: &TableInfo<A>,
    child: &TableInfo<A>,
    located: &Located<A>,
    matching: Matching,
    parent_value: &dyn Fn(usize) -> ValueRef<'p>,
    child_value: &dyn Fn(usize) -> Result<ValueRef<'c>>,
) -> Result<bool> {
    for pair in located.pairs.iter() {
        let (affinity, collation) = compared(parent, child, *pair, matching);
        let left = apply_comparison_affinity(parent_value(pair.parent), affinity);
        let child_value = child_value(pair.child)?;
        let right = apply_comparison_affinity(child_value, affinity);
        if compare(left.as_ref(), right.as_ref(), collation) != Some(Ordering::Equal) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The comparison affinity and collation of `pair` under `matching`.
fn compared<A: Allocator>(
    parent: &TableInfo<A>,
    child: &TableInfo<A>,
    pair: Pair,
    matching: Matching,
) -> (Option<Affinity>, Collation) {
    let to_rowid = parent.columns.rowid_alias == Some(pair.parent);
    let parent_affinity = match matching {
        Matching::Counting => Some(affinity_of(parent, pair.parent)),
        Matching::Acting => to_rowid.then_some(Affinity::Integer),
    };
    let affinity = comparison_affinity(parent_affinity, Some(affinity_of(child, pair.child)));
    let collation = match to_rowid {
        true => collation_of(child, pair.child),
        false => collation_of(parent, pair.parent),
    };
    (affinity, collation)
}

/// The position of an index of the child whose leading columns are the
/// key's child columns (in any order), where equal keys in the index are
/// exactly the rows the comparison matches: each column compared by the
/// index's collation, and the comparison's affinity leaving every value
/// the column can hold as it is (a numeric column, or an affinity that
/// converts nothing). A TEXT or BLOB column compared with numeric
/// affinity (`'1.0'` equals 1) is not sought, but scanned.
fn child_index<A: Allocator>(link: Link<'_, A>) -> Option<usize> {
    let Link {
        parent,
        child,
        located,
        matching,
    } = link;
    let n = located.pairs.len();
    child.indexes.iter().position(|index| {
        let columns = &index.columns.columns;
        // A partial index holds only some children.
        columns.len() >= n
            && !index.columns.partial
            && located.pairs.iter().all(|&pair| {
                let (affinity, collation) = compared(parent, child, pair, matching);
                let exact = is_numeric_affinity(affinity_of(child, pair.child))
                    || !affinity.is_some_and(is_numeric_affinity);
                let at = columns.get(..n).and_then(|lead| {
                    lead.iter().position(|c| {
                        matches!(c.source, crate::schema::ColumnSource::Column(j) if j == pair.child)
                    })
                });
                exact
                    && at.is_some_and(|i| {
                        index.keys.get(i).is_some_and(|k| k.collation == collation)
                    })
                    && child.columns.rowid_alias != Some(pair.child)
            })
    })
}

/// [`each_child`] through the child index at `at` (see [`child_index`]):
/// the entries whose leading columns equal the parent's values (as the
/// comparison converts them), each row then checked by the comparison
/// itself.
fn each_indexed<'p, P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    link: Link<'_, A>,
    at: usize,
    parent_value: &dyn Fn(usize) -> ValueRef<'p>,
    skip: Option<RowId>,
    env: Env<'_, A>,
    mut f: impl FnMut(RowId) -> Result<()>,
) -> Result<()> {
    let Link {
        parent,
        child,
        located,
        matching,
    } = link;
    let index = child
        .indexes
        .get(at)
        .ok_or(Error::Misuse("a child index out of place"))?;
    let n = located.pairs.len();
    let mut coerced: Vec<Coerced<'_>, A> = Vec::try_with_capacity_in(n, env.alloc.clone())?;
    for column in index.columns.columns.iter().take(n) {
        let pair = located
            .pairs
            .iter()
            .find(
                |p| matches!(column.source, crate::schema::ColumnSource::Column(j) if j == p.child),
            )
            .ok_or(Error::Misuse("a key column out of place"))?;
        let (affinity, _) = compared(parent, child, *pair, matching);
        coerced.try_push(apply_comparison_affinity(
            parent_value(pair.parent),
            affinity,
        ))?;
    }
    let mut prefix = Vec::try_with_capacity_in(n, env.alloc.clone())?;
    for c in coerced.iter() {
        prefix.try_push(c.as_ref())?;
    }
    let keys = index.keys.get(..n).unwrap_or(&index.keys);
    let mut entries = view.entry_cursor(child.side, index.root);
    let of = Of {
        table: child,
        index,
    };
    let mut rows = view.table_cursor(child.side, child.root);
    let mut more = entries.seek(&prefix, keys, SeekMode::Ge, of)?;
    while more {
        let rowid = {
            let payload = entries.payload()?;
            let entry = RecordRef::parse(&payload, Some(index.root))?;
            if compare_record_with_values(&entry, &prefix, keys)?.is_ne() {
                break;
            }
            match entry.column(index.columns.columns.len())? {
                ValueRef::Integer(rowid) => RowId::new(rowid),
                _ => return Err(Error::corrupt(index.root, "index entry without a rowid")),
            }
        };
        if Some(rowid) != skip
            && rows.seek(rowid, SeekMode::Eq)?
            && row_refers(&mut rows, rowid, link, parent_value, env)?
        {
            f(rowid)?;
        }
        more = entries.next(of)?;
    }
    Ok(())
}

/// Which comparison finds the child rows of a parent row. SQLite writes
/// two: the count of violations compares the parent's value with the
/// parent column's affinity (`fkScanChildren`), while an action's
/// `WHERE old.k = child.k` reads `old.k` as a trigger does, with no
/// affinity (the rowid's aside), so the child column's affinity alone
/// decides (`fkActionTrigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Counting violations.
    Counting,
    /// Finding the rows an action changes (or `RESTRICT` refuses).
    Acting,
}

/// A located key with its two tables.
pub(crate) struct Link<'k, A: Allocator> {
    /// The parent table.
    pub parent: &'k TableInfo<A>,
    /// The child table.
    pub child: &'k TableInfo<A>,
    /// The key, located in the parent.
    pub located: &'k Located<A>,
    /// Which comparison matches a child row.
    pub matching: Matching,
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for Link<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Link<'_, A> {}

/// Calls `f` with the rowid of each row of `child` that refers to the
/// parent row whose columns `parent_value` gives, but the row `skip`: in
/// the order of a child index that leads with the key's columns (see
/// [`child_index`]), else in rowid order.
pub(crate) fn each_child<'p, P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    link: Link<'_, A>,
    parent_value: &dyn Fn(usize) -> ValueRef<'p>,
    skip: Option<RowId>,
    env: Env<'_, A>,
    mut f: impl FnMut(RowId) -> Result<()>,
) -> Result<()> {
    if link
        .located
        .pairs
        .iter()
        .any(|p| parent_value(p.parent).is_null())
    {
        return Ok(());
    }
    if let Some(at) = child_index(link) {
        return each_indexed(view, link, at, parent_value, skip, env, f);
    }
    let mut cursor = view.table_cursor(link.child.side, link.child.root);
    let mut more = cursor.first()?;
    while more {
        let rowid = cursor.rowid()?;
        if Some(rowid) != skip && row_refers(&mut cursor, rowid, link, parent_value, env)? {
            f(rowid)?;
        }
        more = cursor.next()?;
    }
    Ok(())
}

/// Whether some row of `link.child` refers to the parent row whose
/// columns `parent_value` gives under one [`Matching`] and not the other
/// (`link.matching` is not read).
pub(crate) fn matchings_differ<'p, P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    link: Link<'_, A>,
    parent_value: &dyn Fn(usize) -> ValueRef<'p>,
    env: Env<'_, A>,
) -> Result<bool> {
    let Link {
        parent,
        child,
        located,
        ..
    } = link;
    if located
        .pairs
        .iter()
        .any(|p| parent_value(p.parent).is_null())
    {
        return Ok(false);
    }
    let mut cursor = view.table_cursor(child.side, child.root);
    let mut more = cursor.first()?;
    while more {
        let rowid = cursor.rowid()?;
        let payload = cursor.payload()?;
        let record = RecordRef::parse(&payload, Some(child.root))?;
        let mut ctx = env.context().with_table(child, None);
        ctx.on_row(rowid, record);
        let child_value = |i: usize| ctx.column_at(ColumnPos::Column(i));
        let counted = refers(
            parent,
            child,
            located,
            Matching::Counting,
            parent_value,
            &child_value,
        )?;
        let acted = refers(
            parent,
            child,
            located,
            Matching::Acting,
            parent_value,
            &child_value,
        )?;
        if counted != acted {
            return Ok(true);
        }
        drop(ctx);
        drop(payload);
        more = cursor.next()?;
    }
    Ok(false)
}
