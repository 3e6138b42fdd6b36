//! Window syntax: `OVER` after a call, the `WINDOW` clause of a query,
//! and their `Display` back to SQL.
//!
//! A window is written inline (`OVER (PARTITION BY a ORDER BY b)`) or by
//! name (`OVER w`, the name defined in the query's `WINDOW` clause); an
//! inline one may start from a named one (`OVER (w ROWS 2 PRECEDING)`).

use core::fmt::{self, Display, Formatter};

use crate::alloc::{Allocator, Vec};

use super::display_expr::comma_list;
use super::expr::Expr;
use super::name::Ident;
use super::stmt::OrderingTerm;

/// What follows `OVER`.
#[derive(Debug)]
pub enum Over<'a, A: Allocator> {
    /// `OVER name`: a window of the query's `WINDOW` clause.
    Named(Ident<'a>),
    /// `OVER (spec)`
    Spec(WindowSpec<'a, A>),
}

/// `[base] [PARTITION BY exprs] [ORDER BY terms] [frame]`
#[derive(Debug)]
pub struct WindowSpec<'a, A: Allocator> {
    /// The window this one starts from, if named.
    pub base: Option<Ident<'a>>,
    /// `PARTITION BY`
    pub partition_by: Vec<Expr<'a, A>, A>,
    /// `ORDER BY`
    pub order_by: Vec<OrderingTerm<'a, A>, A>,
    /// The frame, if written.
    pub frame: Option<Frame<'a, A>>,
}

/// `ROWS|RANGE|GROUPS start` or `... BETWEEN start AND end`, then
/// `EXCLUDE ...` if written.
#[derive(Debug)]
pub struct Frame<'a, A: Allocator> {
    /// What the bounds count.
    pub unit: FrameUnit,
    /// Where the frame starts.
    pub start: FrameBound<'a, A>,
    /// Where it ends; `None` for the one-bound form (which ends at the
    /// current row).
    pub end: Option<FrameBound<'a, A>>,
    /// `EXCLUDE ...`, if written.
    pub exclude: Option<FrameExclude>,
}

/// What a frame's bounds count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnit {
    /// `ROWS`: rows.
    Rows,
    /// `RANGE`: values of the `ORDER BY` term.
    Range,
    /// `GROUPS`: groups of peers.
    Groups,
}

/// One bound of a frame.
#[derive(Debug)]
pub enum FrameBound<'a, A: Allocator> {
    /// `UNBOUNDED PRECEDING`
    UnboundedPreceding,
    /// `expr PRECEDING`
    Preceding(Expr<'a, A>),
    /// `CURRENT ROW`
    CurrentRow,
    /// `expr FOLLOWING`
    Following(Expr<'a, A>),
    /// `UNBOUNDED FOLLOWING`
    UnboundedFollowing,
}

/// `EXCLUDE ...` of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameExclude {
    /// `EXCLUDE NO OTHERS`
    NoOthers,
    /// `EXCLUDE CURRENT ROW`
    CurrentRow,
    /// `EXCLUDE GROUP`
    Group,
    /// `EXCLUDE TIES`
    Ties,
}

/// `name AS (spec)` of a `WINDOW` clause.
#[derive(Debug)]
pub struct WindowDef<'a, A: Allocator> {
    /// The window's name.
    pub name: Ident<'a>,
    /// What it is.
    pub spec: WindowSpec<'a, A>,
}

impl<A: Allocator> Display for Over<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Over::Named(name) => write!(f, "OVER {name}"),
            Over::Spec(spec) => write!(f, "OVER ({spec})"),
        }
    }
}

impl<A: Allocator> Display for WindowSpec<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut gap = "";
        if let Some(base) = &self.base {
            write!(f, "{base}")?;
            gap = " ";
        }
        if !self.partition_by.is_empty() {
            write!(f, "{gap}PARTITION BY ")?;
            comma_list(f, &self.partition_by)?;
            gap = " ";
        }
        if !self.order_by.is_empty() {
            write!(f, "{gap}ORDER BY ")?;
            comma_list(f, &self.order_by)?;
            gap = " ";
        }
        match &self.frame {
            Some(frame) => write!(f, "{gap}{frame}"),
            None => Ok(()),
        }
    }
}

impl<A: Allocator> Display for Frame<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.unit {
            FrameUnit::Rows => "ROWS ",
            FrameUnit::Range => "RANGE ",
            FrameUnit::Groups => "GROUPS ",
        })?;
        match &self.end {
            Some(end) => write!(f, "BETWEEN {} AND {end}", self.start)?,
            None => write!(f, "{}", self.start)?,
        }
        match self.exclude {
            Some(FrameExclude::NoOthers) => f.write_str(" EXCLUDE NO OTHERS"),
            Some(FrameExclude::CurrentRow) => f.write_str(" EXCLUDE CURRENT ROW"),
            Some(FrameExclude::Group) => f.write_str(" EXCLUDE GROUP"),
            Some(FrameExclude::Ties) => f.write_str(" EXCLUDE TIES"),
            None => Ok(()),
        }
    }
}

impl<A: Allocator> Display for FrameBound<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(e) => write!(f, "{e} PRECEDING"),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(e) => write!(f, "{e} FOLLOWING"),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

impl<A: Allocator> Display for WindowDef<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} AS ({})", self.name, self.spec)
    }
}
