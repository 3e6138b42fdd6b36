//! [`ToValue`]: a Rust value bound to a statement's parameter;
//! [`Params`]: a statement's parameters given at once, by position
//! ([`params!`](crate::params), a slice of [`ValueRef`]) or by name
//! ([`named_params!`](crate::named_params)).
//!
//! Invariants: binding never converts a value's type (an `i32` is an
//! INTEGER, a `&str` TEXT, `None` NULL), and never drops one: positional
//! parameters must be exactly as many as the statement takes (in a
//! script, as the most any of its statements takes, each taking the
//! first ones), and each name must be one of the statement's (in a
//! script, of one of them), else the binding fails with
//! [`Error::Misuse`] before the statement (the script) runs.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::record::ValueRef;
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::statement::Statement;

/// A Rust value that binds to a SQL parameter.
pub trait ToValue {
    /// The value as SQL sees it; an error for a value SQL cannot hold (a
    /// `u64` past `i64::MAX`).
    fn to_value(&self) -> Result<ValueRef<'_>>;
}

macro_rules! integer_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Result<ValueRef<'_>> {
                Ok(ValueRef::Integer(i64::from(*self)))
            }
        }
    )*};
}

integer_to_value!(i8, i16, i32, i64, u8, u16, u32, bool);

impl ToValue for u64 {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        i64::try_from(*self)
            .map(ValueRef::Integer)
            .map_err(|_| Error::Misuse("a u64 parameter past i64::MAX"))
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        i64::try_from(*self)
            .map(ValueRef::Integer)
            .map_err(|_| Error::Misuse("a usize parameter past i64::MAX"))
    }
}

impl ToValue for f64 {
    /// A REAL; NaN binds NULL, as SQLite binds it.
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::real(*self))
    }
}

impl ToValue for f32 {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::real(f64::from(*self)))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::text(self))
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl ToValue for ValueRef<'_> {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(*self)
    }
}

impl<A: Allocator> ToValue for Value<A> {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        Ok(self.as_ref())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    /// `None` binds NULL.
    fn to_value(&self) -> Result<ValueRef<'_>> {
        match self {
            Some(value) => value.to_value(),
            None => Ok(ValueRef::Null),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Result<ValueRef<'_>> {
        (**self).to_value()
    }
}

/// A statement's parameters, given together to
/// [`Connection::execute`](super::Connection::execute),
/// [`Statement::execute`], [`Statement::query`] and the like.
///
/// Made by [`params!`](crate::params) (by position),
/// [`named_params!`](crate::named_params) (by name), a slice or array of
/// [`ValueRef`], or `()` for none.
pub trait Params {
    /// The parameters as a list.
    fn list(&self) -> ParamList<'_>;
}

/// Parameters by position or by name (see [`Params`]).
#[derive(Clone, Copy)]
pub enum ParamList<'p> {
    /// By position, as values.
    Values(&'p [ValueRef<'p>]),
    /// By position, as Rust values.
    Rust(&'p [&'p dyn ToValue]),
    /// By name (prefix included), as Rust values.
    Named(&'p [(&'p str, &'p dyn ToValue)]),
}

