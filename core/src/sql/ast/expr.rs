//! Expression nodes: [`Expr`] and the parts it is built from.
//!
//! Operators are kept as SQLite's grammar groups them, with precedence
//! already applied by the parser: the tree's shape is the evaluation
//! order. Names and literals borrow the SQL text (see [`Quoted`]); nested
//! expressions and lists live in the parser's allocator `A`.
//!
//! Invariant: a tree is never deeper than the parser's depth limit, so
//! walking it recursively (evaluating, displaying, dropping) is bounded.

use core::cell::Cell;
use core::fmt;
use core::num::NonZeroU16;

use crate::alloc::{Allocator, Box, Vec};
use crate::record::ValueRef;

use super::name::{HexBlob, Ident, Quoted, StrLit};
use super::stmt::Select;
use super::window::Over;

/// A literal value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal<'a> {
    /// `NULL`.
    Null,
    /// An integer literal that fits 64 bits (hex literals are read as
    /// two's complement, as SQLite reads them).
    Integer(i64),
    /// A real literal, or a decimal integer too large for 64 bits.
    Real(f64),
    /// A string literal.
    String(StrLit<'a>),
    /// A BLOB literal.
    Blob(HexBlob<'a>),
    /// `TRUE` (1) or `FALSE` (0). SQLite lets a column named `true` or
    /// `false` shadow these; the resolver may look the name up first.
    Bool(bool),
    /// `CURRENT_TIME`.
    CurrentTime,
    /// `CURRENT_DATE`.
    CurrentDate,
    /// `CURRENT_TIMESTAMP`.
    CurrentTimestamp,
}

impl<'a> Literal<'a> {
    /// The value, when it needs neither memory nor a clock: NULL,
    /// numbers, booleans, and strings with no escape to resolve.
    pub fn as_value_ref(&self) -> Option<ValueRef<'a>> {
        match *self {
            Literal::Null => Some(ValueRef::Null),
            Literal::Integer(v) => Some(ValueRef::Integer(v)),
            Literal::Real(v) => Some(ValueRef::real(v)),
            Literal::Bool(b) => Some(ValueRef::Integer(i64::from(b))),
            Literal::String(s) => s.as_str().map(ValueRef::text),
            Literal::Blob(_)
            | Literal::CurrentTime
            | Literal::CurrentDate
            | Literal::CurrentTimestamp => None,
        }
    }
}

/// A parameter's number, from 1 to 32766 (SQLite's default
/// `SQLITE_MAX_VARIABLE_NUMBER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamNo(NonZeroU16);

impl ParamNo {
    /// The largest parameter number.
    pub const MAX: u16 = 32766;

    /// Parameter number `n`, if it is in range.
    pub fn new(n: u32) -> Option<Self> {
        let n = u16::try_from(n).ok().filter(|&n| n <= Self::MAX)?;
        NonZeroU16::new(n).map(ParamNo)
    }

    /// The number, from 1.
    pub fn get(self) -> usize {
        usize::from(self.0.get())
    }
}

/// A parameter where it appears: its number and its text (`?`, `?3`,
/// `:name`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The number values are bound to.
    pub number: ParamNo,
    /// The text as written.
    pub text: &'a str,
}

/// A column reference: `column`, `table.column` or
/// `schema.table.column`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRef<'a> {
    /// The schema, in the three-part form.
    pub schema: Option<Ident<'a>>,
    /// The table or alias.
    pub table: Option<Ident<'a>>,
    /// The column.
    pub column: Ident<'a>,
    /// Where the name points in the table of the statement's current
    /// run, once the run has checked its names.
    pub binding: ColumnBinding,
}

