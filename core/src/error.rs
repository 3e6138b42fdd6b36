//! The engine's one error type, with SQLite's primary result codes.
//!
//! Errors are small `Copy` values that carry `'static` context only, so
//! reporting a failure never needs memory: the one path where that matters
//! is running out of it.

use boundlite_alloc::OutOfMemory;
use boundlite_platform::{ErrorKind, PlatformError};

use crate::PageNo;

/// What went wrong. [`Error::code`] gives the SQLite result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The allocator refused; the statement's effects were rolled back.
    #[error("out of memory")]
    OutOfMemory,
    /// The platform failed to read, write, sync or open a file.
    #[error("disk I/O error: {0}")]
    Io(PlatformError),
    /// The file's bytes break the format: never trusted, never a panic.
    #[error("database disk image is malformed: {reason}{}", PageSuffix(*page))]
    Corrupt {
        /// The page where the problem was found, when there is one.
        page: Option<PageNo>,
        /// What was wrong.
        reason: &'static str,
    },
    /// The database cannot be opened: no file, or a journal beside it that
    /// this engine would have to ignore.
    #[error("unable to open database file: {0}")]
    CantOpen(&'static str),
    /// The file is not a database this engine can read (bad header magic,
    /// or a feature it refuses rather than misread).
    #[error("file is not a database: {0}")]
    NotADatabase(&'static str),
    /// The page cache has no frame to give: every frame is pinned, or holds
    /// a change not yet committed that cannot be spilled to the log (a
    /// pager without one). SQLite reports this as out of memory.
    #[error(
        "out of memory: every page cache frame is pinned or dirty (raise Config::cache_frames)"
    )]
    CacheFull,
    /// A BLOB handle's row or table changed under it, as SQLite's
    /// `SQLITE_ABORT` from `sqlite3_blob_read`/`_write`: reopen it.
    #[error("query aborted: {0}")]
    Abort(&'static str),
    /// Another connection holds the lock this operation needs.
    #[error("database is locked")]
    Busy,
    /// A transaction that began reading cannot write: another connection
    /// committed since its snapshot was taken (SQLite's `BUSY_SNAPSHOT`).
    /// Waiting does not help; roll the transaction back and run it again.
    #[error(
        "database is locked: another connection committed since this transaction's snapshot; roll back and retry"
    )]
    BusySnapshot,
    /// An MVCC transaction wrote a row that a transaction committed since
    /// its snapshot also wrote: the first to commit wins (see
    /// `docs/mvcc.md`). Waiting does not help; roll the transaction back
    /// and run it again.
    #[error(
        "database is locked: a row this transaction wrote was changed by a transaction committed since it began; roll back and retry"
    )]
    BusyConflict,
    /// A schema change on a database in MVCC mode while MVCC transactions
    /// run: it checkpoints and writes the B-trees, which only a database
    /// with none running may do (see `docs/mvcc.md`). Retry once they
    /// have ended.
    #[error(
        "database is locked: a schema change in MVCC mode waits for every MVCC transaction to end"
    )]
    BusySchema,
    /// The database or medium is read-only.
    #[error("attempt to write a readonly database")]
    ReadOnly,
    /// The file cannot grow (the medium is full, or a configured limit).
    #[error("database or disk is full")]
    Full,
    /// A constraint (UNIQUE, NOT NULL, ...) would be violated.
    #[error("constraint failed: {0}")]
    Constraint(&'static str),
    /// A `CHECK` constraint is false for a row, named as SQLite names it:
    /// by its `CONSTRAINT` name, else by its text.
    #[error("constraint failed: CHECK constraint failed: {0}")]
    Check(ConstraintName),
    /// A row would repeat the key of a `UNIQUE` index, a `PRIMARY KEY` or
    /// the rowid, named as SQLite names it: `t.a, t.b` (the table and its
    /// key's columns), `index 'i'` for a key of expressions.
    #[error("constraint failed: UNIQUE constraint failed: {0}")]
    Unique(ConstraintName),
    /// A `NOT NULL` column would hold NULL, named `t.c`.
    #[error("constraint failed: NOT NULL constraint failed: {0}")]
    NotNull(ConstraintName),
    /// A column of a `STRICT` table would hold a value of another type
    /// (SQLite's `SQLITE_CONSTRAINT_DATATYPE`).
    #[error(
        "constraint failed: cannot store {} value in {} column {name}",
        mismatch.value(),
        mismatch.column()
    )]
    Datatype {
        /// The value's type and the column's datatype.
        mismatch: crate::schema::strict::Mismatch,
        /// The column, named `t.c`.
        name: ConstraintName,
    },
    /// SQL text that does not parse, with where in the text it went wrong.
    #[error("SQL error: {0}")]
    Syntax(crate::sql::SqlError),
    /// SQL that parses but cannot run (no such table, no such column...).
    #[error("SQL error: {0}")]
    Sql(&'static str),
    /// An `ORDER BY` or `GROUP BY` term numbers a result column the query
    /// does not have, worded as SQLite words it.
    #[error(
        "SQL error: {} {clause} BY term out of range - should be between 1 and {columns}",
        Ordinal(*term)
    )]
    TermOutOfRange {
        /// The clause of the term.
        clause: ByClause,
        /// The term's position in its clause, from 1.
        term: usize,
        /// The number of result columns.
        columns: usize,
    },
    /// SQL that cannot run because of the object or column it names,
    /// worded as SQLite words it with the name(s) in place (see
    /// [`Named`]).
    #[error("SQL error: {}", NamedDisplay(*.0, .1))]
    Named(Named, ConstraintName),
    /// An error rolled the connection's explicit transaction back whole:
    /// every statement but `ROLLBACK` (and `COMMIT`, which reports the
    /// rollback) fails until the script acknowledges it, so nothing the
    /// script meant for that transaction commits on its own.
    #[error("the transaction was rolled back by an earlier error; ROLLBACK to continue")]
    TransactionAborted,
    /// The API was used in a way it does not allow.
    #[error("bad parameter or other API misuse: {0}")]
    Misuse(&'static str),
    /// A result column's value is not of the Rust type asked for
    /// ([`Row::get`](crate::Row::get)): SQLite's `SQLITE_MISMATCH`.
    #[error("datatype mismatch: {0}")]
    ColumnType(crate::connection::ColumnMismatch),
    /// A query expected to return a row returned none
    /// ([`Statement::query_row`](crate::Statement::query_row)):
    /// `sqlite3_step`'s `SQLITE_DONE`.
    #[error("query returned no rows")]
    NoRows,
    /// A trigger's `RAISE(ABORT, message)`: the statement is undone,
    /// failing with the message (cut as [`ConstraintName`] cuts a name).
    #[error("constraint failed: {0}")]
    Raise(ConstraintName),
    /// A trigger's `RAISE(FAIL, message)`: the statement fails with the
    /// message, keeping its changes made before.
    #[error("constraint failed: {0}")]
    RaiseFail(ConstraintName),
    /// A trigger's `RAISE(ROLLBACK, message)`: the transaction is rolled
    /// back, failing with the message.
    #[error("constraint failed: {0}")]
    RaiseRollback(ConstraintName),
    /// A trigger's `RAISE(IGNORE)`: the row whose change fired the
    /// trigger is left, and the statement goes on with the next. Never
    /// returned from a statement: the trigger's caller takes it.
    #[error("RAISE(IGNORE) outside a trigger")]
    RaiseIgnore,
}

