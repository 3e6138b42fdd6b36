//! [`RowIds`]: the rowids an `UPDATE` or `DELETE` collects before it
//! changes any row, in a fixed budget.
//!
//! Up to `Budget::bytes / 8` rowids are held in a plain vector (the
//! statement's reused buffer), eight bytes each: a statement that changes
//! that many rows or fewer works exactly as with a vector. Past that, the
//! vector is written out as a run of a temporary file (sorted first when
//! the rowids are wanted in rowid order) and emptied; reading back merges
//! the runs, which for [`RowOrder::Visited`] compare equal and so come out
//! one after the other, in the order they were written.

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, RecordRef, ValueRef};
use crate::{Error, Result, RowId};

use super::merge::Merge;
use super::order::SortKey;
use super::spill::Spill;
use super::{Budget, Position};

/// The order rowids are read back in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowOrder {
    /// The order they were added in.
    Visited,
    /// Ascending rowid order.
    Ascending,
}

/// Rowids collected, in memory or spilled.
pub(crate) struct RowIds<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    budget: Budget,
    order: RowOrder,
    buffer: Vec<RowId, A>,
    spill: Option<Spill<P::File, A>>,
}

/// The sort keys of a rowid run: none, so merged runs come out in the
/// order they were written; or the rowid.
fn keys(order: RowOrder) -> &'static [SortKey] {
    const ASCENDING: [SortKey; 1] = [SortKey::ascending(0, Collation::Binary)];
    match order {
        RowOrder::Visited => &[],
        RowOrder::Ascending => &ASCENDING,
    }
}

impl<'p, P: Platform, A: Allocator + Clone> RowIds<'p, P, A> {
    /// An empty list in `buffer` (emptied; its capacity is reused).
    pub fn new(
        platform: &'p P,
        budget: Budget,
        order: RowOrder,
        mut buffer: Vec<RowId, A>,
    ) -> Self {
        buffer.clear();
        RowIds {
            platform,
            budget,
            order,
            buffer,
            spill: None,
        }
    }

    /// Adds `rowid`, writing the buffer out as a run once it holds the
    /// budget.
    pub fn push(&mut self, rowid: RowId) -> Result<()> {
        let full = self.buffer.len() * core::mem::size_of::<RowId>() >= self.budget.bytes;
        if full && !self.buffer.is_empty() {
            self.write_run()?;
        }
        self.buffer.try_push(rowid)?;
        Ok(())
    }

    fn write_run(&mut self) -> Result<()> {
        if self.order == RowOrder::Ascending {
            self.buffer.sort_unstable();
        }
        if self.spill.is_none() {
            let alloc = self.buffer.allocator().clone();
            self.spill = Some(Spill::open(self.platform, self.budget, alloc)?);
        }
        let spill = self
            .spill
            .as_mut()
            .ok_or(Error::Misuse("a rowid list spilled without its file"))?;
        let rowids = &self.buffer;
        spill.write_run(keys(self.order), |run| {
            for rowid in rowids.iter() {
                run.append(&[ValueRef::Integer(rowid.get())])?;
            }
            Ok(())
        })?;
        self.buffer.clear();
        Ok(())
    }

    /// The rowids, in their order, to be read one at a time.
    pub fn finish(mut self) -> Result<RowIdStream<P::File, A>> {
        let Some(spill) = self.spill.take() else {
            if self.order == RowOrder::Ascending {
                self.buffer.sort_unstable();
            }
            return Ok(RowIdStream::Memory {
                rowids: self.buffer,
                next: 0,
            });
        };
        if !self.buffer.is_empty() {
            self.spill = Some(spill);
            self.write_run()?;
            return self.finish();
        }
        // Spilled: the buffer's room goes back before the merge takes its
        // pages.
        self.buffer.release();
        let (file, merge) = spill.finish(self.platform, self.budget, keys(self.order))?;
        Ok(RowIdStream::Merged {
            file,
            merge,
            order: self.order,
            position: Position::Before,
            buffer: self.buffer,
        })
    }
}

/// Collected rowids being read back.
pub(crate) enum RowIdStream<F, A: Allocator> {
    /// From memory; `next` is the one after the last read.
    Memory { rowids: Vec<RowId, A>, next: usize },
    /// Merged from runs of `file`; `buffer` is the emptied vector, kept
    /// to be given back.
    Merged {
        file: F,
        merge: Merge<A>,
        order: RowOrder,
        position: Position,
        buffer: Vec<RowId, A>,
    },
}

impl<F: File, A: Allocator + Clone> RowIdStream<F, A> {
    /// The next rowid; `None` after the last.
    pub fn next(&mut self) -> Result<Option<RowId>> {
        match self {
            RowIdStream::Memory { rowids, next } => {
                let rowid = rowids.get(*next).copied();
                *next += 1;
                Ok(rowid)
            }
            RowIdStream::Merged {
                file,
                merge,
                order,
                position,
                ..
            } => {
                if *position == Position::On {
                    merge.pop(file, keys(*order))?;
                }
                *position = Position::On;
                let Some(record) = merge.record() else {
                    return Ok(None);
                };
                match RecordRef::parse(record, None)?.column(0)? {
                    ValueRef::Integer(r) => Ok(Some(RowId::new(r))),
                    _ => Err(Error::corrupt_file(
                        "a rowid run holds a value that is no rowid",
                    )),
                }
            }
        }
    }

    /// The vector the rowids were collected in, for the next statement.
    pub fn into_buffer(self) -> Vec<RowId, A> {
        match self {
            RowIdStream::Memory { rowids, .. } => rowids,
            RowIdStream::Merged { buffer, .. } => buffer,
        }
    }
}
