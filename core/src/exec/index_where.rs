//! The SQL of an index, as `CREATE INDEX` checks it and as a plan may
//! use it: the `WHERE` clause of a partial index and the expressions of
//! its key.
//!
//! [`validate`] refuses what SQLite refuses in either, with its words: a
//! column its table lacks, a parameter, a subquery, an aggregate, a
//! function whose value changes from call to call. What it lets through
//! has one value per row, which is what lets the table layer decide from
//! a row alone whether it has an entry and what the entry holds
//! (`schema::row_in_index`, `schema::build_evaluated_key`).
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
use crate::sql::{BinaryOp, Expr, FunctionArgs, Ident};
use crate::{Error, Result};

use super::aggregate::kind_of;
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

/// The part of an index an expression is in, which SQLite's errors name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The `WHERE` of a partial index.
    Where,
    /// An expression of the key.
    Key,
    /// The expression of a generated column (which SQLite checks by the
    /// same rules, its own reference to the rowid or to its table by
    /// name aside).
    Generated,
}

impl Part {
    /// SQLite's error for `what` found in this part.
    fn prohibited(self, what: Prohibited) -> Error {
        Error::Sql(match (what, self) {
            (Prohibited::Parameters, Part::Where) => {
                "parameters prohibited in partial index WHERE clauses"
            }
            (Prohibited::Parameters, Part::Key) => "parameters prohibited in index expressions",
            (Prohibited::Subqueries, Part::Where) => {
                "subqueries prohibited in partial index WHERE clauses"
            }
            (Prohibited::Subqueries, Part::Key) => "subqueries prohibited in index expressions",
            (Prohibited::Changing, Part::Where) => {
                "non-deterministic functions prohibited in partial index WHERE clauses"
            }
            (Prohibited::Changing, Part::Key) => {
                "non-deterministic functions prohibited in index expressions"
            }
            (Prohibited::Parameters, Part::Generated) => {
                "parameters prohibited in generated columns"
            }
            (Prohibited::Subqueries, Part::Generated) => {
                "subqueries prohibited in generated columns"
            }
            (Prohibited::Changing, Part::Generated) => {
                "non-deterministic functions prohibited in generated columns"
            }
        })
    }
}

/// What an index's expressions may not hold.
#[derive(Debug, Clone, Copy)]
enum Prohibited {
    Parameters,
    Subqueries,
    Changing,
}

/// Checks `expr`, in the `part` of an index on `table` (whose columns
/// are `columns`), as SQLite checks it when the index is made.
pub(crate) fn validate<A: Allocator, B: Allocator>(
    expr: &Expr<'_, A>,
    part: Part,
    table: &str,
    columns: &TableColumns<B>,
) -> Result<()> {
    let clause = expr;
    let check = |e: &Expr<'_, A>| validate(e, part, table, columns);
    match clause {
        Expr::Column(c) => {
            let in_table = c.schema.is_none_or(|s| s.eq_ignore_ascii_case("main"))
                && c.table.is_none_or(|t| t.eq_ignore_ascii_case(table));
            let named = columns
                .columns
                .iter()
                .any(|col| c.column.eq_ignore_ascii_case(&col.name))
                || (columns.stored_by == crate::schema::StoredBy::Rowid
                    && part != Part::Generated
                    && ["rowid", "oid", "_rowid_"]
                        .iter()
                        .any(|n| c.column.eq_ignore_ascii_case(n)));
            match in_table && named {
                true if part == Part::Generated && c.table.is_some() => Err(Error::Sql(
                    "the \".\" operator prohibited in generated columns",
                )),
                true => Ok(()),
                false => Err(c.unknown()),
            }
        }
        Expr::Param(_) => Err(part.prohibited(Prohibited::Parameters)),
        Expr::InSelect(_) | Expr::Exists(_) | Expr::Subquery(_) => {
            Err(part.prohibited(Prohibited::Subqueries))
        }
        Expr::Function(f) if kind_of(f).is_some() || f.over.is_some() => {
            Err(Error::Sql("misuse of aggregate function"))
        }
        Expr::Function(f) if CHANGING.iter().any(|n| f.name.eq_ignore_ascii_case(n)) => {
            Err(part.prohibited(Prohibited::Changing))
        }
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
    if same(clause, term) {
        return true;
    }
    match clause {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            has_term(&b.lhs, term) || has_term(&b.rhs, term)
        }
        _ => false,
    }
}

/// Whether `x` and `y` are the same expression as written: the same
/// shape, operators, literals and names (names compared as SQLite
/// compares them, case-insensitively). A shape not listed is never the
/// same, which only keeps an index from being used.
pub(crate) fn same<A: Allocator>(x: &Expr<'_, A>, y: &Expr<'_, A>) -> bool {
    let list = |x: &[Expr<'_, A>], y: &[Expr<'_, A>]| {
        x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| same(x, y))
    };
    let name = |p: &Option<Ident<'_>>, q: &Option<Ident<'_>>| match (p, q) {
        (None, None) => true,
        (Some(p), Some(q)) => same_name(p, q),
        _ => false,
    };
    match (x, y) {
        (Expr::Literal(a), Expr::Literal(b)) => a == b,
        (Expr::Column(a), Expr::Column(b)) => {
            name(&a.schema, &b.schema)
                && name(&a.table, &b.table)
                && same_name(&a.column, &b.column)
        }
        (Expr::Unary(p, a), Expr::Unary(q, b)) => p == q && same(a, b),
        (Expr::Binary(a), Expr::Binary(b)) => {
            a.op == b.op && same(&a.lhs, &b.lhs) && same(&a.rhs, &b.rhs)
        }
        (Expr::Collate(a, p), Expr::Collate(b, q)) => same_name(p, q) && same(a, b),
        (Expr::Like(a), Expr::Like(b)) => {
            a.op == b.op
                && a.negated == b.negated
                && same(&a.expr, &b.expr)
                && same(&a.pattern, &b.pattern)
                && match (&a.escape, &b.escape) {
                    (None, None) => true,
                    (Some(p), Some(q)) => same(p, q),
                    _ => false,
                }
        }
        (Expr::Between(a), Expr::Between(b)) => {
            a.negated == b.negated
                && same(&a.expr, &b.expr)
                && same(&a.low, &b.low)
                && same(&a.high, &b.high)
        }
        (Expr::InList(a), Expr::InList(b)) => {
            a.negated == b.negated && same(&a.expr, &b.expr) && list(&a.list, &b.list)
        }
        (
            Expr::IsNull {
                expr: a,
                negated: p,
            },
            Expr::IsNull {
                expr: b,
                negated: q,
            },
        ) => p == q && same(a, b),
        (Expr::Cast(a), Expr::Cast(b)) => {
            a.type_name.map(|t| t.text) == b.type_name.map(|t| t.text) && same(&a.expr, &b.expr)
        }
        (Expr::Function(a), Expr::Function(b)) => {
            let args = match (&a.args, &b.args) {
                (FunctionArgs::Star, FunctionArgs::Star) => true,
                (FunctionArgs::List(x), FunctionArgs::List(y)) => list(x, y),
                _ => false,
            };
            same_name(&a.name, &b.name)
                && a.distinct == b.distinct
                && a.filter.is_none()
                && b.filter.is_none()
                && a.over.is_none()
                && b.over.is_none()
                && args
        }
        _ => false,
    }
}

/// Whether two names are one name (one with quotes to undouble counts as
/// another).
fn same_name(a: &Ident<'_>, b: &Ident<'_>) -> bool {
    b.as_str().is_some_and(|b| a.eq_ignore_ascii_case(b))
}