/// A constraint's name held in the error itself (see [`CutName`]); 22
/// bytes is what fits without making [`Error`] larger.
pub type ConstraintName = CutName<22>;

/// A name held in an error itself, so reporting it needs no memory: up
/// to `N` bytes (at most 127), a longer name cut at a character boundary
/// and shown ending in "...".
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CutName<const N: usize> {
    /// The bytes kept; the high bit set when the name was cut.
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> CutName<N> {
    /// The most bytes of a name kept.
    pub const CAPACITY: usize = N;

    /// The bit of `len` that says the name was cut.
    const CUT: u8 = 0x80;

    /// The text `args` writes, cut to the capacity when longer.
    pub fn format(args: core::fmt::Arguments<'_>) -> Self {
        let mut name = CutName {
            len: 0,
            bytes: [0; N],
        };
        // Writing stops at the capacity with an error, which only says
        // the name was cut.
        let _ = core::fmt::Write::write_fmt(&mut name, args);
        name
    }

    /// `name`, cut to the capacity when longer.
    pub fn new(name: &str) -> Self {
        let mut len = name.len().min(Self::CAPACITY);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; N];
        let kept = name.as_bytes().get(..len).unwrap_or_default();
        if let Some(slot) = bytes.get_mut(..len) {
            slot.copy_from_slice(kept);
        }
        let cut = if len < name.len() { Self::CUT } else { 0 };
        CutName {
            len: len as u8 | cut,
            bytes,
        }
    }

    /// The name as kept.
    pub fn as_str(&self) -> &str {
        let len = usize::from(self.len & !Self::CUT);
        let kept = self.bytes.get(..len).unwrap_or_default();
        core::str::from_utf8(kept).unwrap_or_default()
    }
}

