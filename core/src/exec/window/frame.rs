//! A window call's frame: the rows of its partition its value is
//! computed over, for each row of the partition, as SQLite's `window.c`
//! bounds them.
//!
//! - `ROWS` counts rows; `GROUPS` counts groups of peers (rows equal in
//!   the window's `ORDER BY`); `RANGE` without an offset bounds at the
//!   current row's peers, with one compares the value of the one
//!   `ORDER BY` term with the current row's plus or minus the offset;
//! - `EXCLUDE` drops the current row, its peers, or its peers but it.
//!
//! Invariants: a frame is a half-open range `[lo, hi)` of the partition,
//! `lo <= hi`, empty when its end comes before its start; as the current
//! row moves forward neither bound moves back. Offsets are checked as
//! SQLite checks them (an integer for `ROWS` and `GROUPS`, a number for
//! `RANGE`, never negative) before any frame is computed.

use core::cmp::Ordering;

use crate::record::SortOrder;
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::{EvalContext, Value, evaluate};
use crate::sql::{Frame, FrameBound, FrameExclude, FrameUnit, NullsOrder, OrderingTerm};
use crate::{Error, Result};

use super::partition::Partition;

/// An offset, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Offset {
    Integer(i64),
    Real(f64),
}

/// One bound, its offset evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound {
    UnboundedPreceding,
    Preceding(Offset),
    CurrentRow,
    Following(Offset),
    UnboundedFollowing,
}

/// The order of the one `ORDER BY` term a `RANGE` offset compares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RangeKey {
    /// The row column holding the term's value.
    pub column: usize,
    pub descending: bool,
    /// Whether NULLs sort before every value.
    pub nulls_first: bool,
}

/// A frame ready to bound rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameSpec {
    pub unit: FrameUnit,
    pub start: Bound,
    pub end: Bound,
    pub exclude: FrameExclude,
    /// For `RANGE` with an offset.
    pub key: Option<RangeKey>,
}

/// Which end of the frame an offset bounds, for its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Start,
    End,
}

/// Fails when `frame` is one SQLite's parser refuses, or a `RANGE` with
/// an offset over other than one `ORDER BY` term.
pub(crate) fn check<A: crate::alloc::Allocator + Clone>(
    frame: Option<&Frame<'_, A>>,
    order_terms: usize,
) -> Result<()> {
    let Some(frame) = frame else {
        return Ok(());
    };
    let end = frame.end.as_ref().unwrap_or(&FrameBound::CurrentRow);
    let unsupported = matches!(
        (&frame.start, end),
        (FrameBound::CurrentRow, FrameBound::Preceding(_))
            | (
                FrameBound::Following(_),
                FrameBound::Preceding(_) | FrameBound::CurrentRow
            )
    );
    if unsupported {
        return Err(Error::Sql("unsupported frame specification"));
    }
    let offset =
        |b: &FrameBound<'_, A>| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
    if frame.unit == FrameUnit::Range && (offset(&frame.start) || offset(end)) && order_terms != 1 {
        return Err(Error::Sql(
            "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression",
        ));
    }
    Ok(())
}