impl ColumnRef<'_> {
    /// SQLite's error for a reference that names no column in scope:
    /// `no such column: t.c`, as written less its quotes.
    pub fn unknown(&self) -> crate::Error {
        self.error(crate::Named::UnknownColumn)
    }

    /// SQLite's error for a reference that names a column of two tables
    /// in scope: `ambiguous column name: t.c`, as written less its quotes.
    pub fn ambiguous(&self) -> crate::Error {
        self.error(crate::Named::AmbiguousColumn)
    }

    /// The error `kind` naming the reference as written less its quotes.
    fn error(&self, kind: crate::Named) -> crate::Error {
        let name = match (&self.schema, &self.table) {
            (Some(s), Some(t)) => crate::ConstraintName::format(format_args!(
                "{}.{}.{}",
                s.chars(),
                t.chars(),
                self.column.chars()
            )),
            (None, Some(t)) => {
                crate::ConstraintName::format(format_args!("{}.{}", t.chars(), self.column.chars()))
            }
            _ => crate::ConstraintName::format(format_args!("{}", self.column.chars())),
        };
        crate::Error::Named(kind, name)
    }
}

/// Where a column reference points in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnPos {
    /// The table column at this position.
    Column(usize),
    /// The rowid, under one of its own names.
    Rowid,
}

/// The table of a statement's `FROM` (by its position there, from 0)
/// and the [`ColumnPos`] in it that a [`ColumnRef`]'s name resolved to,
/// kept so that a row's expressions are evaluated without comparing
/// names.
///
/// Invariant: a run that evaluates a reference against its tables binds
/// it before their first row (the name check every run makes), so a
/// binding is never read against tables it was not made for. A binding
/// is not part of the syntax: two references that differ only in it are
/// equal.
#[derive(Default, Clone)]
pub struct ColumnBinding(Cell<Option<(u16, ColumnPos)>>);

impl ColumnBinding {
    /// The table and the column the reference was last bound to, if it
    /// was.
    #[inline]
    pub fn get(&self) -> Option<(usize, ColumnPos)> {
        self.0.get().map(|(level, pos)| (usize::from(level), pos))
    }

    /// Binds the reference to `pos` in the table at `level` (or unbinds
    /// it). A level past `u16::MAX` (more tables than SQLite's 64 allow)
    /// leaves it unbound, to be found by name.
    pub fn set(&self, bound: Option<(usize, ColumnPos)>) {
        let bound = bound.and_then(|(level, pos)| Some((u16::try_from(level).ok()?, pos)));
        self.0.set(bound);
    }
}

