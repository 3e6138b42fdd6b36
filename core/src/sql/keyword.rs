//! SQLite's keywords: the [`Keyword`] enum, case-insensitive lookup, and
//! which keywords may also serve as names.
//!
//! The list is SQLite's (`mkkeywordhash.c`), minus the three that SQLite's
//! tokenizer demotes to identifiers unless a window clause follows
//! (`WINDOW`, `OVER`, `FILTER`): those words are identifiers here, and the
//! parser reads them as a clause where one can follow (see
//! `parser::window`). `TRUE` and `FALSE` are not keywords
//! in SQLite either. `TEMPORARY` is its own variant but means `TEMP`.
//!
//! Invariant: [`Keyword::lookup`] matches ASCII letters only, ignoring
//! case, and never allocates; every keyword is at most
//! [`MAX_KEYWORD_LEN`] bytes long.

/// The length of the longest keyword, `CURRENT_TIMESTAMP`.
pub const MAX_KEYWORD_LEN: usize = 17;

/// One SQLite keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the keyword it names
pub enum Keyword {
    Abort,
    Action,
    Add,
    After,
    All,
    Alter,
    Always,
    Analyze,
    And,
    As,
    Asc,
    Attach,
    Autoincrement,
    Before,
    Begin,
    Between,
    By,
    Cascade,
    Case,
    Cast,
    Check,
    Collate,
    Column,
    Commit,
    Conflict,
    Constraint,
    Create,
    Cross,
    Current,
    CurrentDate,
    CurrentTime,
    CurrentTimestamp,
    Database,
    Default,
    Deferrable,
    Deferred,
    Delete,
    Desc,
    Detach,
    Distinct,
    Do,
    Drop,
    Each,
    Else,
    End,
    Escape,
    Except,
    Exclude,
    Exclusive,
    Exists,
    Explain,
    Fail,
    First,
    Following,
    For,
    Foreign,
    From,
    Full,
    Generated,
    Glob,
    Group,
    Groups,
    Having,
    If,
    Ignore,
    Immediate,
    In,
    Index,
    Indexed,
    Initially,
    Inner,
    Insert,
    Instead,
    Intersect,
    Into,
    Is,
    Isnull,
    Join,
    Key,
    Last,
    Left,
    Like,
    Limit,
    Match,
    Materialized,
    Natural,
    No,
    Not,
    Nothing,
    Notnull,
    Null,
    Nulls,
    Of,
    Offset,
    On,
    Or,
    Order,
    Others,
    Outer,
    Partition,
    Plan,
    Pragma,
    Preceding,
    Primary,
    Query,
    Raise,
    Range,
    Recursive,
    References,
    Regexp,
    Reindex,
    Release,
    Rename,
    Replace,
    Restrict,
    Returning,
    Right,
    Rollback,
    Row,
    Rows,
    Savepoint,
    Select,
    Set,
    Table,
    Temp,
    Temporary,
    Then,
    Ties,
    To,
    Transaction,
    Trigger,
    Unbounded,
    Union,
    Unique,
    Update,
    Using,
    Vacuum,
    Values,
    View,
    Virtual,
    When,
    Where,
    With,
    Without,
}