impl<const N: usize> core::fmt::Write for CutName<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.len & Self::CUT != 0 {
            return Err(core::fmt::Error);
        }
        let at = usize::from(self.len);
        let mut take = s.len().min(Self::CAPACITY - at);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        if let (Some(slot), Some(part)) = (self.bytes.get_mut(at..at + take), s.get(..take)) {
            slot.copy_from_slice(part.as_bytes());
        }
        self.len = (at + take) as u8;
        if take < s.len() {
            self.len |= Self::CUT;
            return Err(core::fmt::Error);
        }
        Ok(())
    }
}

impl<const N: usize> core::fmt::Display for CutName<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())?;
        if self.len & Self::CUT != 0 {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl<const N: usize> core::fmt::Debug for CutName<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The wording of an [`Error::Named`]: SQLite's message around one
/// name, or two for the messages that name an object and a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// `no such table: {0}`
    NoSuchTable,
    /// `no such savepoint: {0}`
    NoSuchSavepoint,
    /// `circular reference: {0}`: a `WITH` table whose query reads
    /// itself other than as a recursive table
    CircularReference,
    /// `multiple references to recursive table: {0}`
    RecursiveTwiceInFrom,
    /// `multiple recursive references: {0}`: a recursive `SELECT` that
    /// also reads its table in a subquery
    RecursiveInSubquery,
    /// `table {0} has {N} values for {M} columns`, `{1}` holding `N M`
    CteColumnCount,
    /// `table {0} has {M} columns but {N} values were supplied`, `{1}`
    /// holding `M N`: an `INSERT` into a view listing no columns
    ValuesSupplied,
    /// `{0} columns`, `{0}` holding `N values for M`: an `INSERT` into a
    /// view listing another number of columns
    ValuesForColumns,
    /// `{0} columns assigned {1} values`: a row-value assignment whose
    /// value has another number of columns
    AssignedCount,
    /// `sub-select returns {0} columns - expected {1}`: a subquery whose
    /// width is not the row value's (or the one column) it stands for
    SubSelectColumns,
    /// `IN(...) element has {0} term[s] - expected {1}`: an item of an
    /// `IN` list whose size is not its row-value operand's
    InElementTerms,
    /// `duplicate WITH table name: {0}`
    DuplicateWith,
    /// `target object/alias may not appear in FROM clause: {0}`: an
    /// `UPDATE ... FROM` whose `FROM` names its table, both unaliased
    TargetInFrom,

    /// `table {0} may not be altered`
    MayNotBeAltered,
    /// `there is already another table or index with this name: {0}`
    AlreadyExists,
    /// `object name reserved for internal use: {0}`
    Reserved,
    /// `no such column: "{0}"` (the name as written, quotes included)
    NoSuchColumn,
    /// `no such column: {0}`: a reference, `t.c` or `c`, that names no
    /// column of the tables in scope
    UnknownColumn,
    /// `ambiguous column name: {0}`: a reference, `t.c` or `c`, that names
    /// a column of two tables in scope
    AmbiguousColumn,
    /// `table {0} has no column named {1}`: an `INSERT`'s column list
    NoColumnNamed,
    /// `no such function: {0}`
    NoSuchFunction,
    /// `duplicate column name: {0}`
    DuplicateColumn,
    /// `error in table {0} after rename: duplicate column name: {1}`
    DuplicateAfterRename,
    /// `cannot drop PRIMARY KEY column: "{0}"`
    DropPrimaryKey,
    /// `cannot drop UNIQUE column: "{0}"`
    DropUnique,
    /// `cannot drop column "{0}": no other columns exist`
    DropOnlyColumn,
    /// `error in index {0} after drop column: no such column: {1}`
    IndexAfterDrop,
    /// `error in table {0} after drop column: no such column: {1}`
    TableAfterDrop,
    /// `error in table {0} after drop column: no such column: "{1}" -
    /// should this be a string literal in single-quotes?`: the column
    /// was named in double quotes
    TableAfterDropQuoted,
    /// `error in index {0} after drop column: no such column: "{1}" -
    /// should this be a string literal in single-quotes?`
    IndexAfterDropQuoted,
    /// `error in table {0} after drop column: unknown column "{1}" in
    /// foreign key definition`
    ForeignKeyAfterDrop,
    /// `error in view {0} after drop column: no such column: {1}`
    ViewAfterDrop,
    /// `error in trigger {0} after drop column: no such column: {1}`
    TriggerAfterDrop,
    /// `ALTER TABLE rewriting the text of {0} {1} is not supported`: a view
    /// or trigger names the table or column in a form the rewrite cannot
    /// follow exactly
    DependentNotRewritten,
    /// `table {0} already exists`
    TableExists,
    /// `view {0} already exists`
    ViewExists,
    /// `no such view: {0}`
    NoSuchView,
    /// `use DROP VIEW to delete view {0}`
    UseDropView,
    /// `use DROP TABLE to delete table {0}`
    UseDropTable,
    /// `cannot modify {0} because it is a view`
    ModifyView,
    /// `view {0} is circularly defined`
    CircularView,
    /// `view {0} may not be altered`
    ViewNotAltered,
    /// `foreign key mismatch - "{0}" referencing "{1}"`: no primary key
    /// or `UNIQUE` index of the parent matches a foreign key's columns
    ForeignKeyMismatch,
    /// `trigger {0} already exists`
    TriggerExists,
    /// `no such trigger: {0}`
    NoSuchTrigger,
    /// `no such trigger: {0}.{1}`: a name given with its schema
    NoSuchTriggerIn,
    /// `no such table: main.{0}`: the table a trigger is made on
    NoSuchTableMain,
    /// `cannot create {0} trigger on view: {1}`
    TriggerOnView,
    /// `cannot create INSTEAD OF trigger on table: {0}`
    InsteadOfOnTable,
    /// `unknown database {0}`
    UnknownDatabase,
    /// `cannot create a TEMP index on non-TEMP table "{0}"`
    TempIndexOnMain,
    /// `no such index: {0}`
    NoSuchIndex,
    /// `index {0} already exists`
    IndexExists,
    /// `there is already a table named {0}`: an index named as a table
    TableNamed,
    /// `no such window: {0}`
    NoSuchWindow,
    /// `misuse of window function {0}()`: a window function without
    /// `OVER`, or one where no window can be (`WHERE`, `GROUP BY`...)
    MisuseWindow,
    /// `{0}() may not be used as a window function`
    NotWindowFunction,
    /// `FILTER may not be used with non-aggregate {0}()`
    FilterNonAggregate,
    /// `cannot override PARTITION clause of window: {0}`
    OverridePartition,
    /// `cannot override ORDER BY clause of window: {0}`
    OverrideOrderBy,
    /// `cannot override frame specification of window: {0}`
    OverrideFrame,
    /// `wrong number of arguments to function {0}()`
    WrongArgumentCount,
    /// `missing datatype for {0}`: a column of a `STRICT` table, `t.c`,
    /// declares no type
    MissingDatatype,
    /// `unknown datatype for {0}`: `t.c: "TYPE"`, a column of a `STRICT`
    /// table declaring a type that is no datatype
    UnknownDatatype,
    /// `error in table {0} after add column: missing datatype for {1}`
    MissingDatatypeAfterAdd,
    /// `error in table {0} after add column: unknown datatype for {1}`
    UnknownDatatypeAfterAdd,
    /// `bad JSON path: '{0}'` (the path's quotes doubled)
    BadJsonPath,
    /// `generated column loop on "{0}"`: a generated column whose value
    /// needs its own
    GeneratedLoop,
    /// `cannot INSERT into generated column "{0}"`
    InsertGenerated,
    /// `cannot UPDATE generated column "{0}"`
    UpdateGenerated,
    /// `error in generated column "{0}"`: a second `AS`, or one after a
    /// `DEFAULT`
    GeneratedError,
}