impl PartialEq for ColumnBinding {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ColumnBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.get(), f)
    }
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+` (no effect on the value).
    Plus,
    /// `~`
    BitNot,
    /// `NOT`
    Not,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `OR`
    Or,
    /// `AND`
    And,
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `IS` or `IS NOT DISTINCT FROM`
    Is,
    /// `IS NOT` or `IS DISTINCT FROM`
    IsNot,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `||`
    Concat,
    /// `->` (JSON extraction as JSON).
    Extract,
    /// `->>` (JSON extraction as an SQL value).
    ExtractValue,
}

impl BinaryOp {
    /// Whether the operator compares its operands (`=`, `<`, `IS`...),
    /// the operators row values may stand beside.
    pub const fn compares(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Is
                | BinaryOp::IsNot
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
        )
    }

    /// The operator as SQL text.
    pub const fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "OR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Is => "IS",
            BinaryOp::IsNot => "IS NOT",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Concat => "||",
            BinaryOp::Extract => "->",
            BinaryOp::ExtractValue => "->>",
        }
    }
}

/// The pattern operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LikeOp {
    /// `LIKE`
    Like,
    /// `GLOB`
    Glob,
    /// `MATCH`
    Match,
    /// `REGEXP`
    Regexp,
}

impl LikeOp {
    /// The operator as SQL text.
    pub const fn as_str(self) -> &'static str {
        match self {
            LikeOp::Like => "LIKE",
            LikeOp::Glob => "GLOB",
            LikeOp::Match => "MATCH",
            LikeOp::Regexp => "REGEXP",
        }
    }
}

/// An expression.
#[derive(Debug)]
pub enum Expr<'a, A: Allocator> {
    /// A literal.
    Literal(Literal<'a>),
    /// A column.
    Column(ColumnRef<'a>),
    /// A parameter.
    Param(Param<'a>),
    /// `op operand`
    Unary(UnaryOp, Box<Expr<'a, A>, A>),
    /// `lhs op rhs`
    Binary(Box<Binary<'a, A>, A>),
    /// `expr COLLATE name`
    Collate(Box<Expr<'a, A>, A>, Ident<'a>),
    /// `expr [NOT] LIKE|GLOB|MATCH|REGEXP pattern [ESCAPE escape]`
    Like(Box<Like<'a, A>, A>),
    /// `expr [NOT] BETWEEN low AND high`
    Between(Box<Between<'a, A>, A>),
    /// `expr [NOT] IN (list)`; the list may be empty.
    InList(Box<InList<'a, A>, A>),
    /// `expr [NOT] IN (select)`
    InSelect(Box<InSelect<'a, A>, A>),
    /// `expr ISNULL` (`negated`: `NOTNULL`, `NOT NULL`). `expr IS NULL`
    /// is a [`BinaryOp::Is`] with a NULL literal, as SQLite parses it.
    IsNull {
        /// The operand.
        expr: Box<Expr<'a, A>, A>,
        /// `NOTNULL` rather than `ISNULL`.
        negated: bool,
    },
    /// `name(args)`
    Function(Box<FunctionCall<'a, A>, A>),
    /// `CASE ... END`
    Case(Box<Case<'a, A>, A>),
    /// `CAST(expr AS type)`
    Cast(Box<Cast<'a, A>, A>),
    /// `EXISTS (select)`; `NOT EXISTS` is `NOT` around it.
    Exists(Box<Select<'a, A>, A>),
    /// `(select)`, a scalar subquery.
    Subquery(Box<Select<'a, A>, A>),
    /// `(a, b, ...)`: a row value of two or more expressions.
    Row(Vec<Expr<'a, A>, A>),
    /// `RAISE(...)`, inside a trigger body.
    Raise(Raise<'a>),
}

/// `lhs op rhs`
#[derive(Debug)]
pub struct Binary<'a, A: Allocator> {
    /// The operator.
    pub op: BinaryOp,
    /// The left operand.
    pub lhs: Expr<'a, A>,
    /// The right operand.
    pub rhs: Expr<'a, A>,
}

/// `expr [NOT] op pattern [ESCAPE escape]`
#[derive(Debug)]
pub struct Like<'a, A: Allocator> {
    /// Which operator.
    pub op: LikeOp,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The value matched.
    pub expr: Expr<'a, A>,
    /// The pattern.
    pub pattern: Expr<'a, A>,
    /// The escape character's expression.
    pub escape: Option<Expr<'a, A>>,
    /// The pattern's text when it is a string literal with no doubled
    /// quote, read once rather than on every row matched.
    pub literal_pattern: Option<&'a str>,
}

/// `expr [NOT] BETWEEN low AND high`
#[derive(Debug)]
pub struct Between<'a, A: Allocator> {
    /// `NOT BETWEEN`.
    pub negated: bool,
    /// The value tested.
    pub expr: Expr<'a, A>,
    /// The lower bound.
    pub low: Expr<'a, A>,
    /// The upper bound.
    pub high: Expr<'a, A>,
}

/// `expr [NOT] IN (list)`
#[derive(Debug)]
pub struct InList<'a, A: Allocator> {
    /// `NOT IN`.
    pub negated: bool,
    /// The value tested.
    pub expr: Expr<'a, A>,
    /// The candidates.
    pub list: Vec<Expr<'a, A>, A>,
}

/// `expr [NOT] IN (select)`
#[derive(Debug)]
pub struct InSelect<'a, A: Allocator> {
    /// `NOT IN`.
    pub negated: bool,
    /// The value tested.
    pub expr: Expr<'a, A>,
    /// The query giving the candidates.
    pub select: Select<'a, A>,
}

/// The arguments of a function call.
#[derive(Debug)]
pub enum FunctionArgs<'a, A: Allocator> {
    /// `name(*)`, as in `count(*)`.
    Star,
    /// `name(a, b, ...)`; may be empty.
    List(Vec<Expr<'a, A>, A>),
}

/// `name([DISTINCT] args) [FILTER (WHERE condition)] [OVER window]`
#[derive(Debug)]
pub struct FunctionCall<'a, A: Allocator> {
    /// The function's name.
    pub name: Ident<'a>,
    /// `DISTINCT` before the arguments.
    pub distinct: bool,
    /// The arguments.
    pub args: FunctionArgs<'a, A>,
    /// `FILTER (WHERE condition)`, if written.
    pub filter: Option<Box<Expr<'a, A>, A>>,
    /// `OVER ...`: the call is a window function's.
    pub over: Option<Box<Over<'a, A>, A>>,
}

/// One `WHEN condition THEN result` of a `CASE`.
#[derive(Debug)]
pub struct WhenThen<'a, A: Allocator> {
    /// The condition, or the value compared with the operand.
    pub when: Expr<'a, A>,
    /// The result.
    pub then: Expr<'a, A>,
}

/// `CASE [operand] WHEN ... THEN ... [ELSE otherwise] END`
#[derive(Debug)]
pub struct Case<'a, A: Allocator> {
    /// The value compared with each `WHEN`, if any.
    pub operand: Option<Expr<'a, A>>,
    /// The arms, at least one.
    pub arms: Vec<WhenThen<'a, A>, A>,
    /// The `ELSE` result.
    pub otherwise: Option<Expr<'a, A>>,
}

/// `CAST(expr AS type)`
#[derive(Debug)]
pub struct Cast<'a, A: Allocator> {
    /// The value converted.
    pub expr: Expr<'a, A>,
    /// The type; SQLite accepts none (`CAST(x AS)`), meaning BLOB affinity.
    pub type_name: Option<TypeName<'a>>,
}

/// What `RAISE` does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raise<'a> {
    /// `RAISE(IGNORE)`
    Ignore,
    /// `RAISE(ROLLBACK, message)`
    Rollback(StrLit<'a>),
    /// `RAISE(ABORT, message)`
    Abort(StrLit<'a>),
    /// `RAISE(FAIL, message)`
    Fail(StrLit<'a>),
}

/// The type affinity of a column, from its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Affinity {
    /// TEXT.
    Text,
    /// NUMERIC.
    Numeric,
    /// INTEGER.
    Integer,
    /// REAL.
    Real,
    /// BLOB (SQLite's documentation also calls it "none").
    Blob,
}

/// A type name as declared: `INTEGER`, `VARCHAR(20)`, `UNSIGNED BIG INT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeName<'a> {
    /// The whole declaration, from the first word to the closing
    /// parenthesis of the size, if any (what SQLite records as the type).
    pub text: &'a str,
    /// The words only, without the size.
    pub name: &'a str,
}

