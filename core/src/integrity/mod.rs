//! The integrity check: this engine's own `PRAGMA integrity_check`, and the
//! oracle of its tests.
//!
//! [`integrity_check`] (or [`check`], over any [`PageSource`]) verifies
//! what SQLite's integrity check verifies of a file:
//!
//! 1. the freelist: trunks and leaves name pages of the database, a
//!    trunk's leaf count fits its page, and the pages found number what the
//!    header's freelist count says;
//! 2. every B-tree (the schema table on page 1, then each root the schema
//!    names): every page's header and layout (cells and freeblocks inside
//!    the content area and not overlapping, freeblocks in order, the
//!    fragmented-byte count exact), every page of the tree's family and no
//!    page but the root empty, leaves all at one depth, keys in order
//!    within and across pages (rowids for tables; for indexes, the index's
//!    collations and sort orders from its `CREATE INDEX`; for a `WITHOUT
//!    ROWID` table, its primary key's, strictly ascending), unique keys in
//!    `UNIQUE` indexes, records well formed, and overflow chains exactly as
//!    long as their payloads need;
//! 3. every page from 1 to the page count is used exactly once, by one
//!    tree, the freelist or one overflow chain, except the page holding
//!    byte 2^30 (where SQLite keeps its locks), which nothing may use;
//! 4. each index against its table (see `content`): one entry per row,
//!    holding the row's values (for a `WITHOUT ROWID` table's index, its
//!    entries in order, each ending with its row's primary key).
//!
//! Problems are collected as small values ([`Problem`]), up to a limit
//! (100 by default, as SQLite's), after which checking stops. A corrupt
//! file is never an error here, it is what the report describes; errors
//! are reserved for running out of memory and I/O failures.
//!
//! Memory: a bitmap of one bit per page, the schema, and a few scratch
//! buffers that grow to the largest payload or page met and are reused
//! for every row after it. Walks use fixed stacks, never recursion, and
//! pin at most a page and one overflow page at a time. A file whose
//! pointers loop cannot make the check loop: a page met twice is
//! reported, not followed.

mod checker;
mod content;
mod layout;
mod problem;
mod tree;

#[cfg(test)]
mod tests;

use core::fmt;

use boundlite_platform::File;

use crate::alloc::{Allocator, Vec};
use crate::btree::PageSource;
use crate::format::DatabaseHeader;
use crate::pager::Pager;
use crate::record::{KeyColumn, SortOrder};
use crate::schema::{
    EntryKind, IndexColumn, IndexColumns, Schema, SchemaEntry, TableColumns, created_table,
    index_columns_of, is_without_rowid, parse_stored, stored_columns, table_columns,
};
use crate::{PageNo, Result};
use checker::Checker;
use content::IndexCheck;
use tree::{Family, TreeSpec, TreeStats};

pub use problem::{Problem, ProblemKind};

/// How many problems a check collects by default, as SQLite's.
pub const DEFAULT_MAX_ERRORS: usize = 100;

/// What an integrity check found.
pub struct IntegrityReport<A: Allocator> {
    problems: Vec<Problem, A>,
    schema: Option<Schema<A>>,
    page_count: u32,
    freelist_count: u32,
    unchecked_indexes: usize,
    limit_reached: bool,
}

impl<A: Allocator> IntegrityReport<A> {
    /// Whether no problem was found: SQLite's "ok".
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems, in the order found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Whether checking stopped at the problem limit.
    pub fn limit_reached(&self) -> bool {
        self.limit_reached
    }

    /// Pages in the database.
    pub fn page_count(&self) -> u32 {
        self.page_count
    }

    /// Pages on the freelist, as the header counts them.
    pub fn freelist_count(&self) -> u32 {
        self.freelist_count
    }

    /// Indexes whose entries could not be compared value for value with
    /// their rows (expressions this engine cannot evaluate from a row,
    /// partial or expression indexes of `WITHOUT ROWID` tables, collations
    /// this engine does not know, SQL the schema cannot read): only their
    /// structure, and for a rowid table that each entry names a row, were
    /// checked.
    pub fn unchecked_indexes(&self) -> usize {
        self.unchecked_indexes
    }

    /// The schema the check read, when it could read it.
    pub fn schema(&self) -> Option<&Schema<A>> {
        self.schema.as_ref()
    }
}

/// "ok", or one problem per line, indexes named by their schema name.
impl<A: Allocator + Clone> fmt::Display for IntegrityReport<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("ok");
        }
        let name = |f: &mut fmt::Formatter<'_>, root: PageNo| match self
            .schema
            .as_ref()
            .and_then(|s| s.by_root(root))
        {
            Some(entry) => f.write_str(&entry.name),
            None => write!(f, "rooted at page {root}"),
        };
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            problem.write(f, &name)?;
        }
        Ok(())
    }
}