impl Keyword {
    /// The keyword spelled `word` (any ASCII case), if it is one.
    pub fn lookup(word: &str) -> Option<Keyword> {
        if word.len() > MAX_KEYWORD_LEN || word.len() < 2 {
            return None;
        }
        let mut upper = [0u8; MAX_KEYWORD_LEN];
        for (slot, byte) in upper.iter_mut().zip(word.bytes()) {
            *slot = byte.to_ascii_uppercase();
        }
        let upper = upper.get(..word.len())?;
        Some(match upper {
            b"ABORT" => Keyword::Abort,
            b"ACTION" => Keyword::Action,
            b"ADD" => Keyword::Add,
            b"AFTER" => Keyword::After,
            b"ALL" => Keyword::All,
            b"ALTER" => Keyword::Alter,
            b"ALWAYS" => Keyword::Always,
            b"ANALYZE" => Keyword::Analyze,
            b"AND" => Keyword::And,
            b"AS" => Keyword::As,
            b"ASC" => Keyword::Asc,
            b"ATTACH" => Keyword::Attach,
            b"AUTOINCREMENT" => Keyword::Autoincrement,
            b"BEFORE" => Keyword::Before,
            b"BEGIN" => Keyword::Begin,
            b"BETWEEN" => Keyword::Between,
            b"BY" => Keyword::By,
            b"CASCADE" => Keyword::Cascade,
            b"CASE" => Keyword::Case,
            b"CAST" => Keyword::Cast,
            b"CHECK" => Keyword::Check,
            b"COLLATE" => Keyword::Collate,
            b"COLUMN" => Keyword::Column,
            b"COMMIT" => Keyword::Commit,
            b"CONFLICT" => Keyword::Conflict,
            b"CONSTRAINT" => Keyword::Constraint,
            b"CREATE" => Keyword::Create,
            b"CROSS" => Keyword::Cross,
            b"CURRENT" => Keyword::Current,
            b"CURRENT_DATE" => Keyword::CurrentDate,
            b"CURRENT_TIME" => Keyword::CurrentTime,
            b"CURRENT_TIMESTAMP" => Keyword::CurrentTimestamp,
            b"DATABASE" => Keyword::Database,
            b"DEFAULT" => Keyword::Default,
            b"DEFERRABLE" => Keyword::Deferrable,
            b"DEFERRED" => Keyword::Deferred,
            b"DELETE" => Keyword::Delete,
            b"DESC" => Keyword::Desc,
            b"DETACH" => Keyword::Detach,
            b"DISTINCT" => Keyword::Distinct,
            b"DO" => Keyword::Do,
            b"DROP" => Keyword::Drop,
            b"EACH" => Keyword::Each,
            b"ELSE" => Keyword::Else,
            b"END" => Keyword::End,
            b"ESCAPE" => Keyword::Escape,
            b"EXCEPT" => Keyword::Except,
            b"EXCLUDE" => Keyword::Exclude,
            b"EXCLUSIVE" => Keyword::Exclusive,
            b"EXISTS" => Keyword::Exists,
            b"EXPLAIN" => Keyword::Explain,
            b"FAIL" => Keyword::Fail,
            b"FIRST" => Keyword::First,
            b"FOLLOWING" => Keyword::Following,
            b"FOR" => Keyword::For,
            b"FOREIGN" => Keyword::Foreign,
            b"FROM" => Keyword::From,
            b"FULL" => Keyword::Full,
            b"GENERATED" => Keyword::Generated,
            b"GLOB" => Keyword::Glob,
            b"GROUP" => Keyword::Group,
            b"GROUPS" => Keyword::Groups,
            b"HAVING" => Keyword::Having,
            b"IF" => Keyword::If,
            b"IGNORE" => Keyword::Ignore,
            b"IMMEDIATE" => Keyword::Immediate,
            b"IN" => Keyword::In,
            b"INDEX" => Keyword::Index,
            b"INDEXED" => Keyword::Indexed,
            b"INITIALLY" => Keyword::Initially,
            b"INNER" => Keyword::Inner,
            b"INSERT" => Keyword::Insert,
            b"INSTEAD" => Keyword::Instead,
            b"INTERSECT" => Keyword::Intersect,
            b"INTO" => Keyword::Into,
            b"IS" => Keyword::Is,
            b"ISNULL" => Keyword::Isnull,
            b"JOIN" => Keyword::Join,
            b"KEY" => Keyword::Key,
            b"LAST" => Keyword::Last,
            b"LEFT" => Keyword::Left,
            b"LIKE" => Keyword::Like,
            b"LIMIT" => Keyword::Limit,
            b"MATCH" => Keyword::Match,
            b"MATERIALIZED" => Keyword::Materialized,
            b"NATURAL" => Keyword::Natural,
            b"NO" => Keyword::No,
            b"NOT" => Keyword::Not,
            b"NOTHING" => Keyword::Nothing,
            b"NOTNULL" => Keyword::Notnull,
            b"NULL" => Keyword::Null,
            b"NULLS" => Keyword::Nulls,
            b"OF" => Keyword::Of,
            b"OFFSET" => Keyword::Offset,
            b"ON" => Keyword::On,
            b"OR" => Keyword::Or,
            b"ORDER" => Keyword::Order,
            b"OTHERS" => Keyword::Others,
            b"OUTER" => Keyword::Outer,
            b"PARTITION" => Keyword::Partition,
            b"PLAN" => Keyword::Plan,
            b"PRAGMA" => Keyword::Pragma,
            b"PRECEDING" => Keyword::Preceding,
            b"PRIMARY" => Keyword::Primary,
            b"QUERY" => Keyword::Query,
            b"RAISE" => Keyword::Raise,
            b"RANGE" => Keyword::Range,
            b"RECURSIVE" => Keyword::Recursive,
            b"REFERENCES" => Keyword::References,
            b"REGEXP" => Keyword::Regexp,
            b"REINDEX" => Keyword::Reindex,
            b"RELEASE" => Keyword::Release,
            b"RENAME" => Keyword::Rename,
            b"REPLACE" => Keyword::Replace,
            b"RESTRICT" => Keyword::Restrict,
            b"RETURNING" => Keyword::Returning,
            b"RIGHT" => Keyword::Right,
            b"ROLLBACK" => Keyword::Rollback,
            b"ROW" => Keyword::Row,
            b"ROWS" => Keyword::Rows,
            b"SAVEPOINT" => Keyword::Savepoint,
            b"SELECT" => Keyword::Select,
            b"SET" => Keyword::Set,
            b"TABLE" => Keyword::Table,
            b"TEMP" => Keyword::Temp,
            b"TEMPORARY" => Keyword::Temporary,
            b"THEN" => Keyword::Then,
            b"TIES" => Keyword::Ties,
            b"TO" => Keyword::To,
            b"TRANSACTION" => Keyword::Transaction,
            b"TRIGGER" => Keyword::Trigger,
            b"UNBOUNDED" => Keyword::Unbounded,
            b"UNION" => Keyword::Union,
            b"UNIQUE" => Keyword::Unique,
            b"UPDATE" => Keyword::Update,
            b"USING" => Keyword::Using,
            b"VACUUM" => Keyword::Vacuum,
            b"VALUES" => Keyword::Values,
            b"VIEW" => Keyword::View,
            b"VIRTUAL" => Keyword::Virtual,
            b"WHEN" => Keyword::When,
            b"WHERE" => Keyword::Where,
            b"WITH" => Keyword::With,
            b"WITHOUT" => Keyword::Without,
            _ => return None,
        })
    }

