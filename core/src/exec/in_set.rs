//! [`InSet`]: the values of an uncorrelated `x IN (SELECT ...)`, read
//! once per run of the statement and probed by search, as SQLite probes
//! the ephemeral index it fills from such a subquery, rather than
//! compared one by one for each row of the query around it.
//!
//! Invariants:
//! - a set holds the subquery's non-NULL values as the comparison sees
//!   them (its affinity applied) and answers for that affinity and
//!   collation only ([`SetKey`]); whether a NULL was among them is a flag;
//! - its values are ordered by [`compare_values`] under the key's
//!   collation, the order `=` agrees with, so a search finds a value
//!   exactly when a comparison one by one would;
//! - values stay in memory, sorted in place, while the statement's kept
//!   values fit its sort budget (see `once`); past it they go into an
//!   index B-tree of a temporary database of their own (its cache the
//!   least a pager takes, the rest in its files), so a set of any size
//!   costs bounded memory and a probe a descent of that tree.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{SeekMode, TreeKind};
use crate::database::Database;
use crate::record::{KeyColumn, SortOrder, ValueRef, compare_values, encode_into};
use crate::sql::eval::{SetKey, Value, apply_comparison_affinity};
use crate::{PageNo, Result};

/// The values of one subquery, searchable.
pub(crate) struct InSet<P: Platform, A: Allocator + Clone> {
    key: SetKey,
    /// Whether the subquery gave any row, NULL or not.
    any: bool,
    /// Whether it gave a NULL.
    null: bool,
    holds: Holds<P, A>,
}

/// Where a set's non-NULL values are.
enum Holds<P: Platform, A: Allocator + Clone> {
    /// Sorted, in memory.
    Memory(Vec<Value<A>, A>),
    /// In a temporary database's index B-tree.
    Tree(Tree<P, A>),
}

/// The index B-tree at `root` of the temporary database `db`.
struct Tree<P: Platform, A: Allocator + Clone> {
    db: Box<Database<P, A>, A>,
    root: PageNo,
}

/// The values of a set as they are read, before it is searched.
pub(crate) struct SetBuilder<P: Platform, A: Allocator + Clone> {
    set: InSet<P, A>,
    platform: P,
    /// The sort budget of the temporary database, if one opens.
    sort_memory: usize,
    /// The index B-tree values go into once they do not fit in memory.
    tree: Option<Tree<P, A>>,
    record: Vec<u8, A>,
}

impl<P: Platform, A: Allocator + Clone> SetBuilder<P, A> {
    /// An empty set for `key`, whose temporary database, if it needs
    /// one, opens on `platform`'s temporary files and sorts within
    /// `sort_memory`.
    pub fn new(key: SetKey, platform: &P, sort_memory: usize, alloc: &A) -> Self {
        SetBuilder {
            set: InSet {
                key,
                any: false,
                null: false,
                holds: Holds::Memory(Vec::new_in(alloc.clone())),
            },
            platform: platform.clone(),
            sort_memory,
            tree: None,
            record: Vec::new_in(alloc.clone()),
        }
    }

    /// Adds `value` (the affinity not yet applied); `fits` says whether
    /// the values held in memory may grow by it.
    pub fn push(&mut self, value: ValueRef<'_>, fits: bool, alloc: &A) -> Result<()> {
        self.set.any = true;
        let coerced = apply_comparison_affinity(value, self.set.key.affinity);
        let value = coerced.as_ref();
        if value.is_null() {
            self.set.null = true;
            return Ok(());
        }
        if let (Holds::Memory(values), None) = (&mut self.set.holds, &self.tree) {
            if fits {
                values.try_push(Value::try_from_ref(value, alloc.clone())?)?;
                return Ok(());
            }
        }
        self.push_to_tree(value)
    }

    /// Adds `value` to the tree, opening it (with the values held in
    /// memory) first if it is not yet.
    fn push_to_tree(&mut self, value: ValueRef<'_>) -> Result<()> {
        let columns = [self.set.key_column()];
        if self.tree.is_none() {
            let alloc = self.record.allocator().clone();
            let db = Database::open_temp(&self.platform, self.sort_memory, alloc.clone())?;
            let db = Box::try_new_in(db, alloc)?;
            let txn = db.begin_write()?;
            let root = txn.create_tree(TreeKind::Index)?;
            txn.suspend();
            self.tree = Some(Tree { db, root });
        }
        let Some(Tree { db, root }) = &self.tree else {
            return Ok(());
        };
        let txn = db.continue_write()?;
        if let Holds::Memory(values) = &mut self.set.holds {
            for held in values.iter() {
                self.record.clear();
                encode_into(&[held.as_ref()], &mut self.record)?;
                txn.insert_key(*root, &self.record, &columns)?;
            }
            // Given back: the tree holds them from here on.
            *values = Vec::new_in(self.record.allocator().clone());
        }
        self.record.clear();
        encode_into(&[value], &mut self.record)?;
        txn.insert_key(*root, &self.record, &columns)?;
        txn.suspend();
        Ok(())
    }

    /// The set, its values sorted.
    pub fn finish(self) -> Result<InSet<P, A>> {
        let SetBuilder { mut set, tree, .. } = self;
        match tree {
            Some(tree) => {
                tree.db.continue_write()?.commit()?;
                set.holds = Holds::Tree(tree);
            }
            None => {
                if let Holds::Memory(values) = &mut set.holds {
                    let collation = set.key.collation;
                    values.sort_unstable_by(|a, b| {
                        compare_values(&a.as_ref(), &b.as_ref(), collation)
                    });
                }
            }
        }
        Ok(set)
    }
}

impl<P: Platform, A: Allocator + Clone> InSet<P, A> {
    /// The comparison the set answers for.
    pub fn key(&self) -> SetKey {
        self.key
    }

    fn key_column(&self) -> KeyColumn {
        KeyColumn {
            order: SortOrder::Asc,
            collation: self.key.collation,
        }
    }

    /// `probe IN (set)` (the affinity not yet applied): true when an
    /// equal value is there; else NULL (`None`) when the probe is NULL
    /// and the set not empty, or the set holds a NULL; else false.
    pub fn contains(&self, probe: ValueRef<'_>) -> Result<Option<bool>> {
        let coerced = apply_comparison_affinity(probe, self.key.affinity);
        let probe = coerced.as_ref();
        if !self.any {
            return Ok(Some(false));
        }
        if probe.is_null() {
            return Ok(None);
        }
        let column = self.key_column();
        let found = match &self.holds {
            Holds::Memory(values) => values
                .binary_search_by(|v| compare_values(&v.as_ref(), &probe, column.collation))
                .is_ok(),
            Holds::Tree(Tree { db, root }) => {
                let mut cursor = db.index_cursor(*root);
                cursor.seek(&[probe], &[column], SeekMode::Eq)?
            }
        };
        Ok(match (found, self.null) {
            (true, _) => Some(true),
            (false, true) => None,
            (false, false) => Some(false),
        })
    }
}
