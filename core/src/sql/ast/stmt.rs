//! Statement nodes: [`Stmt`], queries ([`Select`]), changes ([`Insert`],
//! [`Update`], [`Delete`]) and transaction and pragma statements. Schema
//! statements are in `schema`.
//!
//! Invariant: a node holds what was written, normalised only where
//! SQLite's grammar makes two spellings one (`LIMIT a, b` is stored as
//! `LIMIT b OFFSET a`; `REPLACE INTO` as `INSERT OR REPLACE`, with
//! [`Insert::replace_keyword`] remembering the spelling).

use crate::alloc::{Allocator, Box, Vec};
use crate::record::SortOrder;

use super::expr::{Expr, Literal, QualifiedName};
use super::name::Ident;
use super::schema::{
    AlterTable, CreateIndex, CreateTable, CreateTrigger, CreateView, DropStmt, IndexedColumn,
};
use super::window::WindowDef;

/// One SQL statement.
#[derive(Debug)]
pub enum Stmt<'a, A: Allocator> {
    /// `SELECT ...` or `VALUES ...`
    Select(Box<Select<'a, A>, A>),
    /// `INSERT ...` or `REPLACE ...`
    Insert(Box<Insert<'a, A>, A>),
    /// `UPDATE ...`
    Update(Box<Update<'a, A>, A>),
    /// `DELETE ...`
    Delete(Box<Delete<'a, A>, A>),
    /// `CREATE TABLE ...`
    CreateTable(Box<CreateTable<'a, A>, A>),
    /// `CREATE INDEX ...`
    CreateIndex(Box<CreateIndex<'a, A>, A>),
    /// `CREATE VIEW ...`
    CreateView(Box<CreateView<'a, A>, A>),
    /// `CREATE TRIGGER ...`
    CreateTrigger(Box<CreateTrigger<'a, A>, A>),
    /// `DROP TABLE|INDEX|VIEW|TRIGGER ...`
    Drop(DropStmt<'a>),
    /// `ALTER TABLE ...`
    AlterTable(Box<AlterTable<'a, A>, A>),
    /// `REINDEX [name]`: every index, or those of a collation, a table
    /// or one index.
    Reindex(Option<QualifiedName<'a>>),
    /// `BEGIN [mode] [TRANSACTION]`
    Begin(Option<TransactionMode>),
    /// `COMMIT` or `END`, optionally with `TRANSACTION`.
    Commit,
    /// `ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]`
    Rollback {
        /// The savepoint rolled back to, if any.
        savepoint: Option<Ident<'a>>,
    },
    /// `SAVEPOINT name`
    Savepoint(Ident<'a>),
    /// `RELEASE [SAVEPOINT] name`
    Release(Ident<'a>),
    /// `PRAGMA ...`
    Pragma(Pragma<'a>),
    /// `EXPLAIN [QUERY PLAN] stmt`
    Explain {
        /// `EXPLAIN QUERY PLAN` rather than `EXPLAIN`.
        query_plan: bool,
        /// The statement explained (never itself `Explain`).
        stmt: Box<Stmt<'a, A>, A>,
    },
}

/// How `BEGIN` takes its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionMode {
    /// `DEFERRED`: locks when first needed.
    Deferred,
    /// `IMMEDIATE`: the write lock at once.
    Immediate,
    /// `EXCLUSIVE`
    Exclusive,
    /// `CONCURRENT` (an MVCC transaction, as in SQLite's begin-concurrent
    /// branch and Turso).
    Concurrent,
}

/// `PRAGMA [schema.]name [= value | (value)]`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pragma<'a> {
    /// The pragma.
    pub name: QualifiedName<'a>,
    /// The argument, if any.
    pub value: Option<PragmaValue<'a>>,
    /// The argument was given as `(value)` rather than `= value`.
    pub call_form: bool,
}

/// A pragma's argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PragmaValue<'a> {
    /// A signed number, its sign applied (`-2000`).
    Number(Literal<'a>),
    /// A name or string (`WAL`, `'t'`, and the keywords `ON`, `DELETE`
    /// and `DEFAULT`, which SQLite accepts here).
    Name(Ident<'a>),
}

/// What to do when a constraint fails (`OR ...`, `ON CONFLICT ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// `ROLLBACK`
    Rollback,
    /// `ABORT` (the default).
    Abort,
    /// `FAIL`
    Fail,
    /// `IGNORE`
    Ignore,
    /// `REPLACE`
    Replace,
}

impl Conflict {
    /// The keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            Conflict::Rollback => "ROLLBACK",
            Conflict::Abort => "ABORT",
            Conflict::Fail => "FAIL",
            Conflict::Ignore => "IGNORE",
            Conflict::Replace => "REPLACE",
        }
    }
}

/// A whole query: `WITH`, then one or more cores joined by compound
/// operators, then `ORDER BY` and `LIMIT`, which apply to the whole.
#[derive(Debug)]
pub struct Select<'a, A: Allocator> {
    /// `WITH` tables, in order (each sees all of them, itself included).
    pub with: Vec<Cte<'a, A>, A>,
    /// The first core.
    pub core: Box<SelectBody<'a, A>, A>,
    /// `UNION ...`, `EXCEPT ...`: further cores, left to right.
    pub compound: Vec<(CompoundOp, Box<SelectBody<'a, A>, A>), A>,
    /// `ORDER BY` terms.
    pub order_by: Vec<OrderingTerm<'a, A>, A>,
    /// `LIMIT` and `OFFSET`.
    pub limit: Option<Limit<'a, A>>,
}

/// `name [(columns)] AS [[NOT] MATERIALIZED] (select)` in `WITH`.
#[derive(Debug)]
pub struct Cte<'a, A: Allocator> {
    /// The table's name.
    pub name: Ident<'a>,
    /// Its columns' names, if given.
    pub columns: Vec<Ident<'a>, A>,
    /// Its rows.
    pub select: Box<Select<'a, A>, A>,
}

/// How two query cores combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompoundOp {
    /// `UNION`
    Union,
    /// `UNION ALL`
    UnionAll,
    /// `INTERSECT`
    Intersect,
    /// `EXCEPT`
    Except,
}

/// How a query core was written. A `VALUES` list is read as SQLite
/// reads a list of constant rows: one row is a core with no `FROM`, its
/// columns named `column1`, `column2`...; several rows are a table,
/// `SELECT * FROM (row UNION ALL row ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreForm {
    /// `SELECT ...`
    Select,
    /// One row of a `VALUES` list.
    Values,
    /// `VALUES` with several rows: `SELECT *` from the rows joined by
    /// `UNION ALL`.
    ValuesList,
}

/// `SELECT [DISTINCT] columns [FROM] [WHERE] [GROUP BY] [HAVING]`
#[derive(Debug)]
pub struct SelectBody<'a, A: Allocator> {
    /// How the core was written.
    pub form: CoreForm,
    /// `DISTINCT` (`ALL` is the default and is not recorded).
    pub distinct: bool,
    /// The result columns, at least one.
    pub columns: Vec<ResultColumn<'a, A>, A>,
    /// `FROM`
    pub from: Option<FromClause<'a, A>>,
    /// `WHERE`
    pub where_clause: Option<Expr<'a, A>>,
    /// `GROUP BY`
    pub group_by: Vec<Expr<'a, A>, A>,
    /// `HAVING` (SQLite accepts it without `GROUP BY`).
    pub having: Option<Expr<'a, A>>,
    /// `WINDOW name AS (spec), ...`
    pub windows: Vec<WindowDef<'a, A>, A>,
}

/// One result column.
#[derive(Debug)]
pub enum ResultColumn<'a, A: Allocator> {
    /// `expr [[AS] alias]`
    Expr {
        /// The value.
        expr: Expr<'a, A>,
        /// The column's name, if given.
        alias: Option<Ident<'a>>,
        /// The expression as written, from its first token to the next
        /// token after it, trailing spaces left out (SQLite's span): what
        /// names the column when no alias does.
        text: &'a str,
    },
    /// `*`
    Star,
    /// `table.*`
    TableStar(Ident<'a>),
}

/// `FROM first [join ...]`
#[derive(Debug)]
pub struct FromClause<'a, A: Allocator> {
    /// The first table.
    pub first: TableRef<'a, A>,
    /// The tables joined to it, left to right.
    pub joins: Vec<Join<'a, A>, A>,
}

/// A table in `FROM`.
#[derive(Debug)]
pub enum TableRef<'a, A: Allocator> {
    /// A table or view by name.
    Table {
        /// Its name.
        name: QualifiedName<'a>,
        /// `[AS] alias`
        alias: Option<Ident<'a>>,
        /// `INDEXED BY` or `NOT INDEXED`.
        indexed: Option<Indexed<'a>>,
    },
    /// `(select) [AS alias]`
    Subquery {
        /// The query.
        select: Box<Select<'a, A>, A>,
        /// `[AS] alias`
        alias: Option<Ident<'a>>,
    },
    /// A table-valued function: `json_each(args) [AS alias]` or
    /// `json_tree(args) [AS alias]`.
    Function {
        /// Which function.
        table: JsonTable,
        /// Its name as written.
        name: Ident<'a>,
        /// Its arguments: the document, then the root path.
        args: Vec<Expr<'a, A>, A>,
        /// `[AS] alias`
        alias: Option<Ident<'a>>,
    },
}

/// A table-valued JSON function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonTable {
    /// `json_each`: the members of the root container (or the root).
    Each,
    /// `json_tree`: every node under the root, the root included.
    Tree,
}

/// An index hint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Indexed<'a> {
    /// `INDEXED BY name`
    By(Ident<'a>),
    /// `NOT INDEXED`
    Not,
}

/// One join: the operator, the table, the constraint.
#[derive(Debug)]
pub struct Join<'a, A: Allocator> {
    /// How the table joins.
    pub op: JoinOp,
    /// The table joined.
    pub table: TableRef<'a, A>,
    /// `ON` or `USING`.
    pub constraint: Option<JoinConstraint<'a, A>>,
    /// For a `LEFT JOIN` of a parenthesised join (`t1 LEFT JOIN (t2 JOIN
    /// t3 ON ...) ON ...`): how many of the joins after this one it holds
    /// (their tables then match as a unit, this join's table first);
    /// 0 for any other join.
    pub group: usize,
}

/// A join operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinOp {
    /// `NATURAL`
    pub natural: bool,
    /// Which join.
    pub kind: JoinKind,
}