impl Named {
    /// The error naming `name`.
    pub fn error(self, name: &str) -> Error {
        Error::Named(self, ConstraintName::new(name))
    }

    /// The error naming the object `object` and the column `column`,
    /// each cut to half of what the error holds.
    pub fn error2(self, object: &str, column: &str) -> Error {
        fn half(s: &str) -> &str {
            let mut len = s.len().min(ConstraintName::CAPACITY / 2 - 1);
            while !s.is_char_boundary(len) {
                len -= 1;
            }
            s.get(..len).unwrap_or_default()
        }
        let (object, column) = (half(object), half(column));
        let mut both = [0u8; ConstraintName::CAPACITY];
        let mut at = 0;
        for part in [object.as_bytes(), &[Named::SEPARATOR], column.as_bytes()] {
            if let Some(slot) = both.get_mut(at..at + part.len()) {
                slot.copy_from_slice(part);
            }
            at += part.len();
        }
        let text = both
            .get(..at)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default();
        Error::Named(self, ConstraintName::new(text))
    }

    /// What separates the two names an error holds.
    const SEPARATOR: u8 = 0;
}

/// Formats an [`Error::Named`].
struct NamedDisplay<'n>(Named, &'n ConstraintName);

impl core::fmt::Display for NamedDisplay<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let all = self.1.as_str();
        let (a, b) = all
            .split_once(char::from(Named::SEPARATOR))
            .unwrap_or((all, ""));
        match self.0 {
            Named::NoSuchTable => write!(f, "no such table: {a}"),
            Named::NoSuchSavepoint => write!(f, "no such savepoint: {a}"),
            Named::CircularReference => write!(f, "circular reference: {a}"),
            Named::RecursiveTwiceInFrom => {
                write!(f, "multiple references to recursive table: {a}")
            }
            Named::RecursiveInSubquery => write!(f, "multiple recursive references: {a}"),
            Named::CteColumnCount => {
                let (values, columns) = b.split_once(' ').unwrap_or((b, ""));
                write!(f, "table {a} has {values} values for {columns} columns")
            }
            Named::ValuesSupplied => {
                let (columns, values) = b.split_once(' ').unwrap_or((b, ""));
                write!(
                    f,
                    "table {a} has {columns} columns but {values} values were supplied"
                )
            }
            Named::ValuesForColumns => write!(f, "{a} columns"),
            Named::AssignedCount => write!(f, "{a} columns assigned {b} values"),
            Named::SubSelectColumns => {
                write!(f, "sub-select returns {a} columns - expected {b}")
            }
            Named::DuplicateWith => write!(f, "duplicate WITH table name: {a}"),
            Named::InElementTerms => {
                let s = if a == "1" { "" } else { "s" };
                write!(f, "IN(...) element has {a} term{s} - expected {b}")
            }
            Named::TargetInFrom => {
                write!(f, "target object/alias may not appear in FROM clause: {a}")
            }
            Named::MayNotBeAltered => write!(f, "table {a} may not be altered"),
            Named::AlreadyExists => {
                write!(
                    f,
                    "there is already another table or index with this name: {a}"
                )
            }
            Named::Reserved => write!(f, "object name reserved for internal use: {a}"),
            Named::NoSuchColumn => write!(f, "no such column: \"{a}\""),
            Named::UnknownColumn => write!(f, "no such column: {a}"),
            Named::AmbiguousColumn => write!(f, "ambiguous column name: {a}"),
            Named::NoColumnNamed => write!(f, "table {a} has no column named {b}"),
            Named::NoSuchFunction => write!(f, "no such function: {a}"),
            Named::DuplicateColumn => write!(f, "duplicate column name: {a}"),
            Named::DuplicateAfterRename => write!(
                f,
                "error in table {a} after rename: duplicate column name: {b}"
            ),
            Named::DropPrimaryKey => write!(f, "cannot drop PRIMARY KEY column: \"{a}\""),
            Named::DropUnique => write!(f, "cannot drop UNIQUE column: \"{a}\""),
            Named::DropOnlyColumn => {
                write!(f, "cannot drop column \"{a}\": no other columns exist")
            }
            Named::IndexAfterDrop => write!(
                f,
                "error in index {a} after drop column: no such column: {b}"
            ),
            Named::TableAfterDrop => write!(
                f,
                "error in table {a} after drop column: no such column: {b}"
            ),
            Named::TableAfterDropQuoted => write!(
                f,
                "error in table {a} after drop column: no such column: \"{b}\" - should this be a string literal in single-quotes?"
            ),
            Named::IndexAfterDropQuoted => write!(
                f,
                "error in index {a} after drop column: no such column: \"{b}\" - should this be a string literal in single-quotes?"
            ),
            Named::ViewAfterDrop => write!(
                f,
                "error in view {a} after drop column: no such column: {b}"
            ),
            Named::TriggerAfterDrop => write!(
                f,
                "error in trigger {a} after drop column: no such column: {b}"
            ),
            Named::DependentNotRewritten => write!(
                f,
                "ALTER TABLE rewriting the text of {a} {b} is not supported"
            ),
            Named::ForeignKeyAfterDrop => write!(
                f,
                "error in table {a} after drop column: unknown column \"{b}\" in foreign key definition"
            ),
            Named::TableExists => write!(f, "table {a} already exists"),
            Named::ViewExists => write!(f, "view {a} already exists"),
            Named::NoSuchView => write!(f, "no such view: {a}"),
            Named::UseDropView => write!(f, "use DROP VIEW to delete view {a}"),
            Named::UseDropTable => write!(f, "use DROP TABLE to delete table {a}"),
            Named::ModifyView => write!(f, "cannot modify {a} because it is a view"),
            Named::CircularView => write!(f, "view {a} is circularly defined"),
            Named::ViewNotAltered => write!(f, "view {a} may not be altered"),
            Named::ForeignKeyMismatch => {
                write!(f, "foreign key mismatch - \"{a}\" referencing \"{b}\"")
            }
            Named::TriggerExists => write!(f, "trigger {a} already exists"),
            Named::NoSuchTrigger => write!(f, "no such trigger: {a}"),
            Named::NoSuchTriggerIn => write!(f, "no such trigger: {a}.{b}"),
            Named::NoSuchTableMain => write!(f, "no such table: main.{a}"),
            Named::TriggerOnView => write!(f, "cannot create {a} trigger on view: {b}"),
            Named::InsteadOfOnTable => {
                write!(f, "cannot create INSTEAD OF trigger on table: {a}")
            }
            Named::UnknownDatabase => write!(f, "unknown database {a}"),
            Named::NoSuchIndex => write!(f, "no such index: {a}"),
            Named::IndexExists => write!(f, "index {a} already exists"),
            Named::TableNamed => write!(f, "there is already a table named {a}"),
            Named::TempIndexOnMain => {
                write!(f, "cannot create a TEMP index on non-TEMP table \"{a}\"")
            }
            Named::NoSuchWindow => write!(f, "no such window: {a}"),
            Named::MisuseWindow => write!(f, "misuse of window function {a}()"),
            Named::NotWindowFunction => write!(f, "{a}() may not be used as a window function"),
            Named::FilterNonAggregate => {
                write!(f, "FILTER may not be used with non-aggregate {a}()")
            }
            Named::OverridePartition => {
                write!(f, "cannot override PARTITION clause of window: {a}")
            }
            Named::OverrideOrderBy => write!(f, "cannot override ORDER BY clause of window: {a}"),
            Named::OverrideFrame => {
                write!(f, "cannot override frame specification of window: {a}")
            }
            Named::WrongArgumentCount => {
                write!(f, "wrong number of arguments to function {a}()")
            }
            Named::MissingDatatype => write!(f, "missing datatype for {a}"),
            Named::UnknownDatatype => write!(f, "unknown datatype for {a}"),
            Named::MissingDatatypeAfterAdd => write!(
                f,
                "error in table {a} after add column: missing datatype for {b}"
            ),
            Named::UnknownDatatypeAfterAdd => write!(
                f,
                "error in table {a} after add column: unknown datatype for {b}"
            ),
            Named::BadJsonPath => write!(f, "bad JSON path: '{a}'"),
            Named::GeneratedLoop => write!(f, "generated column loop on \"{a}\""),
            Named::InsertGenerated => write!(f, "cannot INSERT into generated column \"{a}\""),
            Named::UpdateGenerated => write!(f, "cannot UPDATE generated column \"{a}\""),
            Named::GeneratedError => write!(f, "error in generated column \"{a}\""),
        }
    }
}

