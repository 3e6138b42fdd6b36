//! Where a foreign key's parent rows are found, as SQLite's
//! `sqlite3FkLocateIndex` decides: by rowid when the key is one column
//! and the parent's `INTEGER PRIMARY KEY` is the column referenced (or
//! the primary key implied), else by a `UNIQUE` index of the parent with
//! exactly the key's columns: its primary key's when no column is named,
//! else one whose columns are those named (in any order), each with the
//! column's own collation. Anything else is a "foreign key mismatch".

use crate::alloc::{Allocator, Vec};
use crate::schema::ColumnSource;
use crate::table::TableInfo;
use crate::{Named, Result};

use super::keys::Key;

/// How a parent row is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// By rowid: the key is the parent's `INTEGER PRIMARY KEY`.
    Rowid,
    /// In the parent index at this position of its indexes.
    Index(usize),
}

/// One column of a key: the child's column and the parent's it refers
/// to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    /// The child column's position.
    pub child: usize,
    /// The parent column's position.
    pub parent: usize,
}

/// A key, located in its parent table.
pub(crate) struct Located<A: Allocator> {
    /// How a parent row is looked for.
    pub by: By,
    /// The key's columns, in the child's order.
    pub pairs: Vec<Pair, A>,
    /// For an index: per key column of the index, the pair it takes
    /// its value from.
    pub probe: Vec<usize, A>,
}

/// Locates `key` in its parent `parent`; the mismatch error when it
/// cannot be.
pub(crate) fn locate<A: Allocator + Clone>(
    key: &Key<A>,
    parent: &TableInfo<A>,
    alloc: &A,
) -> Result<Located<A>> {
    let n = key.from.len();
    let mismatch = || Named::ForeignKeyMismatch.error2(&key.child, &key.parent);
    if n == 1 {
        if let (Some(alias), Some(&child)) = (parent.columns.rowid_alias, key.from.first()) {
            let names_alias = match key.to.first() {
                None => true,
                Some(name) => parent
                    .columns
                    .columns
                    .get(alias)
                    .is_some_and(|c| c.name.eq_ignore_ascii_case(name)),
            };
            if names_alias {
                let mut pairs = Vec::try_with_capacity_in(1, alloc.clone())?;
                pairs.try_push(Pair {
                    child,
                    parent: alias,
                })?;
                return Ok(Located {
                    by: By::Rowid,
                    pairs,
                    probe: Vec::new_in(alloc.clone()),
                });
            }
        }
    }
    if !key.to.is_empty() && key.to.len() != n {
        return Err(mismatch());
    }
    for (at, index) in parent.indexes.iter().enumerate() {
        let columns = &index.columns.columns;
        if columns.len() != n || !index.columns.unique || index.columns.partial {
            continue;
        }
        let mut parents = Vec::try_with_capacity_in(n, alloc.clone())?;
        parents.try_resize(n, None)?;
        let mut probe = Vec::try_with_capacity_in(n, alloc.clone())?;
        let usable = if key.to.is_empty() {
            is_primary(parent, &index.name) && {
                for (i, column) in columns.iter().enumerate() {
                    let ColumnSource::Column(c) = column.source else {
                        break;
                    };
                    if let Some(slot) = parents.get_mut(i) {
                        *slot = Some(c);
                    }
                    probe.try_push(i)?;
                }
                probe.len() == n
            }
        } else {
            for column in columns.iter() {
                let ColumnSource::Column(c) = column.source else {
                    break;
                };
                let Some(def) = parent.columns.columns.get(c) else {
                    break;
                };
                if column.collation != def.collation {
                    break;
                }
                let Some(j) = key
                    .to
                    .iter()
                    .position(|t| t.eq_ignore_ascii_case(&def.name))
                else {
                    break;
                };
                if let Some(slot) = parents.get_mut(j) {
                    *slot = Some(c);
                }
                probe.try_push(j)?;
            }
            probe.len() == n
        };
        if !usable {
            continue;
        }
        let mut pairs = Vec::try_with_capacity_in(n, alloc.clone())?;
        for (&child, parent) in key.from.iter().zip(parents.iter()) {
            let parent = parent.ok_or_else(mismatch)?;
            pairs.try_push(Pair { child, parent })?;
        }
        return Ok(Located {
            by: By::Index(at),
            pairs,
            probe,
        });
    }
    Err(mismatch())
}

/// Whether the index `name` of `table` is the one its `PRIMARY KEY`
/// made (`sqlite_autoindex_<table>_<n>`).
fn is_primary<A: Allocator>(table: &TableInfo<A>, name: &str) -> bool {
    let Some(k) = table.columns.primary_autoindex else {
        return false;
    };
    let prefix = "sqlite_autoindex_";
    let Some(rest) = name
        .get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| name.get(prefix.len()..))
    else {
        return false;
    };
    let Some(number) = rest
        .get(..table.name.len())
        .filter(|t| t.eq_ignore_ascii_case(&table.name))
        .and_then(|_| rest.get(table.name.len()..))
        .and_then(|r| r.strip_prefix('_'))
    else {
        return false;
    };
    number.parse::<usize>().ok() == Some(k + 1)
}