/// Which join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// `,`
    Comma,
    /// `JOIN` or `INNER JOIN`
    Inner,
    /// `CROSS JOIN`
    Cross,
    /// `LEFT [OUTER] JOIN`
    Left,
    /// `RIGHT [OUTER] JOIN`
    Right,
    /// `FULL [OUTER] JOIN`
    Full,
}

/// `ON expr` or `USING (columns)`.
#[derive(Debug)]
pub enum JoinConstraint<'a, A: Allocator> {
    /// `ON expr`
    On(Expr<'a, A>),
    /// `USING (columns)`
    Using(Vec<Ident<'a>, A>),
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NullsOrder {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

/// `expr [ASC|DESC] [NULLS FIRST|LAST]`; a `COLLATE` stays in `expr`.
#[derive(Debug)]
pub struct OrderingTerm<'a, A: Allocator> {
    /// The sort key.
    pub expr: Expr<'a, A>,
    /// The direction, if written.
    pub order: Option<SortOrder>,
    /// Where NULLs go, if written.
    pub nulls: Option<NullsOrder>,
}

/// `LIMIT limit [OFFSET offset]`
#[derive(Debug)]
pub struct Limit<'a, A: Allocator> {
    /// The most rows returned.
    pub limit: Expr<'a, A>,
    /// The rows skipped first.
    pub offset: Option<Expr<'a, A>>,
}

/// `[WITH ...] INSERT [OR conflict] INTO table [(columns)] source`
#[derive(Debug)]
pub struct Insert<'a, A: Allocator> {
    /// `WITH` tables before the statement, in order: its queries and
    /// subqueries may read them; its target is always a stored table.
    pub with: Vec<Cte<'a, A>, A>,
    /// `OR ...`, or `REPLACE` for `REPLACE INTO`.
    pub conflict: Option<Conflict>,
    /// Spelled `REPLACE INTO` rather than `INSERT OR REPLACE INTO`.
    pub replace_keyword: bool,
    /// The table.
    pub table: QualifiedName<'a>,
    /// `AS alias`
    pub alias: Option<Ident<'a>>,
    /// The columns named; empty for all, in order.
    pub columns: Vec<Ident<'a>, A>,
    /// The rows.
    pub source: InsertSource<'a, A>,
    /// `ON CONFLICT ...` clauses, in order (an upsert).
    pub upsert: Vec<Upsert<'a, A>, A>,
    /// `RETURNING ...`: the columns of each row stored; empty without.
    pub returning: Vec<ResultColumn<'a, A>, A>,
}

