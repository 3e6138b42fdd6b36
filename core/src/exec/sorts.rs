//! The sorts a query body runs besides its loops, as `EXPLAIN QUERY
//! PLAN` words them (`USE TEMP B-TREE FOR ...`), in the order SQLite
//! lists them after the tables' lines.
//!
//! Invariant: a line is named only for a sort the executor runs: the
//! group keys' sort of `GROUP BY` (`group`), the result rows' sort of
//! `DISTINCT` and that of `ORDER BY` (`ordered`). A query with window
//! calls names none (its sorts are the window stage's, which SQLite
//! words as subqueries).

use crate::Result;
use crate::alloc::Allocator;
use crate::sql::{OrderingTerm, SelectBody};

use super::calls::is_aggregate;
use super::window::has_windows;

/// A sort of a query's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    /// The rows by their group keys.
    GroupBy,
    /// The result rows, keeping one of each.
    Distinct,
    /// The result rows by the `ORDER BY` keys.
    OrderBy,
}

impl Sort {
    /// SQLite's line for the sort.
    pub fn line(self) -> &'static str {
        match self {
            Sort::GroupBy => "USE TEMP B-TREE FOR GROUP BY",
            Sort::Distinct => "USE TEMP B-TREE FOR DISTINCT",
            Sort::OrderBy => "USE TEMP B-TREE FOR ORDER BY",
        }
    }
}

/// The sorts `body`, ordered by `order_by`, runs, in SQLite's order.
pub(crate) fn sorts_of<A: Allocator>(
    body: &SelectBody<'_, A>,
    order_by: &[OrderingTerm<'_, A>],
) -> Result<impl Iterator<Item = Sort>> {
    let none = has_windows(body, order_by);
    let grouped = !none && is_aggregate(body)? && !body.group_by.is_empty();
    let sorts = [
        (grouped, Sort::GroupBy),
        (!none && body.distinct, Sort::Distinct),
        (!none && !order_by.is_empty(), Sort::OrderBy),
    ];
    Ok(sorts.into_iter().filter(|(runs, _)| *runs).map(|(_, s)| s))
}