impl FrameSpec {
    /// The frame of a window whose frame is `frame` as written (`None`:
    /// the default, `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`)
    /// and whose `ORDER BY` is `order`, the first of its terms in row
    /// column `key_column`; offsets evaluated in `ctx`.
    pub fn resolve<A: crate::alloc::Allocator + Clone, C: EvalContext<A>>(
        frame: Option<&Frame<'_, A>>,
        order: &[OrderingTerm<'_, A>],
        key_column: usize,
        ctx: &C,
    ) -> Result<FrameSpec> {
        let Some(frame) = frame else {
            return Ok(FrameSpec {
                unit: FrameUnit::Range,
                start: Bound::UnboundedPreceding,
                end: Bound::CurrentRow,
                exclude: FrameExclude::NoOthers,
                key: None,
            });
        };
        let unit = frame.unit;
        let start = bound(&frame.start, unit, End::Start, ctx)?;
        let end = match &frame.end {
            Some(end) => bound(end, unit, End::End, ctx)?,
            None => Bound::CurrentRow,
        };
        let key = match (unit, order.first()) {
            (FrameUnit::Range, Some(term)) => {
                let descending = term.order == Some(SortOrder::Desc);
                Some(RangeKey {
                    column: key_column,
                    descending,
                    nulls_first: match term.nulls {
                        Some(NullsOrder::First) => true,
                        Some(NullsOrder::Last) => false,
                        None => !descending,
                    },
                })
            }
            _ => None,
        };
        Ok(FrameSpec {
            unit,
            start,
            end,
            exclude: frame.exclude.unwrap_or(FrameExclude::NoOthers),
            key,
        })
    }

    /// The frame `[lo, hi)` of row `i` of `part`.
    pub fn bounds<A: crate::alloc::Allocator + Clone>(
        &self,
        i: usize,
        part: &Partition<A>,
    ) -> Result<(usize, usize)> {
        let n = part.len();
        let lo = match self.start {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow => match self.unit {
                FrameUnit::Rows => i,
                _ => part.peer_start(i),
            },
            Bound::Preceding(o) | Bound::Following(o) => {
                let ahead = matches!(self.start, Bound::Following(_));
                self.offset_start(i, o, ahead, part)?
            }
        };
        let hi = match self.end {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow => match self.unit {
                FrameUnit::Rows => i + 1,
                _ => part.peer_end(i),
            },
            Bound::Preceding(o) | Bound::Following(o) => {
                let ahead = matches!(self.end, Bound::Following(_));
                self.offset_end(i, o, ahead, part)?
            }
        };
        let lo = lo.min(n);
        Ok((lo, hi.clamp(lo, n)))
    }

    /// Whether row `j` is left out of the frame of row `i` by `EXCLUDE`.
    pub fn excludes<A: crate::alloc::Allocator + Clone>(
        &self,
        i: usize,
        j: usize,
        part: &Partition<A>,
    ) -> bool {
        match self.exclude {
            FrameExclude::NoOthers => false,
            FrameExclude::CurrentRow => i == j,
            FrameExclude::Group => part.peers(i, j),
            FrameExclude::Ties => i != j && part.peers(i, j),
        }
    }

    /// Where a frame starting `o` rows, groups or values before (or,
    /// `ahead`, after) row `i` starts.
    fn offset_start<A: crate::alloc::Allocator + Clone>(
        &self,
        i: usize,
        o: Offset,
        ahead: bool,
        part: &Partition<A>,
    ) -> Result<usize> {
        let n = as_count(o);
        Ok(match self.unit {
            FrameUnit::Rows if ahead => i.saturating_add(n),
            FrameUnit::Rows => i.saturating_sub(n),
            FrameUnit::Groups => {
                let g = part.group_of(i);
                let g = if ahead {
                    g.saturating_add(n)
                } else {
                    g.saturating_sub(n)
                };
                part.group_start(g)
            }
            FrameUnit::Range => self.range_point(i, o, ahead, part, true)?,
        })
    }

    /// Where a frame ending `o` rows, groups or values before (or,
    /// `ahead`, after) row `i` ends (exclusive).
    fn offset_end<A: crate::alloc::Allocator + Clone>(
        &self,
        i: usize,
        o: Offset,
        ahead: bool,
        part: &Partition<A>,
    ) -> Result<usize> {
        let n = as_count(o);
        Ok(match self.unit {
            FrameUnit::Rows if ahead => i.saturating_add(n).saturating_add(1),
            FrameUnit::Rows => match i.checked_sub(n) {
                Some(last) => last + 1,
                None => 0,
            },
            FrameUnit::Groups => {
                let g = part.group_of(i);
                let last = if ahead {
                    Some(g.saturating_add(n))
                } else {
                    g.checked_sub(n)
                };
                match last {
                    Some(last) => part.group_start(last.saturating_add(1)),
                    None => 0,
                }
            }
            FrameUnit::Range => self.range_point(i, o, ahead, part, false)?,
        })
    }

    /// For `RANGE`: the first row at or after (`start`) or the row after
    /// the last at or before (`!start`) the current value moved by `o`,
    /// in the order of the key (NULLs where they sort). A NULL current
    /// value bounds at its peers, the NULLs.
    fn range_point<A: crate::alloc::Allocator + Clone>(
        &self,
        i: usize,
        o: Offset,
        ahead: bool,
        part: &Partition<A>,
        start: bool,
    ) -> Result<usize> {
        let key = self
            .key
            .ok_or(Error::Misuse("a RANGE offset without its ORDER BY term"))?;
        let current = part.value(i, key.column);
        let target = match current {
            ValueRef::Null => {
                return Ok(if start {
                    part.peer_start(i)
                } else {
                    part.peer_end(i)
                });
            }
            ValueRef::Integer(v) => moved(Offset::Integer(v), o, ahead != key.descending),
            ValueRef::Real(v) => moved(Offset::Real(v), o, ahead != key.descending),
            ValueRef::Text(_) | ValueRef::Blob(_) => {
                return Err(Error::Sql(
                    "RANGE with an offset from a TEXT or BLOB value is not supported",
                ));
            }
        };
        let target = match target {
            Offset::Integer(v) => ValueRef::Integer(v),
            Offset::Real(v) => ValueRef::Real(v),
        };
        // The rows sort by the key: the place is a partition point.
        let order = |j: usize| {
            let value = part.value(j, key.column);
            let o = match (value.is_null(), key.nulls_first) {
                (true, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
                (false, _) => compare_values(&value, &target, Collation::Binary),
            };
            if key.descending && !value.is_null() {
                o.reverse()
            } else {
                o
            }
        };
        Ok(partition_point(part.len(), |j| {
            if start {
                order(j).is_lt()
            } else {
                order(j).is_le()
            }
        }))
    }
}

/// The first index in `0..n` for which `before` is false (`before` true
/// for a prefix).
fn partition_point(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `v` plus `o` (`up`) or minus it; an integer overflow goes real, as
/// SQLite's arithmetic does.
fn moved(v: Offset, o: Offset, up: bool) -> Offset {
    match (v, o) {
        (Offset::Integer(v), Offset::Integer(o)) => {
            let sum = if up {
                v.checked_add(o)
            } else {
                v.checked_sub(o)
            };
            match sum {
                Some(s) => Offset::Integer(s),
                None if up => Offset::Real(v as f64 + o as f64),
                None => Offset::Real(v as f64 - o as f64),
            }
        }
        _ => {
            let (v, o) = (real(v), real(o));
            Offset::Real(if up { v + o } else { v - o })
        }
    }
}

fn real(o: Offset) -> f64 {
    match o {
        Offset::Integer(i) => i as f64,
        Offset::Real(r) => r,
    }
}

/// A `ROWS` or `GROUPS` offset as a count (checked not negative).
fn as_count(o: Offset) -> usize {
    match o {
        Offset::Integer(i) => usize::try_from(i).unwrap_or(usize::MAX),
        Offset::Real(r) => r as usize,
    }
}

/// `bound` with its offset evaluated in `ctx` and checked.
fn bound<A: crate::alloc::Allocator + Clone, C: EvalContext<A>>(
    bound: &FrameBound<'_, A>,
    unit: FrameUnit,
    end: End,
    ctx: &C,
) -> Result<Bound> {
    Ok(match bound {
        FrameBound::UnboundedPreceding => Bound::UnboundedPreceding,
        FrameBound::CurrentRow => Bound::CurrentRow,
        FrameBound::UnboundedFollowing => Bound::UnboundedFollowing,
        FrameBound::Preceding(e) => Bound::Preceding(offset(&evaluate(e, ctx)?, unit, end)?),
        FrameBound::Following(e) => Bound::Following(offset(&evaluate(e, ctx)?, unit, end)?),
    })
}

/// An offset's value checked as SQLite's `windowCheckValue` checks it.
fn offset<A: crate::alloc::Allocator + Clone>(
    value: &Value<A>,
    unit: FrameUnit,
    end: End,
) -> Result<Offset> {
    let number = numeric_affinity(value.as_ref(), unit != FrameUnit::Range);
    let checked = match (number, unit) {
        (ValueRef::Integer(i), _) if i >= 0 => Some(Offset::Integer(i)),
        (ValueRef::Real(r), FrameUnit::Range) if r >= 0.0 => Some(Offset::Real(r)),
        (ValueRef::Real(r), _) if r >= 0.0 && r == (r as i64) as f64 => {
            Some(Offset::Integer(r as i64))
        }
        _ => None,
    };
    checked.ok_or(Error::Sql(match (unit, end) {
        (FrameUnit::Range, End::Start) => "frame starting offset must be a non-negative number",
        (FrameUnit::Range, End::End) => "frame ending offset must be a non-negative number",
        (_, End::Start) => "frame starting offset must be a non-negative integer",
        (_, End::End) => "frame ending offset must be a non-negative integer",
    }))
}