/// `ON CONFLICT [(target) [WHERE ...]] DO NOTHING | DO UPDATE SET ...
/// [WHERE ...]`
#[derive(Debug)]
pub struct Upsert<'a, A: Allocator> {
    /// The constraint it applies to: `None` for any (only the last clause
    /// may leave it out).
    pub target: Option<UpsertTarget<'a, A>>,
    /// What is done instead of the insert.
    pub action: UpsertAction<'a, A>,
}

/// `(columns) [WHERE ...]`: the uniqueness constraint an upsert applies
/// to.
#[derive(Debug)]
pub struct UpsertTarget<'a, A: Allocator> {
    /// The constraint's columns.
    pub columns: Vec<IndexedColumn<'a, A>, A>,
    /// `WHERE`: the condition of a partial index.
    pub where_clause: Option<Expr<'a, A>>,
}

/// What an upsert does with a row whose insert conflicts.
#[derive(Debug)]
pub enum UpsertAction<'a, A: Allocator> {
    /// `DO NOTHING`
    Nothing,
    /// `DO UPDATE SET ... [WHERE ...]` on the row it conflicts with.
    Update {
        /// The assignments.
        assignments: Vec<Assignment<'a, A>, A>,
        /// `WHERE`
        where_clause: Option<Expr<'a, A>>,
    },
}