impl<A: Allocator> fmt::Debug for IntegrityReport<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrityReport")
            .field("problems", &self.problems.as_slice())
            .field("page_count", &self.page_count)
            .field("freelist_count", &self.freelist_count)
            .field("unchecked_indexes", &self.unchecked_indexes)
            .finish_non_exhaustive()
    }
}

/// Checks the database `pager` holds, as of its current transaction,
/// collecting at most `max_errors` problems (0: [`DEFAULT_MAX_ERRORS`]).
/// Memory for the check and the report comes from `alloc`.
///
/// Outside a write transaction, the header's database size must also be
/// the pager's page count when the header marks it valid.
pub fn integrity_check<F: File, A: Allocator + Clone>(
    pager: &Pager<F, A>,
    alloc: A,
    max_errors: usize,
) -> Result<IntegrityReport<A>> {
    let header = pager.header();
    let mut report = check(pager, &header, alloc, max_errors)?;
    let limit = effective_limit(max_errors);
    // A database with no page has no header on disk to disagree.
    if !pager.in_write_transaction()
        && pager.page_count() > 0
        && header.in_header_size_is_valid()
        && header.database_size != pager.page_count()
        && report.problems.len() < limit
    {
        report
            .problems
            .try_push(Problem::new(ProblemKind::DatabaseSize {
                header: header.database_size,
                actual: pager.page_count(),
            }))?;
    }
    Ok(report)
}

/// Pages in the database `pager` holds (`PRAGMA page_count`).
pub fn page_count<F: File, A: Allocator + Clone>(pager: &Pager<F, A>) -> u32 {
    pager.page_count()
}

/// Pages on its freelist, as the header counts them (`PRAGMA
/// freelist_count`).
pub fn freelist_count<F: File, A: Allocator + Clone>(pager: &Pager<F, A>) -> u32 {
    pager.header().freelist_count
}

fn effective_limit(max_errors: usize) -> usize {
    if max_errors == 0 {
        DEFAULT_MAX_ERRORS
    } else {
        max_errors
    }
}

/// Checks the database in `source`, whose header is `header` (its freelist
/// and schema format are read from it), collecting at most `max_errors`
/// problems (0: [`DEFAULT_MAX_ERRORS`]).
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::btree::FileImage;
/// use boundlite::format::{DatabaseHeader, PageSize};
/// use boundlite::integrity::{check, ProblemKind};
///
/// // One page: the header, then an empty schema table (a table leaf).
/// let header = DatabaseHeader::new_database(PageSize::new(512).unwrap());
/// let mut file = [0u8; 512];
/// file[..100].copy_from_slice(&header.to_bytes());
/// file[100..108].copy_from_slice(&[0x0d, 0, 0, 0, 0, 0x02, 0, 0]);
/// let report = check(&FileImage::new(&file)?, &header, Global, 0)?;
/// assert_eq!(report.to_string(), "ok");
///
/// file[107] = 2; // two fragmented bytes that do not exist
/// let report = check(&FileImage::new(&file)?, &header, Global, 0)?;
/// assert_eq!(report.problems()[0].kind, ProblemKind::Fragmentation { actual: 0, reported: 2 });
/// assert_eq!(report.to_string(), "Tree 1 page 1: Fragmentation of 0 bytes reported as 2 on page 1");
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn check<S: PageSource, A: Allocator + Clone>(
    source: &S,
    header: &DatabaseHeader,
    alloc: A,
    max_errors: usize,
) -> Result<IntegrityReport<A>> {
    let mut checker = Checker::new(source, header, alloc.clone(), effective_limit(max_errors))?;
    let mut report = IntegrityReport {
        problems: Vec::new_in(alloc.clone()),
        schema: None,
        page_count: source.page_count(),
        freelist_count: header.freelist_count,
        unchecked_indexes: 0,
        limit_reached: false,
    };
    if source.page_count() > 0 {
        checker.check_freelist(header.first_freelist_trunk, header.freelist_count)?;
        let schema_tree = checker.check_tree(&TreeSpec::table(PageNo::ONE))?;
        if schema_tree.clean {
            let read = Schema::read(source, alloc.clone());
            report.schema = checker.absorb(Some(PageNo::ONE), None, read)?;
        }
        let desc_allowed = header.schema_format >= 4;
        let mut trees = Vec::new_in(alloc.clone());
        if let Some(schema) = &report.schema {
            check_trees(&mut checker, schema, desc_allowed, &mut trees)?;
        }
        checker.check_unused()?;
        if let Some(schema) = &report.schema {
            report.unchecked_indexes = check_contents(&mut checker, schema, desc_allowed, &trees)?;
        }
    }
    report.limit_reached = checker.full();
    report.problems = checker.problems;
    Ok(report)
}

