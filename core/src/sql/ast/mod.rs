//! The syntax tree the parser builds.
//!
//! Every node that owns children allocates them in the parser's allocator
//! `A` ([`Box`](crate::alloc::Box), [`Vec`](crate::alloc::Vec)); names,
//! string and BLOB literals borrow the SQL text (`'a`) and are unquoted
//! or decoded on demand, so a tree costs one allocation per nested node or
//! list and none per name.
//!
//! - `name`: [`Quoted`] names and strings, [`HexBlob`] literals;
//! - `expr`: [`Expr`] and its parts, [`TypeName`] and [`Affinity`];
//! - `stmt`: [`Stmt`], queries and data changes;
//! - `schema`: `CREATE`, `DROP` and `ALTER TABLE`;
//! - `window`: `OVER` and the `WINDOW` clause, with their `Display`;
//! - `display_expr`, `display_stmt`: `Display` back to SQL.
//!
//! Displaying a tree writes SQL that parses back to the same tree:
//! names and literals as written, every operator application in
//! parentheses, `LIMIT` as `LIMIT .. OFFSET ..`.

mod display_expr;
mod display_stmt;
mod expr;
mod name;
mod schema;
mod stmt;
mod window;

pub use expr::{
    Affinity, Between, Binary, BinaryOp, Case, Cast, ColumnBinding, ColumnPos, ColumnRef, Expr,
    FunctionArgs, FunctionCall, InList, InSelect, Like, LikeOp, Literal, Param, ParamNo,
    QualifiedName, Raise, TypeName, UnaryOp, WhenThen, affinity_of,
};
pub use name::{HexBlob, Ident, Quoted, StrLit, Unquoted};
pub use schema::{
    AlterAction, AlterTable, Check, ColumnConstraint, ColumnConstraintKind, ColumnDef, CreateIndex,
    CreateTable, CreateTrigger, CreateView, DefaultValue, DropStmt, ForeignKey, ForeignKeyAction,
    IndexedColumn, ObjectKind, TableBody, TableConstraint, TableConstraintKind, TriggerEvent,
    TriggerTiming,
};
pub use stmt::{
    Assignment, CompoundOp, Conflict, CoreForm, Cte, Delete, FromClause, Indexed, Insert,
    InsertSource, Join, JoinConstraint, JoinKind, JoinOp, JsonTable, Limit, NullsOrder,
    OrderingTerm, Pragma, PragmaValue, ResultColumn, Select, SelectBody, Stmt, TableRef,
    TransactionMode, Update, Upsert, UpsertAction, UpsertTarget,
};
pub use window::{Frame, FrameBound, FrameExclude, FrameUnit, Over, WindowDef, WindowSpec};
