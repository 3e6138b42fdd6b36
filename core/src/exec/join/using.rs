//! The columns `USING` and `NATURAL` merge: for each such join, the
//! equality of each column its right table shares with a table to its
//! left (the leftmost that has it, unmerged), kept on the right table's
//! level, and the right column flagged as merged so that `*` and
//! unqualified names skip it. Refused as SQLite refuses them: `NATURAL`
//! with `ON` or `USING`, and a `USING` column missing from either side.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box};
use crate::sql::{
    Binary, BinaryOp, ColumnBinding, ColumnPos, ColumnRef, Expr, FromClause, Ident, JoinConstraint,
};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::super::Env;
use super::super::context::resolve;
use super::super::scope::Scope;
use super::Join;

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
                let Some((left, lpos)) = self.leftmost(k, name) else {
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
                let eq = equality(env.alloc, (left, lpos), (k, rpos))?;
                let level = self
                    .levels
                    .iter_mut()
                    .find(|level| level.at == k)
                    .ok_or(Error::Misuse("a join level out of range"))?;
                level.using.try_push(eq)?;
                level.input.merge(rc);
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
    /// `name`, and that column.
    fn leftmost(&self, k: usize, name: &str) -> Option<(usize, ColumnPos)> {
        (0..k).find_map(|level| {
            let table = self.table(level)?;
            let i = table
                .columns
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))?;
            if self.merged(level, i) {
                return None;
            }
            let pos = resolve(table, None, &plain(Ident::new(name)))?;
            Some((level, pos))
        })
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