impl TypeName<'_> {
    /// The affinity SQLite gives a column of this type (the rules of
    /// "Determination Of Column Affinity", in order: `INT`; `CHAR`,
    /// `CLOB` or `TEXT`; `BLOB`; `REAL`, `FLOA` or `DOUB`; else NUMERIC).
    pub fn affinity(&self) -> Affinity {
        let has = |needle: &str| {
            self.text
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
        };
        if has("INT") {
            Affinity::Integer
        } else if has("CHAR") || has("CLOB") || has("TEXT") {
            Affinity::Text
        } else if has("BLOB") {
            Affinity::Blob
        } else if has("REAL") || has("FLOA") || has("DOUB") {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }
}

/// The affinity of a column declared with `type_name` (none: BLOB).
pub fn affinity_of(type_name: Option<&TypeName<'_>>) -> Affinity {
    type_name.map_or(Affinity::Blob, TypeName::affinity)
}

impl<'a, A: Allocator> Expr<'a, A> {
    /// The column this expression names, if it is a bare column
    /// reference (possibly qualified).
    pub fn as_column(&self) -> Option<&ColumnRef<'a>> {
        match self {
            Expr::Column(c) => Some(c),
            _ => None,
        }
    }

    /// The literal, if this is one.
    pub fn as_literal(&self) -> Option<&Literal<'a>> {
        match self {
            Expr::Literal(l) => Some(l),
            _ => None,
        }
    }

    /// Calls `f` on each expression directly inside this one, in the order
    /// written, until it fails; the queries of subqueries are not entered
    /// (the value an `IN (SELECT ...)` tests is).
    pub fn try_for_each_child<E>(
        &self,
        mut f: impl FnMut(&Expr<'a, A>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Expr::Literal(_)
            | Expr::Column(_)
            | Expr::Param(_)
            | Expr::Raise(_)
            | Expr::Exists(_)
            | Expr::Subquery(_) => Ok(()),
            Expr::Unary(_, inner) | Expr::Collate(inner, _) => f(inner),
            Expr::IsNull { expr, .. } => f(expr),
            Expr::InSelect(i) => f(&i.expr),
            Expr::Binary(b) => {
                f(&b.lhs)?;
                f(&b.rhs)
            }
            Expr::Like(l) => {
                f(&l.expr)?;
                f(&l.pattern)?;
                l.escape.as_ref().map_or(Ok(()), f)
            }
            Expr::Between(b) => {
                f(&b.expr)?;
                f(&b.low)?;
                f(&b.high)
            }
            Expr::InList(l) => {
                f(&l.expr)?;
                l.list.iter().try_for_each(f)
            }
            Expr::Function(call) => match &call.args {
                FunctionArgs::List(args) => args.iter().try_for_each(f),
                FunctionArgs::Star => Ok(()),
            },
            Expr::Case(c) => {
                if let Some(operand) = &c.operand {
                    f(operand)?;
                }
                for arm in c.arms.iter() {
                    f(&arm.when)?;
                    f(&arm.then)?;
                }
                c.otherwise.as_ref().map_or(Ok(()), f)
            }
            Expr::Cast(c) => f(&c.expr),
            Expr::Row(items) => items.iter().try_for_each(f),
        }
    }
}

