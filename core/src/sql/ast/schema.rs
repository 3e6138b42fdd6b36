//! Schema statement nodes: `CREATE TABLE`, `CREATE INDEX`, `CREATE VIEW`,
//! `CREATE TRIGGER` and `DROP`.
//!
//! Invariant: constraints are kept in the order written, each with its
//! optional `CONSTRAINT name`; nothing is inferred here (whether a column
//! is a rowid alias, which automatic indexes exist): that is the
//! planner's reading of the tree, by SQLite's rules.

use crate::alloc::{Allocator, Box, Vec};
use crate::record::SortOrder;

use super::expr::{Expr, QualifiedName, TypeName};
use super::name::Ident;
use super::stmt::{Conflict, Select, Stmt};

/// `CREATE [TEMP] TABLE [IF NOT EXISTS] name (...) | AS select`
#[derive(Debug)]
pub struct CreateTable<'a, A: Allocator> {
    /// `TEMP` or `TEMPORARY`.
    pub temp: bool,
    /// `IF NOT EXISTS`
    pub if_not_exists: bool,
    /// The table.
    pub name: QualifiedName<'a>,
    /// Columns and constraints, or a query.
    pub body: TableBody<'a, A>,
}

/// What defines a new table.
#[derive(Debug)]
pub enum TableBody<'a, A: Allocator> {
    /// `(columns, constraints) [options]`
    Columns {
        /// The columns, at least one.
        columns: Vec<ColumnDef<'a, A>, A>,
        /// The table constraints.
        constraints: Vec<TableConstraint<'a, A>, A>,
        /// `WITHOUT ROWID`
        without_rowid: bool,
        /// `STRICT`
        strict: bool,
    },
    /// `AS select`
    AsSelect(Box<Select<'a, A>, A>),
}

/// One column: its name, declared type and constraints.
#[derive(Debug)]
pub struct ColumnDef<'a, A: Allocator> {
    /// The column's name.
    pub name: Ident<'a>,
    /// The declared type, if any.
    pub type_name: Option<TypeName<'a>>,
    /// The constraints, in order.
    pub constraints: Vec<ColumnConstraint<'a, A>, A>,
}

/// `[CONSTRAINT name] constraint` on a column.
#[derive(Debug)]
pub struct ColumnConstraint<'a, A: Allocator> {
    /// `CONSTRAINT name`
    pub name: Option<Ident<'a>>,
    /// The constraint.
    pub kind: ColumnConstraintKind<'a, A>,
}

/// A column constraint.
#[derive(Debug)]
pub enum ColumnConstraintKind<'a, A: Allocator> {
    /// `PRIMARY KEY [ASC|DESC] [ON CONFLICT ...] [AUTOINCREMENT]`
    PrimaryKey {
        /// The direction, if written (`INTEGER PRIMARY KEY DESC` is not a
        /// rowid alias, so "not written" matters).
        order: Option<SortOrder>,
        /// `ON CONFLICT ...`
        conflict: Option<Conflict>,
        /// `AUTOINCREMENT`
        autoincrement: bool,
    },
    /// `NOT NULL [ON CONFLICT ...]`
    NotNull {
        /// `ON CONFLICT ...`
        conflict: Option<Conflict>,
    },
    /// `NULL`: allowed, and means nothing.
    Null,
    /// `UNIQUE [ON CONFLICT ...]`
    Unique {
        /// `ON CONFLICT ...`
        conflict: Option<Conflict>,
    },
    /// `CHECK (expr)`
    Check(Check<'a, A>),
    /// `DEFAULT value`
    Default(DefaultValue<'a, A>),
    /// `COLLATE name`
    Collate(Ident<'a>),
    /// `REFERENCES ...`
    References(ForeignKey<'a, A>),
    /// `[GENERATED ALWAYS] AS (expr) [STORED|VIRTUAL]`
    Generated {
        /// The value.
        expr: Expr<'a, A>,
        /// `STORED` rather than `VIRTUAL` (the default).
        stored: bool,
    },
}

/// `CHECK (expr)`
#[derive(Debug)]
pub struct Check<'a, A: Allocator> {
    /// The condition.
    pub expr: Expr<'a, A>,
    /// The text between the parentheses, as written but for the spaces
    /// around it: what SQLite's `CHECK constraint failed` names when the
    /// constraint has no name.
    pub text: &'a str,
}

/// A column's default.
#[derive(Debug)]
pub struct DefaultValue<'a, A: Allocator> {
    /// The value: a literal, a signed number (a `Unary` sign around a
    /// literal, or a folded `-9223372036854775808`), a parenthesised
    /// expression, or a bare name, which SQLite takes as a string.
    pub expr: Expr<'a, A>,
    /// The text after `DEFAULT`, as written (what
    /// `PRAGMA table_info` shows).
    pub text: &'a str,
}

/// `[CONSTRAINT name] constraint` on the table.
#[derive(Debug)]
pub struct TableConstraint<'a, A: Allocator> {
    /// `CONSTRAINT name`
    pub name: Option<Ident<'a>>,
    /// The constraint.
    pub kind: TableConstraintKind<'a, A>,
}

