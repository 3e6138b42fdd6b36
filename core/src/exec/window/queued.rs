//! A group of peers too large to hold, of a sort whose calls stream
//! (see `Pass::streams`): its rows wait in a [`Queue`] that spills to a
//! temporary file past its budget, each with the values known as it came
//! (`row_number`, `rank`, `dense_rank`, an aggregate over `ROWS` to the
//! current row); the values that need the whole group (an aggregate over
//! `RANGE` or `GROUPS` to the current row, which every peer shares) are
//! set as the rows leave, once the group ended.
//!
//! Invariants: rows leave in the order they came, which is the sort's;
//! the group's first row is kept aside (its partition and order values
//! are what the next row is compared with); the calls' running
//! aggregates take each row once, as the rows held in a partition would.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone};
use crate::record::ValueRef;
use crate::sort::{Queue, Row};
use crate::sql::FrameUnit;
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::functions::{Func, add_row};
use super::{Before, Pass, inputs_and_acc};

/// The group of peers waiting in the queue.
pub(super) struct Queued<A: Allocator> {
    /// The group's first row, which the next row is compared with.
    pub key: Row<A>,
    /// How many rows wait.
    pub rows: usize,
}

impl<A: Allocator + Clone> Pass<'_, '_, '_, '_, A> {
    /// Adds `row` to the queued group of sort `s` (making one of the rows
    /// held, first, when there is none): its known values set, its
    /// inputs added to the running aggregates.
    pub(super) fn queue_row<P: Platform>(
        &mut self,
        s: usize,
        row: Row<A>,
        queue: &mut Queue<'_, P, A>,
        before: Before,
    ) -> Result<()> {
        if self.queued.is_none() {
            let alloc = self.env.alloc.clone();
            let mut held =
                core::mem::replace(self.part.rows_mut(), crate::alloc::Vec::new_in(alloc));
            let key = match held.first().or(Some(&row)) {
                Some(first) => first.try_clone()?,
                None => return Err(Error::Misuse("a queued group without a row")),
            };
            self.queued = Some(Queued { key, rows: 0 });
            for waiting in held.drain(..) {
                self.queue_one(s, waiting, queue, before)?;
            }
            self.part.clear();
        }
        self.queue_one(s, row, queue, before)
    }

    fn queue_one<P: Platform>(
        &mut self,
        s: usize,
        mut row: Row<A>,
        queue: &mut Queue<'_, P, A>,
        before: Before,
    ) -> Result<()> {
        let alloc = self.env.alloc.clone();
        let at = self.queued.as_ref().map_or(0, |q| q.rows);
        for (k, call) in self.windows.calls.iter().enumerate() {
            if call.sort != s {
                continue;
            }
            let value = match call.func {
                Func::RowNumber => Some(Value::Integer((before.rows + at) as i64 + 1)),
                Func::Rank => Some(Value::Integer(before.rows as i64 + 1)),
                Func::DenseRank => Some(Value::Integer(before.groups as i64 + 1)),
                Func::Aggregate(kind) => {
                    let frame = self.frame(k)?;
                    let (inputs, acc) = inputs_and_acc(self.layout, &mut self.accs, k)?;
                    let value = |c: usize| row.get(c).map_or(ValueRef::Null, Value::as_ref);
                    add_row(kind, inputs, &value, acc, &alloc)?;
                    match frame.unit {
                        FrameUnit::Rows => Some(acc.value(kind, &alloc)?),
                        FrameUnit::Range | FrameUnit::Groups => None,
                    }
                }
                _ => {
                    return Err(Error::Misuse(
                        "a queued group of a sort that does not stream",
                    ));
                }
            };
            if let Some(value) = value {
                let column = self.layout.results + k;
                *row.get_mut(column)
                    .ok_or(Error::Misuse("a window value out of place"))? = value;
            }
        }
        queue.push(row)?;
        if let Some(q) = self.queued.as_mut() {
            q.rows += 1;
        }
        Ok(())
    }

    /// Ends the queued group of sort `s`: sets the values its peers
    /// share and gives its rows to `emit`, in order.
    pub(super) fn flush_queued<P: Platform>(
        &mut self,
        s: usize,
        queue: &mut Queue<'_, P, A>,
        before: &mut Before,
        emit: &mut dyn FnMut(Row<A>) -> Result<()>,
    ) -> Result<()> {
        let Some(queued) = self.queued.take() else {
            return Ok(());
        };
        let alloc = self.env.alloc.clone();
        self.values.clear();
        for (k, call) in self.windows.calls.iter().enumerate() {
            let shared = match call.func {
                Func::Aggregate(kind) if call.sort == s => match self.frame(k)?.unit {
                    FrameUnit::Rows => None,
                    FrameUnit::Range | FrameUnit::Groups => {
                        let acc = self
                            .accs
                            .get(k)
                            .ok_or(Error::Misuse("a window call without its aggregate"))?;
                        Some(acc.value(kind, &alloc)?)
                    }
                },
                _ => None,
            };
            self.values.try_push(shared.unwrap_or(Value::Null))?;
        }
        let mut row = queued.key;
        while queue.pop(&mut row)? {
            for (k, call) in self.windows.calls.iter().enumerate() {
                let shared = matches!(call.func, Func::Aggregate(_))
                    && call.sort == s
                    && self.frame(k)?.unit != FrameUnit::Rows;
                if shared {
                    let value = self
                        .values
                        .get(k)
                        .ok_or(Error::Misuse("a window value out of place"))?
                        .try_clone()?;
                    *row.get_mut(self.layout.results + k)
                        .ok_or(Error::Misuse("a window value out of place"))? = value;
                }
            }
            if let Some(seq) = row.first_mut() {
                *seq = Value::Integer(self.emitted);
            }
            self.emitted += 1;
            emit(core::mem::replace(
                &mut row,
                crate::alloc::Vec::new_in(alloc.clone()),
            ))?;
        }
        self.values.clear();
        before.rows += queued.rows;
        before.groups += 1;
        Ok(())
    }
}