/// A name that may be qualified by a schema: `name` or `schema.name`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualifiedName<'a> {
    /// The schema (`main`, `temp`, an attached name).
    pub schema: Option<Ident<'a>>,
    /// The name.
    pub name: Ident<'a>,
}

impl<'a> QualifiedName<'a> {
    /// The name of a table of the main database: unqualified or
    /// `main.t`. Any other schema holds no table here (no attached
    /// database, no temporary table), so it is SQLite's `no such table:
    /// s.t`, never the main database's table of that name.
    pub fn in_main(&self) -> crate::Result<&Ident<'a>> {
        match &self.schema {
            Some(s) if !s.eq_ignore_ascii_case("main") => Err(crate::Error::Named(
                crate::Named::NoSuchTable,
                crate::ConstraintName::format(format_args!("{}.{}", s.chars(), self.name.chars())),
            )),
            _ => Ok(&self.name),
        }
    }

    /// `e`, naming this name as written when it is the `no such table`
    /// of this name given with its schema (`no such table: main.t`, as
    /// SQLite words it); any other error unchanged.
    pub fn as_written(&self, e: crate::Error) -> crate::Error {
        let crate::Error::Named(crate::Named::NoSuchTable, missing) = &e else {
            return e;
        };
        let Some(schema) = &self.schema else {
            return e;
        };
        let bare = crate::ConstraintName::format(format_args!("{}", self.name.chars()));
        if bare.as_str() != missing.as_str() {
            return e;
        }
        crate::Error::Named(
            crate::Named::NoSuchTable,
            crate::ConstraintName::format(format_args!("{}.{}", schema.chars(), self.name.chars())),
        )
    }

    /// An unqualified name.
    pub fn bare(name: Quoted<'a>) -> Self {
        QualifiedName { schema: None, name }
    }
}