/// A table constraint.
#[derive(Debug)]
pub enum TableConstraintKind<'a, A: Allocator> {
    /// `PRIMARY KEY (columns) [ON CONFLICT ...]`
    PrimaryKey {
        /// The key's columns.
        columns: Vec<IndexedColumn<'a, A>, A>,
        /// `ON CONFLICT ...`
        conflict: Option<Conflict>,
        /// `AUTOINCREMENT` after the last column.
        autoincrement: bool,
    },
    /// `UNIQUE (columns) [ON CONFLICT ...]`
    Unique {
        /// The key's columns.
        columns: Vec<IndexedColumn<'a, A>, A>,
        /// `ON CONFLICT ...`
        conflict: Option<Conflict>,
    },
    /// `CHECK (expr)`
    Check(Check<'a, A>),
    /// `FOREIGN KEY (columns) REFERENCES ...`
    ForeignKey {
        /// The referencing columns.
        columns: Vec<Ident<'a>, A>,
        /// The referenced table and what happens on change.
        references: ForeignKey<'a, A>,
    },
}

/// `REFERENCES table [(columns)] [ON DELETE|UPDATE action] [MATCH name]
/// [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]`
#[derive(Debug)]
pub struct ForeignKey<'a, A: Allocator> {
    /// The parent table.
    pub table: Ident<'a>,
    /// The parent columns; empty for its primary key.
    pub columns: Vec<Ident<'a>, A>,
    /// `ON DELETE`
    pub on_delete: Option<ForeignKeyAction>,
    /// `ON UPDATE`
    pub on_update: Option<ForeignKeyAction>,
    /// `DEFERRABLE INITIALLY DEFERRED`: checked at commit.
    pub deferred: bool,
}

/// What a foreign key does when its parent row changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForeignKeyAction {
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
    /// `CASCADE`
    Cascade,
    /// `RESTRICT`
    Restrict,
    /// `NO ACTION`
    NoAction,
}

/// One column of an index or key: `expr [COLLATE name] [ASC|DESC]`.
#[derive(Debug)]
pub struct IndexedColumn<'a, A: Allocator> {
    /// The column (or, in `CREATE INDEX`, an expression).
    pub expr: Expr<'a, A>,
    /// `COLLATE name`, taken off the end of the expression.
    pub collate: Option<Ident<'a>>,
    /// The direction, if written.
    pub order: Option<SortOrder>,
}

impl<'a, A: Allocator> IndexedColumn<'a, A> {
    /// The column's name, when the key is a plain column.
    pub fn column_name(&self) -> Option<Ident<'a>> {
        match self.expr.as_column() {
            Some(c) if c.table.is_none() => Some(c.column),
            _ => None,
        }
    }
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns)
/// [WHERE expr]`
#[derive(Debug)]
pub struct CreateIndex<'a, A: Allocator> {
    /// `UNIQUE`
    pub unique: bool,
    /// `IF NOT EXISTS`
    pub if_not_exists: bool,
    /// The index.
    pub name: QualifiedName<'a>,
    /// The table indexed.
    pub table: Ident<'a>,
    /// The key's columns.
    pub columns: Vec<IndexedColumn<'a, A>, A>,
    /// `WHERE`: a partial index.
    pub where_clause: Option<Expr<'a, A>>,
}