/// Walks the tree of every schema entry that has one; records each root's
/// stats in `trees`.
fn check_trees<S: PageSource, A: Allocator + Clone>(
    checker: &mut Checker<'_, S, A>,
    schema: &Schema<A>,
    desc_allowed: bool,
    trees: &mut Vec<(PageNo, TreeStats), A>,
) -> Result<()> {
    let mut keys = Vec::new_in(checker.alloc.clone());
    for entry in schema.entries() {
        let Some(root) = entry.root else {
            continue;
        };
        if checker.full() {
            break;
        }
        keys.clear();
        let mut spec = TreeSpec::table(root);
        match entry.kind {
            EntryKind::Table if entry.sql.as_deref().is_some_and(is_without_rowid) => {
                spec.family = Family::Index;
                // Rows in strictly ascending key order: no key repeated.
                if let Some(sql) = entry.sql.as_deref() {
                    primary_key_columns(sql, desc_allowed, &checker.alloc, &mut keys)?;
                }
            }
            EntryKind::Index
                if keyed_index(schema, entry, desc_allowed, &checker.alloc, &mut keys)?
                    .is_some() =>
            {
                // Entries in strictly ascending order: each ends with its
                // row's primary key, so none repeats another.
                spec.family = Family::Index;
            }
            EntryKind::Index => {
                spec.family = Family::Index;
                if let Some((table, rowid)) = indexed_table(schema, entry, &checker.alloc)? {
                    spec.rowid_last = rowid;
                    let index = index_columns_of(entry, &table, checker.alloc.clone());
                    if let Ok(index) = index {
                        if rowid && index.key_columns(desc_allowed, &mut keys)? {
                            spec.unique = index.unique;
                        }
                    }
                }
            }
            _ => {}
        }
        spec.keys = (!keys.is_empty()).then_some(keys.as_slice());
        let stats = checker.check_tree(&spec)?;
        trees.try_push((root, stats))?;
    }
    Ok(())
}

/// What an index of a `WITHOUT ROWID` table is: its table's columns,
/// its own and the primary key columns ending its entries; `None` when
/// `index` belongs to no such table or its SQL cannot be read. Appends to
/// `keys` how its entries compare, nothing when a collation is unknown.
#[allow(clippy::type_complexity)] // the three parts of one description
fn keyed_index<A: Allocator + Clone>(
    schema: &Schema<A>,
    index: &SchemaEntry<A>,
    desc_allowed: bool,
    alloc: &A,
    keys: &mut Vec<KeyColumn, A>,
) -> Result<Option<(TableColumns<A>, IndexColumns<A>, Vec<IndexColumn, A>)>> {
    let Some(sql) = schema.table(&index.table).and_then(|t| t.sql.as_deref()) else {
        return Ok(None);
    };
    if !is_without_rowid(sql) {
        return Ok(None);
    }
    let read = stored_columns(sql, alloc.clone())
        .and_then(|table| Ok((index_columns_of(index, &table, alloc.clone())?, table)));
    let (columns, table) = match read {
        Ok(read) => read,
        Err(crate::Error::OutOfMemory) => return Err(crate::Error::OutOfMemory),
        Err(_) => return Ok(None),
    };
    let mut tail = Vec::new_in(alloc.clone());
    table.entry_tail(&columns, index.sql.is_none(), &mut tail)?;
    let known =
        tail.iter().all(|c| c.collation.is_some()) && columns.key_columns(desc_allowed, keys)?;
    if known {
        keys.try_reserve(tail.len())?;
        for column in tail.iter() {
            keys.try_push(KeyColumn {
                order: if desc_allowed {
                    column.order
                } else {
                    SortOrder::Asc
                },
                collation: column.collation.unwrap_or_default(),
            })?;
        }
    } else {
        keys.clear();
    }
    Ok(Some((table, columns, tail)))
}

