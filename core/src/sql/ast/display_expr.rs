//! `Display` for expressions: SQL that parses back to the same tree.
//!
//! Every operator application is written inside parentheses, so the text
//! does not depend on precedence, and a unary minus is followed by a
//! space, so `- -1` never becomes the comment `--1`.

use core::fmt::{self, Display, Formatter};

use crate::alloc::Allocator;

use super::expr::{
    Affinity, ColumnRef, Expr, FunctionArgs, Literal, QualifiedName, Raise, TypeName, UnaryOp,
};

/// Writes `items` separated by `, `.
pub(super) fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Literal<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Integer(v) => write!(f, "{v}"),
            // SQLite spells an infinite literal as an overflowing one.
            Literal::Real(v) if v.is_infinite() && *v > 0.0 => f.write_str("1e999"),
            Literal::Real(v) if v.is_infinite() => f.write_str("-1e999"),
            // `Debug` always writes a `.` or an exponent, so the text
            // reads back as a real, not an integer.
            Literal::Real(v) => write!(f, "{v:?}"),
            Literal::String(s) => write!(f, "{s}"),
            Literal::Blob(b) => write!(f, "{b}"),
            Literal::Bool(true) => f.write_str("TRUE"),
            Literal::Bool(false) => f.write_str("FALSE"),
            Literal::CurrentTime => f.write_str("CURRENT_TIME"),
            Literal::CurrentDate => f.write_str("CURRENT_DATE"),
            Literal::CurrentTimestamp => f.write_str("CURRENT_TIMESTAMP"),
        }
    }
}

impl Display for ColumnRef<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(schema) = self.schema {
            write!(f, "{schema}.")?;
        }
        if let Some(table) = self.table {
            write!(f, "{table}.")?;
        }
        write!(f, "{}", self.column)
    }
}

impl Display for QualifiedName<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(schema) = self.schema {
            write!(f, "{schema}.")?;
        }
        write!(f, "{}", self.name)
    }
}

impl Display for TypeName<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

impl Display for Affinity {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Affinity::Text => "TEXT",
            Affinity::Numeric => "NUMERIC",
            Affinity::Integer => "INTEGER",
            Affinity::Real => "REAL",
            Affinity::Blob => "BLOB",
        })
    }
}

/// `NOT ` when `negated`.
fn not(negated: bool) -> &'static str {
    if negated { "NOT " } else { "" }
}

impl<A: Allocator> Display for Expr<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l) => write!(f, "{l}"),
            Expr::Column(c) => write!(f, "{c}"),
            Expr::Param(p) => f.write_str(p.text),
            Expr::Unary(op, e) => {
                let op = match op {
                    UnaryOp::Neg => "- ",
                    UnaryOp::Plus => "+ ",
                    UnaryOp::BitNot => "~ ",
                    UnaryOp::Not => "NOT ",
                };
                write!(f, "({op}{e})")
            }
            Expr::Binary(b) => write!(f, "({} {} {})", b.lhs, b.op.as_str(), b.rhs),
            Expr::Collate(e, name) => write!(f, "({e} COLLATE {name})"),
            Expr::Like(l) => {
                write!(
                    f,
                    "({} {}{} {}",
                    l.expr,
                    not(l.negated),
                    l.op.as_str(),
                    l.pattern
                )?;
                if let Some(escape) = &l.escape {
                    write!(f, " ESCAPE {escape}")?;
                }
                f.write_str(")")
            }
            Expr::Between(b) => write!(
                f,
                "({} {}BETWEEN {} AND {})",
                b.expr,
                not(b.negated),
                b.low,
                b.high
            ),
            Expr::InList(i) => {
                write!(f, "({} {}IN (", i.expr, not(i.negated))?;
                comma_list(f, &i.list)?;
                f.write_str("))")
            }
            Expr::InSelect(i) => write!(f, "({} {}IN ({}))", i.expr, not(i.negated), i.select),
            Expr::IsNull { expr, negated } => {
                write!(
                    f,
                    "({expr} {})",
                    if *negated { "NOTNULL" } else { "ISNULL" }
                )
            }
            Expr::Function(call) => {
                write!(f, "{}(", call.name)?;
                if call.distinct {
                    f.write_str("DISTINCT ")?;
                }
                match &call.args {
                    FunctionArgs::Star => f.write_str("*")?,
                    FunctionArgs::List(args) => comma_list(f, args)?,
                }
                f.write_str(")")?;
                if let Some(filter) = &call.filter {
                    write!(f, " FILTER (WHERE {filter})")?;
                }
                match &call.over {
                    Some(over) => write!(f, " {over}"),
                    None => Ok(()),
                }
            }
            Expr::Case(case) => {
                f.write_str("CASE")?;
                if let Some(operand) = &case.operand {
                    write!(f, " {operand}")?;
                }
                for arm in case.arms.iter() {
                    write!(f, " WHEN {} THEN {}", arm.when, arm.then)?;
                }
                if let Some(otherwise) = &case.otherwise {
                    write!(f, " ELSE {otherwise}")?;
                }
                f.write_str(" END")
            }
            Expr::Cast(cast) => match &cast.type_name {
                Some(t) => write!(f, "CAST({} AS {t})", cast.expr),
                None => write!(f, "CAST({} AS)", cast.expr),
            },
            Expr::Exists(select) => write!(f, "EXISTS ({select})"),
            Expr::Subquery(select) => write!(f, "({select})"),
            Expr::Row(items) => {
                f.write_str("(")?;
                comma_list(f, items)?;
                f.write_str(")")
            }
            Expr::Raise(raise) => match raise {
                Raise::Ignore => f.write_str("RAISE(IGNORE)"),
                Raise::Rollback(m) => write!(f, "RAISE(ROLLBACK, {m})"),
                Raise::Abort(m) => write!(f, "RAISE(ABORT, {m})"),
                Raise::Fail(m) => write!(f, "RAISE(FAIL, {m})"),
            },
        }
    }
}