/// Where inserted rows come from.
#[derive(Debug)]
pub enum InsertSource<'a, A: Allocator> {
    /// `VALUES (...), (...)`: rows of equal length.
    Values(Vec<Vec<Expr<'a, A>, A>, A>),
    /// `SELECT ...`
    Select(Box<Select<'a, A>, A>),
    /// `DEFAULT VALUES`
    DefaultValues,
}

/// `[WITH ...] UPDATE [OR conflict] table SET ... [FROM ...] [WHERE ...]`
#[derive(Debug)]
pub struct Update<'a, A: Allocator> {
    /// `WITH` tables before the statement (see [`Insert::with`]).
    pub with: Vec<Cte<'a, A>, A>,
    /// `OR ...`
    pub conflict: Option<Conflict>,
    /// The table.
    pub table: QualifiedName<'a>,
    /// `AS alias`
    pub alias: Option<Ident<'a>>,
    /// `INDEXED BY` or `NOT INDEXED`.
    pub indexed: Option<Indexed<'a>>,
    /// `SET` assignments, at least one.
    pub assignments: Vec<Assignment<'a, A>, A>,
    /// `FROM` and `WHERE`, when `FROM` is written: the join the rows
    /// updated come from, as SQLite reads it, a query body with no result
    /// columns whose `FROM` is the table updated (with its alias and
    /// index hint) then the tables written, joined by a comma, and whose
    /// `WHERE` is the statement's (then `where_clause` is `None`).
    pub from: Option<Box<SelectBody<'a, A>, A>>,
    /// `WHERE`, without `FROM`.
    pub where_clause: Option<Expr<'a, A>>,
    /// `RETURNING ...`: the columns of each row updated; empty without.
    pub returning: Vec<ResultColumn<'a, A>, A>,
}

/// `column = value`, or `(a, b) = value` for a row value.
#[derive(Debug)]
pub struct Assignment<'a, A: Allocator> {
    /// The columns set: one, or several in parentheses.
    pub columns: Vec<Ident<'a>, A>,
    /// The new value.
    pub value: Expr<'a, A>,
}

/// `[WITH ...] DELETE FROM table [WHERE ...]`
#[derive(Debug)]
pub struct Delete<'a, A: Allocator> {
    /// `WITH` tables before the statement (see [`Insert::with`]).
    pub with: Vec<Cte<'a, A>, A>,
    /// The table.
    pub table: QualifiedName<'a>,
    /// `AS alias`
    pub alias: Option<Ident<'a>>,
    /// `INDEXED BY` or `NOT INDEXED`.
    pub indexed: Option<Indexed<'a>>,
    /// `WHERE`
    pub where_clause: Option<Expr<'a, A>>,
    /// `RETURNING ...`: the columns of each row deleted; empty without.
    pub returning: Vec<ResultColumn<'a, A>, A>,
}