impl ParamList<'_> {
    /// How many parameters there are.
    pub fn len(&self) -> usize {
        match self {
            ParamList::Values(v) => v.len(),
            ParamList::Rust(v) => v.len(),
            ParamList::Named(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at position `i` (from 0) of a positional list.
    fn at(&self, i: usize) -> Result<ValueRef<'_>> {
        let value = match self {
            ParamList::Values(v) => v.get(i).copied().map(Ok),
            ParamList::Rust(v) => v.get(i).map(|v| v.to_value()),
            ParamList::Named(_) => None,
        };
        value.unwrap_or(Err(Error::Misuse(FEWER)))
    }

    /// Binds the list to `stmt`, the whole of it and nothing else: a
    /// positional list exactly as long as the parameters `stmt` takes,
    /// names each of `stmt`'s (the parameters not named are NULL).
    pub(crate) fn bind_all<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        if !matches!(self, ParamList::Named(_)) && self.len() != stmt.parameter_count() {
            return Err(Error::Misuse(match self.len() < stmt.parameter_count() {
                true => FEWER,
                false => MORE,
            }));
        }
        self.bind_taken(stmt, true)
    }

    /// Binds what `stmt` takes of the list, as one statement of a script
    /// whose parameters [`check_script`](Self::check_script) checked as
    /// a whole: the first values of a positional list, the names `stmt`
    /// has (all of them when `all`).
    pub(crate) fn bind_taken<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
        all: bool,
    ) -> Result<()> {
        match self {
            ParamList::Named(named) => {
                stmt.clear_bindings();
                for (name, value) in named.iter() {
                    match stmt.parameter_index(name) {
                        Some(i) => stmt.bind(i, value.to_value()?)?,
                        None if all => return Err(Error::Misuse(NO_NAME)),
                        None => {}
                    }
                }
            }
            ParamList::Values(_) | ParamList::Rust(_) => {
                for i in 0..stmt.parameter_count() {
                    stmt.bind(i + 1, self.at(i)?)?;
                }
            }
        }
        Ok(())
    }

    /// Checks the list against the statements of a script, `counts`
    /// the parameters each takes and `has` whether one of them has a
    /// parameter of a name: a positional list as long as the most any
    /// takes, each name one that some statement has.
    pub(crate) fn check_script(
        &self,
        most: usize,
        mut has: impl FnMut(&str) -> Result<bool>,
    ) -> Result<()> {
        match self {
            ParamList::Named(named) => {
                for (name, _) in named.iter() {
                    if !has(name)? {
                        return Err(Error::Misuse(NO_NAME));
                    }
                }
                Ok(())
            }
            _ if self.len() < most => Err(Error::Misuse(FEWER)),
            _ if self.len() > most => Err(Error::Misuse(MORE)),
            _ => Ok(()),
        }
    }
}

/// Why a positional list too short is refused.
const FEWER: &str = "fewer parameters given than the statement takes";
/// Why a positional list too long is refused.
const MORE: &str = "more parameters given than the statement takes";
/// Why a name no statement has is refused.
const NO_NAME: &str = "no parameter of that name";

impl Params for () {
    fn list(&self) -> ParamList<'_> {
        ParamList::Values(&[])
    }
}

impl Params for &[ValueRef<'_>] {
    fn list(&self) -> ParamList<'_> {
        ParamList::Values(self)
    }
}

impl<const N: usize> Params for &[ValueRef<'_>; N] {
    fn list(&self) -> ParamList<'_> {
        ParamList::Values(*self)
    }
}

impl Params for &[&dyn ToValue] {
    fn list(&self) -> ParamList<'_> {
        ParamList::Rust(self)
    }
}

impl Params for &[(&str, &dyn ToValue)] {
    fn list(&self) -> ParamList<'_> {
        ParamList::Named(self)
    }
}

/// Parameters by position, for [`Params`]: `params![1, "two", 3.0]`.
/// Each argument is borrowed as a [`ToValue`].
///
/// ```
/// # let disk = boundlite::platform::MemoryPlatform::new();
/// # let db = boundlite::Database::open(&disk, "p.db", &boundlite::Config::DEFAULT, boundlite::alloc::Global)?;
/// let conn = db.connect();
/// conn.execute("CREATE TABLE t(a, b)", ())?;
/// conn.execute("INSERT INTO t VALUES (?1, ?2)", boundlite::params![7, "seven"])?;
/// # Ok::<(), boundlite::Error>(())
/// ```
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::connection::ToValue]
    };
    ($($value:expr),+ $(,)?) => {
        &[$(&$value as &dyn $crate::connection::ToValue),+] as &[&dyn $crate::connection::ToValue]
    };
}

/// Parameters by name, for [`Params`]: `named_params! {":a": 1, "@b":
/// "two"}`, each name written with its prefix. Parameters not named are
/// NULL.
///
/// ```
/// # let disk = boundlite::platform::MemoryPlatform::new();
/// # let db = boundlite::Database::open(&disk, "p.db", &boundlite::Config::DEFAULT, boundlite::alloc::Global)?;
/// let conn = db.connect();
/// conn.execute("CREATE TABLE t(a, b)", ())?;
/// conn.execute(
///     "INSERT INTO t VALUES (:a, :b)",
///     boundlite::named_params! {":a": 7, ":b": "seven"},
/// )?;
/// # Ok::<(), boundlite::Error>(())
/// ```
#[macro_export]
macro_rules! named_params {
    () => {
        &[] as &[(&str, &dyn $crate::connection::ToValue)]
    };
    ($($name:literal : $value:expr),+ $(,)?) => {
        &[$(($name, &$value as &dyn $crate::connection::ToValue)),+]
            as &[(&str, &dyn $crate::connection::ToValue)]
    };
}