/// The clause an out-of-range term is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByClause {
    /// `ORDER BY`
    Order,
    /// `GROUP BY`
    Group,
}

impl core::fmt::Display for ByClause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ByClause::Order => "ORDER",
            ByClause::Group => "GROUP",
        })
    }
}

/// Formats a number as an English ordinal ("1st", "12th", "22nd"), as
/// SQLite's `%r` does.
struct Ordinal(usize);

impl core::fmt::Display for Ordinal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0;
        let suffix = match (n % 100, n % 10) {
            (11..=13, _) => "th",
            (_, 1) => "st",
            (_, 2) => "nd",
            (_, 3) => "rd",
            _ => "th",
        };
        write!(f, "{n}{suffix}")
    }
}

/// Formats " (page N)" when a page is known.
struct PageSuffix(Option<PageNo>);

impl core::fmt::Display for PageSuffix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(page) => write!(f, " (page {page})"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// SQLite's primary result code for this error.
    pub const fn code(&self) -> i32 {
        match self {
            Error::Sql(_)
            | Error::Named(..)
            | Error::TermOutOfRange { .. }
            | Error::Syntax(_)
            | Error::TransactionAborted => 1,
            Error::Abort(_) => 4,
            Error::Busy | Error::BusySnapshot | Error::BusyConflict | Error::BusySchema => 5,
            Error::OutOfMemory | Error::CacheFull => 7,
            Error::ReadOnly => 8,
            Error::Io(_) => 10,
            Error::Corrupt { .. } => 11,
            Error::Full => 13,
            Error::CantOpen(_) => 14,
            Error::Constraint(_)
            | Error::Check(_)
            | Error::Unique(_)
            | Error::NotNull(_)
            | Error::Datatype { .. }
            | Error::Raise(_)
            | Error::RaiseFail(_)
            | Error::RaiseRollback(_)
            | Error::RaiseIgnore => 19,
            Error::ColumnType(_) => 20,
            Error::Misuse(_) => 21,
            Error::NotADatabase(_) => 26,
            Error::NoRows => 101,
        }
    }

    /// A `Corrupt` error found on `page`.
    pub const fn corrupt(page: PageNo, reason: &'static str) -> Self {
        Error::Corrupt {
            page: Some(page),
            reason,
        }
    }

    /// A `Corrupt` error not tied to one page (the header, a file length).
    pub const fn corrupt_file(reason: &'static str) -> Self {
        Error::Corrupt { page: None, reason }
    }
}

