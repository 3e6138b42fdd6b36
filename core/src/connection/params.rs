//! [`ToValue`]: a Rust value bound to a statement's parameter;
//! [`Params`]: a statement's parameters given at once, by position
//! ([`params!`](crate::params), a slice of [`ValueRef`]) or by name
//! ([`named_params!`](crate::named_params)).
//!
//! Invariants: binding never converts a value's type (an `i32` is an
//! INTEGER, a `&str` TEXT, `None` NULL), and never drops one: positional
//! parameters must be exactly as many as the statement takes, and each
//! name must be one of the statement's, else the binding fails with
//! [`Error::Misuse`] before the statement runs.

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
    /// Binds the parameters to `stmt`, every other parameter of it NULL.
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()>;
}

/// Binds `values` in order: as many as `stmt` takes.
fn bind_positional<'v, P: Platform, A: Allocator + Clone>(
    stmt: &mut Statement<'_, '_, P, A>,
    values: impl ExactSizeIterator<Item = Result<ValueRef<'v>>>,
) -> Result<()> {
    if values.len() != stmt.parameter_count() {
        return Err(Error::Misuse(
            "the parameters given are not as many as the statement takes",
        ));
    }
    for (i, value) in values.enumerate() {
        stmt.bind(i + 1, value?)?;
    }
    Ok(())
}

impl Params for () {
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        bind_positional(stmt, core::iter::empty())
    }
}

impl Params for &[ValueRef<'_>] {
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        bind_positional(stmt, self.iter().map(|v| Ok(*v)))
    }
}

impl<const N: usize> Params for &[ValueRef<'_>; N] {
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        bind_positional(stmt, self.iter().map(|v| Ok(*v)))
    }
}

impl Params for &[&dyn ToValue] {
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        bind_positional(stmt, self.iter().map(|v| v.to_value()))
    }
}

impl Params for &[(&str, &dyn ToValue)] {
    fn bind_to<P: Platform, A: Allocator + Clone>(
        &self,
        stmt: &mut Statement<'_, '_, P, A>,
    ) -> Result<()> {
        stmt.clear_bindings();
        for (name, value) in self.iter() {
            stmt.bind_name(name, value.to_value()?)?;
        }
        Ok(())
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