/// `CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS select`
#[derive(Debug)]
pub struct CreateView<'a, A: Allocator> {
    /// `TEMP` or `TEMPORARY`.
    pub temp: bool,
    /// `IF NOT EXISTS`
    pub if_not_exists: bool,
    /// The view.
    pub name: QualifiedName<'a>,
    /// Column names, if given.
    pub columns: Vec<Ident<'a>, A>,
    /// The query.
    pub select: Select<'a, A>,
}

/// When a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerTiming {
    /// `BEFORE`
    Before,
    /// `AFTER`
    After,
    /// `INSTEAD OF`
    InsteadOf,
}

/// What fires a trigger.
#[derive(Debug)]
pub enum TriggerEvent<'a, A: Allocator> {
    /// `DELETE`
    Delete,
    /// `INSERT`
    Insert,
    /// `UPDATE [OF columns]`; empty for any column.
    Update(Vec<Ident<'a>, A>),
}

/// `CREATE [TEMP] TRIGGER [IF NOT EXISTS] name [timing] event ON table
/// [FOR EACH ROW] [WHEN expr] BEGIN stmt; ... END`
#[derive(Debug)]
pub struct CreateTrigger<'a, A: Allocator> {
    /// `TEMP` or `TEMPORARY`.
    pub temp: bool,
    /// `IF NOT EXISTS`
    pub if_not_exists: bool,
    /// The trigger.
    pub name: QualifiedName<'a>,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`, if written.
    pub timing: Option<TriggerTiming>,
    /// The event.
    pub event: TriggerEvent<'a, A>,
    /// The table (or view) watched.
    pub table: QualifiedName<'a>,
    /// `FOR EACH ROW` (the only kind SQLite has).
    pub for_each_row: bool,
    /// `WHEN`
    pub when: Option<Expr<'a, A>>,
    /// The body: `INSERT`, `UPDATE`, `DELETE` and `SELECT` statements.
    pub body: Vec<Stmt<'a, A>, A>,
}

/// What `DROP` drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `TABLE`
    Table,
    /// `INDEX`
    Index,
    /// `VIEW`
    View,
    /// `TRIGGER`
    Trigger,
}

impl ObjectKind {
    /// The keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::Index => "INDEX",
            ObjectKind::View => "VIEW",
            ObjectKind::Trigger => "TRIGGER",
        }
    }
}

/// `DROP kind [IF EXISTS] name`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropStmt<'a> {
    /// What is dropped.
    pub kind: ObjectKind,
    /// `IF EXISTS`
    pub if_exists: bool,
    /// Its name.
    pub name: QualifiedName<'a>,
}

/// `ALTER TABLE name action`
#[derive(Debug)]
pub struct AlterTable<'a, A: Allocator> {
    /// The table altered.
    pub table: QualifiedName<'a>,
    /// What is done to it.
    pub action: AlterAction<'a, A>,
}

/// What `ALTER TABLE` does.
#[derive(Debug)]
pub enum AlterAction<'a, A: Allocator> {
    /// `RENAME TO name`
    RenameTable(Ident<'a>),
    /// `RENAME [COLUMN] old TO new`
    RenameColumn {
        /// The column renamed.
        old: Ident<'a>,
        /// Its name after.
        new: Ident<'a>,
    },
    /// `ADD [COLUMN] column-def`
    AddColumn {
        /// The column.
        column: ColumnDef<'a, A>,
        /// The definition as written, from the column's name to the
        /// statement's last token: the text SQLite adds to the table's
        /// `CREATE TABLE`.
        text: &'a str,
    },
    /// `DROP [COLUMN] name`
    DropColumn(Ident<'a>),
}