impl From<OutOfMemory> for Error {
    fn from(_: OutOfMemory) -> Self {
        Error::OutOfMemory
    }
}

/// A platform failure becomes the error SQLite would report for it: a full
/// allocator is `OutOfMemory`, a full device `Full`, a read-only medium
/// `ReadOnly`, anything else `Io`.
impl From<PlatformError> for Error {
    fn from(e: PlatformError) -> Self {
        match e.kind() {
            ErrorKind::OutOfMemory => Error::OutOfMemory,
            ErrorKind::NoSpace => Error::Full,
            ErrorKind::ReadOnly => Error::ReadOnly,
            ErrorKind::Busy => Error::Busy,
            _ => Error::Io(e),
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
#[allow(clippy::disallowed_methods, clippy::disallowed_macros)] // std's `to_string` and `format!` check the messages
mod tests {
    use super::*;

    #[test]
    fn codes_are_sqlites_primary_result_codes() {
        let io = PlatformError::new(ErrorKind::Io);
        let cases = [
            (Error::Sql("no such table"), 1),
            (Error::TransactionAborted, 1),
            (Error::Abort("row changed"), 4),
            (Error::Busy, 5),
            (Error::BusyConflict, 5),
            (Error::BusySchema, 5),
            (Error::OutOfMemory, 7),
            (Error::CacheFull, 7),
            (Error::ReadOnly, 8),
            (Error::Io(io), 10),
            (Error::corrupt_file("bad"), 11),
            (Error::Full, 13),
            (Error::CantOpen("no file"), 14),
            (Error::Constraint("UNIQUE"), 19),
            (Error::Misuse("statement finalized"), 21),
            (Error::NotADatabase("bad magic"), 26),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    #[test]
    fn platform_failures_map_to_what_sqlite_reports() {
        let from = |kind| Error::from(PlatformError::new(kind));
        assert_eq!(from(ErrorKind::OutOfMemory), Error::OutOfMemory);
        assert_eq!(from(ErrorKind::NoSpace), Error::Full);
        assert_eq!(from(ErrorKind::ReadOnly), Error::ReadOnly);
        assert_eq!(from(ErrorKind::Io).code(), 10);
        assert_eq!(from(ErrorKind::UnexpectedEof).code(), 10);
        assert_eq!(Error::from(OutOfMemory), Error::OutOfMemory);
    }

    #[test]
    fn named_errors_put_their_names_where_sqlite_does() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(
            Named::NoSuchColumn.error("\"zz\"").to_string(),
            "SQL error: no such column: \"\"zz\"\""
        );
        assert_eq!(
            Named::IndexAfterDrop.error2("ti", "c").to_string(),
            "SQL error: error in index ti after drop column: no such column: c"
        );
        // Each of two names keeps what fits in half the error's room.
        let long = Named::TableAfterDrop.error2("a_very_long_table_name", "column");
        assert_eq!(
            long.to_string(),
            "SQL error: error in table a_very_lon after drop column: no such column: column"
        );
        assert_eq!(long.code(), 1);
        assert_eq!(core::mem::size_of::<Error>(), 32);
    }

    #[test]
    fn out_of_range_terms_are_worded_as_sqlite_words_them() {
        extern crate std;
        use std::string::ToString;
        let error = |term, clause| Error::TermOutOfRange {
            clause,
            term,
            columns: 2,
        };
        let cases = [
            (1, ByClause::Order, "1st ORDER BY"),
            (2, ByClause::Group, "2nd GROUP BY"),
            (3, ByClause::Order, "3rd ORDER BY"),
            (4, ByClause::Order, "4th ORDER BY"),
            (11, ByClause::Order, "11th ORDER BY"),
            (12, ByClause::Order, "12th ORDER BY"),
            (13, ByClause::Order, "13th ORDER BY"),
            (21, ByClause::Order, "21st ORDER BY"),
            (102, ByClause::Order, "102nd ORDER BY"),
            (111, ByClause::Order, "111th ORDER BY"),
        ];
        for (term, clause, words) in cases {
            assert_eq!(
                error(term, clause).to_string(),
                std::format!("SQL error: {words} term out of range - should be between 1 and 2")
            );
        }
    }

    #[test]
    fn check_failures_name_their_constraint_without_memory() {
        extern crate std;
        use std::string::ToString;
        let short = Error::Check(ConstraintName::new("typeof(x)='integer'"));
        assert_eq!(
            short.to_string(),
            "constraint failed: CHECK constraint failed: typeof(x)='integer'"
        );
        assert_eq!(short.code(), 19);
        let long = ConstraintName::new("length(name) BETWEEN 1 AND 100");
        assert_eq!(long.to_string(), "length(name) BETWEEN 1...");
        let accent = ConstraintName::new("aaaaaaaaaaaaaaaaaaaaaé");
        assert_eq!(accent.to_string(), "aaaaaaaaaaaaaaaaaaaaa...");
        // The name fits beside the other variants: errors stay as small
        // as they were.
        assert_eq!(core::mem::size_of::<Error>(), 32);
    }

    #[test]
    fn corrupt_names_its_page() {
        extern crate std;
        use std::string::ToString;
        let page = PageNo::new(7).unwrap();
        assert_eq!(
            Error::corrupt(page, "freelist loops").to_string(),
            "database disk image is malformed: freelist loops (page 7)"
        );
        assert_eq!(
            Error::corrupt_file("file is truncated").to_string(),
            "database disk image is malformed: file is truncated"
        );
        assert_eq!(core::mem::size_of::<Option<PageNo>>(), 4);
    }
}
