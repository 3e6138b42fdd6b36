//! The `WHERE` clause of a partial index, as `CREATE INDEX` checks it
//! and as a plan may use it.
//!
//! [`validate`] refuses what SQLite refuses in the clause, with its
//! words: a column its table lacks, a parameter, a subquery, an
//! aggregate, a function whose value changes from call to call. What it
//! lets through has one value per row, which is what lets the table
//! layer decide from a row alone whether it has an entry
//! (`schema::row_in_index`).
//!
//! [`implied`] is the rule a plan follows before seeking a partial
//! index: the statement's `WHERE` must keep only rows the index holds.
//! Of SQLite's rules (`sqlite3ExprImpliesExpr`) the one kept here is the
//! plainest: an `AND` term of the statement's clause is the index's
//! clause, or each `AND` term of the index's clause is such a term, term
//! compared with term as written (names case-insensitively). Anything
//! else is not implied, and the index is not sought.

use crate::alloc::Allocator;
use crate::sql::eval::func::Scalar;
use crate::sql::{BinaryOp, Expr, FunctionArgs};
use crate::{Error, Result};

use super::aggregate::kind_of;
use super::calls::same_expr;
use crate::schema::TableColumns;

/// Functions whose value changes from call to call, which SQLite calls
/// non-deterministic and refuses in an index.
const CHANGING: [&str; 5] = [
    "random",
    "randomblob",
    "changes",
    "total_changes",
    "last_insert_rowid",
];

/// Checks `clause`, the `WHERE` of a partial index on `table` (whose
/// columns are `columns`), as SQLite checks it when the index is made.
pub(crate) fn validate<A: Allocator, B: Allocator>(
    clause: &Expr<'_, A>,
    table: &str,
    columns: &TableColumns<B>,
) -> Result<()> {
    let check = |e: &Expr<'_, A>| validate(e, table, columns);
    match clause {
        Expr::Column(c) => {
            let in_table = c.schema.is_none_or(|s| s.eq_ignore_ascii_case("main"))
                && c.table.is_none_or(|t| t.eq_ignore_ascii_case(table));
            let named = columns
                .columns
                .iter()
                .any(|col| c.column.eq_ignore_ascii_case(&col.name))
                || (columns.stored_by == crate::schema::StoredBy::Rowid
                    && ["rowid", "oid", "_rowid_"]
                        .iter()
                        .any(|n| c.column.eq_ignore_ascii_case(n)));
            match in_table && named {
                true => Ok(()),
                false => Err(c.unknown()),
            }
        }
        Expr::Param(_) => Err(Error::Sql(
            "parameters prohibited in partial index WHERE clauses",
        )),
        Expr::InSelect(_) | Expr::Exists(_) | Expr::Subquery(_) => Err(Error::Sql(
            "subqueries prohibited in partial index WHERE clauses",
        )),
        Expr::Function(f) if kind_of(f).is_some() || f.over.is_some() => {
            Err(Error::Sql("misuse of aggregate function"))
        }
        Expr::Function(f) if CHANGING.iter().any(|n| f.name.eq_ignore_ascii_case(n)) => Err(
            Error::Sql("non-deterministic functions prohibited in partial index WHERE clauses"),
        ),
        Expr::Function(f) if Scalar::lookup(&f.name).is_none() => {
            let name = crate::ConstraintName::format(format_args!("{}", f.name));
            Err(Error::Named(crate::Named::NoSuchFunction, name))
        }
        Expr::Function(f) => match &f.args {
            FunctionArgs::List(args) => args.iter().try_for_each(check),
            FunctionArgs::Star => Ok(()),
        },
        other => other.try_for_each_child(check),
    }
}

/// Whether the statement's `WHERE`, `clause`, keeps only rows for which
/// `index_clause`, a partial index's `WHERE`, holds (see the module doc).
pub(crate) fn implied<A: Allocator>(
    clause: Option<&Expr<'_, A>>,
    index_clause: &Expr<'_, A>,
) -> bool {
    let Some(clause) = clause else {
        return false;
    };
    if has_term(clause, index_clause) {
        return true;
    }
    match index_clause {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            implied(Some(clause), &b.lhs) && implied(Some(clause), &b.rhs)
        }
        _ => false,
    }
}

/// Whether an `AND` term of `clause` is `term`, as written.
fn has_term<A: Allocator>(clause: &Expr<'_, A>, term: &Expr<'_, A>) -> bool {
    if same_expr(clause, term) {
        return true;
    }
    match clause {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            has_term(&b.lhs, term) || has_term(&b.rhs, term)
        }
        _ => false,
    }
}
