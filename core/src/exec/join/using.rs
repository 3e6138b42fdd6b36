//! The columns `USING` and `NATURAL` merge: for each such join, the
//! equality of each column its right table shares with a table to its
//! left (the leftmost that has it, unmerged), kept on the right table's
//! level, and how `*` and unqualified names see the two columns
//! ([`Merge`]): the left one for an inner or `LEFT JOIN`, the right one
//! for a `RIGHT JOIN` (shown at the left one's place in `*`), as SQLite
//! resolves them. Refused as SQLite refuses them: `NATURAL` with `ON` or
//! `USING`, and a `USING` column missing from either side. Refused by
//! name: `USING` and `NATURAL` on a `FULL JOIN` (whose column SQLite
//! reads as `coalesce()` of both sides), and, in a `FROM` with a `RIGHT`
//! or `FULL JOIN`, a merged column two tables left of its join hold
//! (which SQLite compares as `coalesce()` of them).

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box};
use crate::sql::{
    Binary, BinaryOp, ColumnBinding, ColumnPos, ColumnRef, Expr, FromClause, Ident, JoinConstraint,
};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::super::Env;
use super::super::context::resolve;
use super::super::scope::{Merge, Scope};
use super::{Join, Kind};

impl<P: Platform, A: Allocator + Clone> Join<'_, P, A> {
    /// The equalities of each `USING` and `NATURAL` join, and the right
    /// columns they merge.
    pub(super) fn merge_columns(
        &mut self,
        from: &FromClause<'_, A>,
        env: Env<'_, A>,
    ) -> Result<()> {
        for (j, join) in from.joins.iter().enumerate() {
            let k = j + 1;
            let natural = join.op.natural;
            let named = match &join.constraint {
                Some(JoinConstraint::Using(names)) if !natural => Some(names),
                Some(_) if natural => {
                    return Err(Error::Sql(
                        "a NATURAL join may not have an ON or USING clause",
                    ));
                }
                _ => None,
            };
            if named.is_none() && !natural {
                continue;
            }
            let kind = self.level_at(k).map_or(Kind::Inner, |level| level.kind);
            let right_count = self.table(k).map_or(0, TableInfo::column_count);
            for rc in 0..right_count {
                let name = match self.table(k).and_then(|t| t.columns.columns.get(rc)) {
                    Some(c) => c.name.as_str(),
                    None => continue,
                };
                let wanted = match named {
                    Some(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
                    None => true,
                };
                if !wanted {
                    continue;
                }
                let Some((left, li, lpos)) = self.leftmost(k, name) else {
                    if named.is_some() {
                        return Err(Error::Sql(
                            "cannot join using column - column not present in both tables",
                        ));
                    }
                    continue;
                };
                let rpos = self
                    .table(k)
                    .and_then(|t| resolve(t, None, &plain(Ident::new(name))))
                    .unwrap_or(ColumnPos::Column(rc));
                if kind == Kind::Full {
                    return Err(Error::Sql(
                        "USING or NATURAL on a FULL JOIN is not supported",
                    ));
                }
                if self.preserved.is_some() && self.holders(k, name) > 1 {
                    return Err(Error::Sql(
                        "a USING column held by two tables left of its join beside a RIGHT or FULL JOIN is not supported",
                    ));
                }
                let eq = equality(env.alloc, (left, lpos), (k, rpos))?;
                let (left_merge, right_merge) = match kind {
                    Kind::Right => (
                        Merge::Yields {
                            level: k,
                            column: rc,
                        },
                        Merge::Taken,
                    ),
                    _ if self.preserved.is_some_and(|p| left < p.at) => (Merge::Named, Merge::Into),
                    Kind::Inner | Kind::Left | Kind::Full => (Merge::Own, Merge::Into),
                };
                let level = self
                    .level_at_mut(k)
                    .ok_or(Error::Misuse("a join level out of range"))?;
                level.using.try_push(eq)?;
                level.input.merge(rc, right_merge);
                if left_merge != Merge::Own {
                    self.level_at_mut(left)
                        .ok_or(Error::Misuse("a join level out of range"))?
                        .input
                        .merge(li, left_merge);
                }
            }
            if let Some(names) = named {
                for n in names.iter() {
                    let present = self.table(k).is_some_and(|t| {
                        t.columns
                            .columns
                            .iter()
                            .any(|c| n.eq_ignore_ascii_case(&c.name))
                    });
                    if !present {
                        return Err(Error::Sql(
                            "cannot join using column - column not present in both tables",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The leftmost table above level `k` with an unmerged column called
    /// `name`, and that column (its index and where names find it).
    fn leftmost(&self, k: usize, name: &str) -> Option<(usize, usize, ColumnPos)> {
        (0..k).find_map(|level| {
            let table = self.table(level)?;
            let i = table
                .columns
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))?;
            if self.merged(level, i).unnamed() {
                return None;
            }
            let pos = resolve(table, None, &plain(Ident::new(name)))?;
            Some((level, i, pos))
        })
    }

    /// The number of tables above level `k` with a column called `name`,
    /// merged or not (SQLite's `tableAndColumnIndex` takes any).
    fn holders(&self, k: usize, name: &str) -> usize {
        (0..k)
            .filter(|&level| {
                self.table(level).is_some_and(|t| {
                    t.columns
                        .columns
                        .iter()
                        .any(|c| c.name.eq_ignore_ascii_case(name))
                })
            })
            .count()
    }
}

/// A reference to `name` with no table and no binding.
fn plain(name: Ident<'_>) -> ColumnRef<'_> {
    ColumnRef {
        schema: None,
        table: None,
        column: name,
        binding: ColumnBinding::default(),
    }
}

/// `left = right`, two bound columns.
fn equality<A: Allocator + Clone>(
    alloc: &A,
    left: (usize, ColumnPos),
    right: (usize, ColumnPos),
) -> Result<Expr<'static, A>> {
    let column = |(level, pos): (usize, ColumnPos)| {
        let c = plain(Ident::new(""));
        c.binding.set(Some((level, pos)));
        Expr::Column(c)
    };
    let binary = Binary {
        op: BinaryOp::Eq,
        lhs: column(left),
        rhs: column(right),
    };
    Ok(Expr::Binary(Box::try_new_in(binary, alloc.clone())?))
}