    /// The keyword in upper case, as SQL text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Keyword::Abort => "ABORT",
            Keyword::Action => "ACTION",
            Keyword::Add => "ADD",
            Keyword::After => "AFTER",
            Keyword::All => "ALL",
            Keyword::Alter => "ALTER",
            Keyword::Always => "ALWAYS",
            Keyword::Analyze => "ANALYZE",
            Keyword::And => "AND",
            Keyword::As => "AS",
            Keyword::Asc => "ASC",
            Keyword::Attach => "ATTACH",
            Keyword::Autoincrement => "AUTOINCREMENT",
            Keyword::Before => "BEFORE",
            Keyword::Begin => "BEGIN",
            Keyword::Between => "BETWEEN",
            Keyword::By => "BY",
            Keyword::Cascade => "CASCADE",
            Keyword::Case => "CASE",
            Keyword::Cast => "CAST",
            Keyword::Check => "CHECK",
            Keyword::Collate => "COLLATE",
            Keyword::Column => "COLUMN",
            Keyword::Commit => "COMMIT",
            Keyword::Conflict => "CONFLICT",
            Keyword::Constraint => "CONSTRAINT",
            Keyword::Create => "CREATE",
            Keyword::Cross => "CROSS",
            Keyword::Current => "CURRENT",
            Keyword::CurrentDate => "CURRENT_DATE",
            Keyword::CurrentTime => "CURRENT_TIME",
            Keyword::CurrentTimestamp => "CURRENT_TIMESTAMP",
            Keyword::Database => "DATABASE",
            Keyword::Default => "DEFAULT",
            Keyword::Deferrable => "DEFERRABLE",
            Keyword::Deferred => "DEFERRED",
            Keyword::Delete => "DELETE",
            Keyword::Desc => "DESC",
            Keyword::Detach => "DETACH",
            Keyword::Distinct => "DISTINCT",
            Keyword::Do => "DO",
            Keyword::Drop => "DROP",
            Keyword::Each => "EACH",
            Keyword::Else => "ELSE",
            Keyword::End => "END",
            Keyword::Escape => "ESCAPE",
            Keyword::Except => "EXCEPT",
            Keyword::Exclude => "EXCLUDE",
            Keyword::Exclusive => "EXCLUSIVE",
            Keyword::Exists => "EXISTS",
            Keyword::Explain => "EXPLAIN",
            Keyword::Fail => "FAIL",
            Keyword::First => "FIRST",
            Keyword::Following => "FOLLOWING",
            Keyword::For => "FOR",
            Keyword::Foreign => "FOREIGN",
            Keyword::From => "FROM",
            Keyword::Full => "FULL",
            Keyword::Generated => "GENERATED",
            Keyword::Glob => "GLOB",
            Keyword::Group => "GROUP",
            Keyword::Groups => "GROUPS",
            Keyword::Having => "HAVING",
            Keyword::If => "IF",
            Keyword::Ignore => "IGNORE",
            Keyword::Immediate => "IMMEDIATE",
            Keyword::In => "IN",
            Keyword::Index => "INDEX",
            Keyword::Indexed => "INDEXED",
            Keyword::Initially => "INITIALLY",
            Keyword::Inner => "INNER",
            Keyword::Insert => "INSERT",
            Keyword::Instead => "INSTEAD",
            Keyword::Intersect => "INTERSECT",
            Keyword::Into => "INTO",
            Keyword::Is => "IS",
            Keyword::Isnull => "ISNULL",
            Keyword::Join => "JOIN",
            Keyword::Key => "KEY",
            Keyword::Last => "LAST",
            Keyword::Left => "LEFT",
            Keyword::Like => "LIKE",
            Keyword::Limit => "LIMIT",
            Keyword::Match => "MATCH",
            Keyword::Materialized => "MATERIALIZED",
            Keyword::Natural => "NATURAL",
            Keyword::No => "NO",
            Keyword::Not => "NOT",
            Keyword::Nothing => "NOTHING",
            Keyword::Notnull => "NOTNULL",
            Keyword::Null => "NULL",
            Keyword::Nulls => "NULLS",
            Keyword::Of => "OF",
            Keyword::Offset => "OFFSET",
            Keyword::On => "ON",
            Keyword::Or => "OR",
            Keyword::Order => "ORDER",
            Keyword::Others => "OTHERS",
            Keyword::Outer => "OUTER",
            Keyword::Partition => "PARTITION",
            Keyword::Plan => "PLAN",
            Keyword::Pragma => "PRAGMA",
            Keyword::Preceding => "PRECEDING",
            Keyword::Primary => "PRIMARY",
            Keyword::Query => "QUERY",
            Keyword::Raise => "RAISE",
            Keyword::Range => "RANGE",
            Keyword::Recursive => "RECURSIVE",
            Keyword::References => "REFERENCES",
            Keyword::Regexp => "REGEXP",
            Keyword::Reindex => "REINDEX",
            Keyword::Release => "RELEASE",
            Keyword::Rename => "RENAME",
            Keyword::Replace => "REPLACE",
            Keyword::Restrict => "RESTRICT",
            Keyword::Returning => "RETURNING",
            Keyword::Right => "RIGHT",
            Keyword::Rollback => "ROLLBACK",
            Keyword::Row => "ROW",
            Keyword::Rows => "ROWS",
            Keyword::Savepoint => "SAVEPOINT",
            Keyword::Select => "SELECT",
            Keyword::Set => "SET",
            Keyword::Table => "TABLE",
            Keyword::Temp => "TEMP",
            Keyword::Temporary => "TEMPORARY",
            Keyword::Then => "THEN",
            Keyword::Ties => "TIES",
            Keyword::To => "TO",
            Keyword::Transaction => "TRANSACTION",
            Keyword::Trigger => "TRIGGER",
            Keyword::Unbounded => "UNBOUNDED",
            Keyword::Union => "UNION",
            Keyword::Unique => "UNIQUE",
            Keyword::Update => "UPDATE",
            Keyword::Using => "USING",
            Keyword::Vacuum => "VACUUM",
            Keyword::Values => "VALUES",
            Keyword::View => "VIEW",
            Keyword::Virtual => "VIRTUAL",
            Keyword::When => "WHEN",
            Keyword::Where => "WHERE",
            Keyword::With => "WITH",
            Keyword::Without => "WITHOUT",
        }
    }

    /// Whether SQLite's grammar lets this keyword stand for a name where
    /// the keyword itself cannot appear (the `%fallback ID` list of
    /// `parse.y`): `CREATE TABLE t(key, desc, end)` is valid SQL.
    pub const fn can_be_name(self) -> bool {
        matches!(
            self,
            Keyword::Abort
                | Keyword::Action
                | Keyword::After
                | Keyword::Always
                | Keyword::Analyze
                | Keyword::Asc
                | Keyword::Attach
                | Keyword::Before
                | Keyword::Begin
                | Keyword::By
                | Keyword::Cascade
                | Keyword::Cast
                | Keyword::Column
                | Keyword::Conflict
                | Keyword::Current
                | Keyword::CurrentDate
                | Keyword::CurrentTime
                | Keyword::CurrentTimestamp
                | Keyword::Database
                | Keyword::Deferred
                | Keyword::Desc
                | Keyword::Detach
                | Keyword::Do
                | Keyword::Each
                | Keyword::End
                | Keyword::Exclude
                | Keyword::Exclusive
                | Keyword::Explain
                | Keyword::Fail
                | Keyword::First
                | Keyword::Following
                | Keyword::For
                | Keyword::Generated
                | Keyword::Glob
                | Keyword::Groups
                | Keyword::If
                | Keyword::Ignore
                | Keyword::Immediate
                | Keyword::Initially
                | Keyword::Instead
                | Keyword::Key
                | Keyword::Last
                | Keyword::Like
                | Keyword::Match
                | Keyword::Materialized
                | Keyword::No
                | Keyword::Nulls
                | Keyword::Of
                | Keyword::Offset
                | Keyword::Others
                | Keyword::Partition
                | Keyword::Plan
                | Keyword::Pragma
                | Keyword::Preceding
                | Keyword::Query
                | Keyword::Raise
                | Keyword::Range
                | Keyword::Recursive
                | Keyword::Regexp
                | Keyword::Reindex
                | Keyword::Release
                | Keyword::Rename
                | Keyword::Replace
                | Keyword::Restrict
                | Keyword::Rollback
                | Keyword::Row
                | Keyword::Rows
                | Keyword::Savepoint
                | Keyword::Temp
                | Keyword::Temporary
                | Keyword::Ties
                | Keyword::Trigger
                | Keyword::Unbounded
                | Keyword::Vacuum
                | Keyword::View
                | Keyword::Virtual
                | Keyword::With
                | Keyword::Without
        )
    }

    /// Whether this is one of the join operator words (`NATURAL`, `LEFT`,
    /// ...), which SQLite also accepts as column and table names.
    pub const fn is_join_word(self) -> bool {
        matches!(
            self,
            Keyword::Cross
                | Keyword::Full
                | Keyword::Inner
                | Keyword::Left
                | Keyword::Natural
                | Keyword::Outer
                | Keyword::Right
        )
    }
}
