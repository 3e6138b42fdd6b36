//! `STRICT` tables: the datatypes a column of one declares ([`Datatype`]),
//! the values each holds, and SQLite's refusals of a column without one.
//!
//! Invariants, as SQLite keeps them: every column of a `STRICT` table
//! declares one of `ANY`, `BLOB`, `INT`, `INTEGER`, `REAL` or `TEXT` (its
//! whole type text, in any case); a value stored in it is given the
//! type's affinity first (none for `ANY` and `BLOB`), then must be NULL
//! or of the type: an integer or real in `REAL`, an integer in `INT` and
//! `INTEGER`, text in `TEXT`, a blob in `BLOB`, anything in `ANY`.

use core::fmt;

use crate::alloc::Allocator;
use crate::record::ValueRef;
use crate::sql::{Affinity, ColumnDef, TypeName};
use crate::{ConstraintName, Error, Named, Result};

/// A datatype of a `STRICT` table's column, or the type of a value it
/// would store (`Int`, `Real`, `Text` or `Blob`), named as SQLite names
/// them in its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// `ANY`: any value, stored as given.
    Any,
    /// `BLOB`
    Blob,
    /// `INT`
    Int,
    /// `INTEGER`
    Integer,
    /// `REAL`
    Real,
    /// `TEXT`
    Text,
}

impl Datatype {
    /// The datatypes, in the order SQLite lists them.
    const ALL: [Datatype; 6] = [
        Datatype::Any,
        Datatype::Blob,
        Datatype::Int,
        Datatype::Integer,
        Datatype::Real,
        Datatype::Text,
    ];

    /// The datatype `type_name` declares in a `STRICT` table; `None` for
    /// no type or any other.
    pub fn declared(type_name: Option<&TypeName<'_>>) -> Option<Datatype> {
        let text = type_name?.text;
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text))
    }

    /// Its name, in capitals.
    pub const fn name(self) -> &'static str {
        match self {
            Datatype::Any => "ANY",
            Datatype::Blob => "BLOB",
            Datatype::Int => "INT",
            Datatype::Integer => "INTEGER",
            Datatype::Real => "REAL",
            Datatype::Text => "TEXT",
        }
    }

    /// The affinity a column of this datatype gives a value stored in it.
    pub const fn affinity(self) -> Affinity {
        match self {
            Datatype::Any | Datatype::Blob => Affinity::Blob,
            Datatype::Int | Datatype::Integer => Affinity::Integer,
            Datatype::Real => Affinity::Real,
            Datatype::Text => Affinity::Text,
        }
    }

    /// Checks that a column of this datatype may hold `value` (given its
    /// affinity already): the error names the column `table.column`.
    pub fn check(self, value: ValueRef<'_>, table: &str, column: &str) -> Result<()> {
        let found = match value {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(_) => Datatype::Int,
            ValueRef::Real(_) => Datatype::Real,
            ValueRef::Text(_) => Datatype::Text,
            ValueRef::Blob(_) => Datatype::Blob,
        };
        let holds = match self {
            Datatype::Any => true,
            Datatype::Int | Datatype::Integer => found == Datatype::Int,
            Datatype::Real => matches!(found, Datatype::Int | Datatype::Real),
            other => found == other,
        };
        match holds {
            true => Ok(()),
            false => Err(Error::Datatype {
                mismatch: Mismatch::new(found, self),
                name: ConstraintName::format(format_args!("{table}.{column}")),
            }),
        }
    }
}

/// A value's type and the datatype of the column that refused it, in
/// one byte, so that [`Error`] stays the size it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Mismatch(u8);

impl Mismatch {
    /// The value of type `value` refused by a column of `column`.
    pub fn new(value: Datatype, column: Datatype) -> Self {
        Mismatch(Self::index(value) << 4 | Self::index(column))
    }

    /// The value's type.
    pub fn value(self) -> Datatype {
        Self::at(self.0 >> 4)
    }

    /// The column's datatype.
    pub fn column(self) -> Datatype {
        Self::at(self.0 & 0x0f)
    }

    fn index(t: Datatype) -> u8 {
        match t {
            Datatype::Any => 0,
            Datatype::Blob => 1,
            Datatype::Int => 2,
            Datatype::Integer => 3,
            Datatype::Real => 4,
            Datatype::Text => 5,
        }
    }

    fn at(i: u8) -> Datatype {
        Datatype::ALL
            .get(usize::from(i))
            .copied()
            .unwrap_or(Datatype::Any)
    }
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} in {:?}", self.value(), self.column())
    }
}

impl fmt::Display for Datatype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The statement whose `STRICT` table's columns are checked, which
/// words the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checked {
    /// `CREATE TABLE`
    Create,
    /// `ALTER TABLE ... ADD COLUMN`
    AddColumn,
}

/// Refuses the columns `defs` of the `STRICT` table `table` when one
/// declares no datatype, in SQLite's words (`missing datatype for t.a`,
/// `unknown datatype for t.a: "VARCHAR(10)"`, after `error in table t
/// after add column: ` for a column added).
pub(crate) fn check_declared<A: Allocator>(
    table: &str,
    defs: &[ColumnDef<'_, A>],
    checked: Checked,
) -> Result<()> {
    let Some((def, declared)) =
        defs.iter()
            .find_map(|def| match Datatype::declared(def.type_name.as_ref()) {
                Some(_) => None,
                None => Some((def, def.type_name.map(|t| t.text))),
            })
    else {
        return Ok(());
    };
    let column = def.name.as_str().unwrap_or_else(|| def.name.inner());
    let name = |args: fmt::Arguments<'_>| ConstraintName::format(args);
    Err(match (checked, declared) {
        (Checked::Create, None) => Error::Named(
            Named::MissingDatatype,
            name(format_args!("{table}.{column}")),
        ),
        (Checked::Create, Some(text)) => Error::Named(
            Named::UnknownDatatype,
            name(format_args!("{table}.{column}: \"{text}\"")),
        ),
        (Checked::AddColumn, None) => {
            let column = name(format_args!("{table}.{column}"));
            Named::MissingDatatypeAfterAdd.error2(table, column.as_str())
        }
        (Checked::AddColumn, Some(text)) => {
            let column = name(format_args!("{table}.{column}: \"{text}\""));
            Named::UnknownDatatypeAfterAdd.error2(table, column.as_str())
        }
    })
}