/// Appends to `keys` how the rows of the `WITHOUT ROWID` table `sql`
/// declares compare: its primary key's columns, each once, as its records
/// store them; nothing when a collation is unknown or the SQL cannot be
/// read.
fn primary_key_columns<A: Allocator + Clone>(
    sql: &str,
    desc_allowed: bool,
    alloc: &A,
    keys: &mut Vec<KeyColumn, A>,
) -> Result<()> {
    let parsed = match parse_stored(sql, alloc.clone()) {
        Ok(parsed) => parsed,
        Err(crate::Error::OutOfMemory) => return Err(crate::Error::OutOfMemory),
        Err(_) => return Ok(()),
    };
    let columns = match created_table(&parsed)
        .and_then(|c| TableColumns::stored_as(c, alloc.clone()))
        .and_then(|c| c.keep_sql(sql))
    {
        Ok(columns) => columns,
        Err(crate::Error::OutOfMemory) => return Err(crate::Error::OutOfMemory),
        Err(_) => return Ok(()),
    };
    let key = columns
        .primary_autoindex
        .and_then(|at| columns.autoindexes.get(at))
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (k, column) in key.iter().enumerate() {
        let before = key.get(..k).unwrap_or_default();
        if before.iter().any(|b| b.source == column.source) {
            continue;
        }
        let Some(collation) = column.collation else {
            keys.clear();
            return Ok(());
        };
        keys.try_push(KeyColumn {
            order: if desc_allowed {
                column.order
            } else {
                SortOrder::Asc
            },
            collation,
        })?;
    }
    Ok(())
}

/// The columns of the table `index` belongs to, and whether it is a rowid
/// table; `None` when its SQL cannot be read.
fn indexed_table<A: Allocator + Clone>(
    schema: &Schema<A>,
    index: &SchemaEntry<A>,
    alloc: &A,
) -> Result<Option<(TableColumns<A>, bool)>> {
    let Some(sql) = schema.table(&index.table).and_then(|t| t.sql.as_deref()) else {
        return Ok(None);
    };
    if is_without_rowid(sql) {
        return Ok(None);
    }
    match table_columns(sql, alloc.clone()) {
        Ok(table) => Ok(Some((table, true))),
        Err(crate::Error::OutOfMemory) => Err(crate::Error::OutOfMemory),
        Err(_) => Ok(None),
    }
}

/// Compares each index with its table; returns how many indexes could not
/// be compared value for value.
fn check_contents<S: PageSource, A: Allocator + Clone>(
    checker: &mut Checker<'_, S, A>,
    schema: &Schema<A>,
    desc_allowed: bool,
    trees: &[(PageNo, TreeStats)],
) -> Result<usize> {
    let stats = |root: PageNo| trees.iter().find(|(r, _)| *r == root).map(|(_, s)| *s);
    let mut unchecked = 0;
    let mut keys: Vec<KeyColumn, A> = Vec::new_in(checker.alloc.clone());
    for entry in schema.entries() {
        let (EntryKind::Index, Some(index_root)) = (entry.kind, entry.root) else {
            continue;
        };
        if checker.full() {
            break;
        }
        let table_entry = schema.table(&entry.table);
        let table_root = table_entry.and_then(|t| t.root);
        keys.clear();
        if let Some((table, index, tail)) =
            keyed_index(schema, entry, desc_allowed, &checker.alloc, &mut keys)?
        {
            let (Some(table_root), Some(index_stats), Some(table_stats)) =
                (table_root, stats(index_root), table_root.and_then(stats))
            else {
                unchecked += 1;
                continue;
            };
            if !index_stats.clean || !table_stats.clean {
                continue;
            }
            let check = IndexCheck {
                index_root,
                table_root,
                table: &table,
                index: &index,
                keys: (!keys.is_empty()).then_some(keys.as_slice()),
                tail: Some(&tail),
                entries: index_stats.entries,
                rows: table_stats.entries,
                sql: None,
            };
            if !checker.check_index_content(&check)? {
                unchecked += 1;
            }
            continue;
        }
        let columns = indexed_table(schema, entry, &checker.alloc)?;
        let index = match &columns {
            Some((table, _)) => index_columns_of(entry, table, checker.alloc.clone()).ok(),
            None => None,
        };
        let (Some(table_root), Some((table, _)), Some(index)) = (table_root, &columns, &index)
        else {
            unchecked += 1;
            continue;
        };
        let (Some(index_stats), Some(table_stats)) = (stats(index_root), stats(table_root)) else {
            unchecked += 1;
            continue;
        };
        if !index_stats.clean || !table_stats.clean {
            continue;
        }
        keys.clear();
        let known = index.key_columns(desc_allowed, &mut keys)?;
        let check = IndexCheck {
            index_root,
            table_root,
            table,
            index,
            keys: known.then_some(keys.as_slice()),
            tail: None,
            entries: index_stats.entries,
            rows: table_stats.entries,
            sql: entry.sql.as_deref(),
        };
        if !checker.check_index_content(&check)? {
            unchecked += 1;
        }
    }
    Ok(unchecked)
}
