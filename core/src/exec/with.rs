//! [`Ctes`]: the `WITH` tables a query's names may read, its own and
//! those of the queries it is nested in, innermost first.
//!
//! Names resolve as SQLite resolves them: a `WITH` table's own query sees
//! every table of its `WITH` clause (those after it and itself included)
//! and those around the clause. Each link also says why it was made (its
//! [`Role`]) and the link it was made under (`caller`), so the chain of
//! links is the chain of `WITH` queries being opened: a name that leads
//! back to a table whose query is already being opened is SQLite's
//! "circular reference", except the one reference a recursive table's
//! recursive `SELECT` makes to it in its `FROM` (see `recursive`), which
//! reads the row the recursion is on.
//!
//! A name no `WITH` table has may name a view ([`with_query`]), whose
//! query runs under no link at all: a view sees no `WITH` table of the
//! statement that reads it.
//!
//! Invariant: a table's query is opened only under a link that is not in
//! the chain of its own opening, so opening a `WITH` table always ends.

use crate::alloc::Allocator;
use crate::error::Named;
use crate::sql::eval::Value;
use crate::sql::{Cte, Ident, QualifiedName, Select};
use crate::{Error, Result};

use super::Env;
use super::views::{self, Within};

/// Why a link of [`Ctes`] was made.
pub(crate) enum Role<'x, A: Allocator> {
    /// The `WITH` clause of a query.
    Scope,
    /// The query of the table runs under it.
    Opening(&'x Cte<'x, A>),
    /// A recursive `SELECT` of the table runs under it, the table bound
    /// to one row.
    Bound(&'x Cte<'x, A>, &'x [Value<A>]),
    /// The table is read as its one bound row.
    Reading(&'x Cte<'x, A>, &'x [Value<A>]),
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for Role<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Role<'_, A> {}

impl<'x, A: Allocator> Role<'x, A> {
    /// The table the link was made for, if any.
    fn cte(self) -> Option<&'x Cte<'x, A>> {
        match self {
            Role::Scope => None,
            Role::Opening(cte) | Role::Bound(cte, _) | Role::Reading(cte, _) => Some(cte),
        }
    }
}

/// The `WITH` tables in scope: one `WITH` clause's, then the ones
/// around it.
pub(crate) struct Ctes<'x, A: Allocator> {
    list: &'x [Cte<'x, A>],
    outer: Option<&'x Ctes<'x, A>>,
    role: Role<'x, A>,
    /// The link in effect when this one was made.
    caller: Option<&'x Ctes<'x, A>>,
}

/// What a name of a `WITH` table reads.
enum Found<'x, A: Allocator> {
    /// The table's query, run under `link`.
    Query(&'x Cte<'x, A>, Ctes<'x, A>),
    /// The table's one bound row, read under `link`.
    Row(&'x Cte<'x, A>, Ctes<'x, A>),
}

/// Whether `cte` is called `name`.
pub(crate) fn named<A: Allocator>(cte: &Cte<'_, A>, name: &Ident<'_>) -> bool {
    cte.name.as_str().map_or(name.raw() == cte.name.raw(), |n| {
        name.eq_ignore_ascii_case(n)
    })
}

/// Whether `a` and `b` are the same table of the same `WITH` clause.
fn same<A: Allocator>(a: &Cte<'_, A>, b: &Cte<'_, A>) -> bool {
    core::ptr::eq(
        a as *const Cte<'_, A> as *const (),
        b as *const Cte<'_, A> as *const (),
    )
}

impl<'x, A: Allocator> Ctes<'x, A> {
    /// The link of `select`'s `WITH` clause under `caller`.
    fn scope(list: &'x [Cte<'x, A>], caller: Option<&'x Ctes<'x, A>>) -> Self {
        Ctes {
            list,
            outer: caller,
            role: Role::Scope,
            caller,
        }
    }

    /// The table called `name` and the clause link it is in.
    fn locate(&self, name: &Ident<'_>) -> Option<(&'x Cte<'x, A>, &Ctes<'x, A>)> {
        match self.list.iter().find(|c| named(c, name)) {
            Some(cte) => Some((cte, self)),
            None => self.outer?.locate(name),
        }
    }

    /// Whether the table called `name` is a `WITH` table here.
    pub fn has(&self, name: &Ident<'_>) -> bool {
        self.locate(name).is_some()
    }

    /// Whether `cte`'s query is being opened in the chain of this link.
    fn opening(&self, cte: &Cte<'_, A>) -> bool {
        self.role.cte().is_some_and(|c| same(c, cte)) || self.caller.is_some_and(|c| c.opening(cte))
    }

    /// What the name `name` reads from this link; `None` when no `WITH`
    /// table has the name.
    fn find(&'x self, name: &Ident<'_>) -> Option<Result<Found<'x, A>>> {
        let (cte, at) = self.locate(name)?;
        let link = |role| Ctes {
            list: at.list,
            outer: at.outer,
            role,
            caller: Some(self),
        };
        if let Role::Bound(bound, row) = self.role {
            if same(bound, cte) {
                return Some(Ok(Found::Row(cte, link(Role::Reading(cte, row)))));
            }
        }
        if self.opening(cte) {
            let name = cte.name.as_str().unwrap_or(cte.name.raw());
            return Some(Err(Named::CircularReference.error(name)));
        }
        Some(Ok(Found::Query(cte, link(Role::Opening(cte)))))
    }
}

/// Runs `f` in `env` with the `WITH` tables of `select` in scope.
pub(crate) fn within<A: Allocator + Clone, T>(
    select: &Select<'_, A>,
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    within_ctes(&select.with, env, f)
}

/// Runs `f` in `env` with the `WITH` tables `ctes` (a query's, or those
/// written before an `INSERT`, `UPDATE` or `DELETE`) in scope; two of
/// one name are SQLite's `duplicate WITH table name`.
pub(crate) fn within_ctes<A: Allocator + Clone, T>(
    ctes: &[Cte<'_, A>],
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    if ctes.is_empty() {
        return f(env);
    }
    for (i, cte) in ctes.iter().enumerate() {
        let lower = |c: char| c.to_ascii_lowercase();
        let name = || cte.name.chars().map(lower);
        if ctes
            .iter()
            .take(i)
            .any(|c| c.name.chars().map(lower).eq(name()))
        {
            return Err(crate::Error::Named(
                crate::Named::DuplicateWith,
                crate::ConstraintName::format(format_args!("{}", cte.name.chars())),
            ));
        }
    }
    let link = Ctes::scope(ctes, env.ctes);
    f(Env {
        ctes: Some(&link),
        ..env
    })
}

/// Runs `f` with the `WITH` table `name` (in `env`) and the environment
/// its query runs in; `None` when no `WITH` table has the name. A name
/// that leads back to a table being opened is an error.
pub(crate) fn with_cte<A: Allocator + Clone, T>(
    name: &Ident<'_>,
    env: Env<'_, A>,
    f: impl FnOnce(&Cte<'_, A>, Env<'_, A>) -> Result<T>,
) -> Option<Result<T>> {
    let (cte, link) = match env.ctes?.find(name)? {
        Ok(Found::Query(cte, link) | Found::Row(cte, link)) => (cte, link),
        Err(e) => return Some(Err(e)),
    };
    Some(f(
        cte,
        Env {
            ctes: Some(&link),
            ..env
        },
    ))
}

/// How a `WITH` table's rows come, for the query `select` run in `env`
/// (the environment [`with_cte`] gave it).
pub(crate) enum Feed<'x, A: Allocator> {
    /// From running `select`: a subquery, or a table that is not read
    /// as its bound row.
    Query,
    /// From the recursion of the table whose query `select` is, if
    /// recursive (see `recursive`).
    Table(&'x Cte<'x, A>),
    /// The one bound row.
    Row(&'x [Value<A>]),
}

/// How the rows of `select`, run in `env`, come.
pub(crate) fn feed<'x, A: Allocator + Clone>(
    select: &Select<'_, A>,
    env: Env<'x, A>,
) -> Feed<'x, A> {
    let Some(link) = env.ctes else {
        return Feed::Query;
    };
    let own = |cte: &Cte<'_, A>| {
        core::ptr::eq(
            &*cte.select as *const Select<'_, A> as *const (),
            select as *const Select<'_, A> as *const (),
        )
    };
    match link.role {
        Role::Opening(cte) if own(cte) => Feed::Table(cte),
        Role::Reading(cte, row) if own(cte) => Feed::Row(row),
        _ => Feed::Query,
    }
}

/// Runs `f` in `env` (where `cte`'s query runs) with `cte` bound to
/// `row`: the name of `cte` in the `FROM` of the query `f` runs reads
/// that row.
pub(crate) fn bound<A: Allocator + Clone, T>(
    cte: &Cte<'_, A>,
    row: &[Value<A>],
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    let link = env
        .ctes
        .ok_or(Error::Misuse("a recursive table outside its WITH"))?;
    let bound = Ctes {
        list: link.list,
        outer: link.outer,
        role: Role::Bound(cte, row),
        caller: Some(link),
    };
    f(Env {
        ctes: Some(&bound),
        ..env
    })
}

/// Runs `f` with the query of the `WITH` table or view `name` (in `env`)
/// and the environment it runs in; `None` when `name` names neither (a
/// table, or nothing). A `WITH` table hides a view of its name, as in
/// SQLite; `main.v` and `temp.v` name only views.
pub(crate) fn with_query<A: Allocator + Clone, T>(
    name: &QualifiedName<'_>,
    env: Env<'_, A>,
    f: impl FnOnce(&Cte<'_, A>, Env<'_, A>) -> Result<T>,
) -> Option<Result<T>> {
    if name.schema.is_none() && env.ctes.is_some_and(|c| c.has(&name.name)) {
        return with_cte(&name.name, env, f);
    }
    views::with_view(&name.name, views_of(name)?, env, f)
}

/// Whether `name` names a `WITH` table or a view in `env`.
pub(crate) fn names_query<A: Allocator + Clone>(name: &QualifiedName<'_>, env: Env<'_, A>) -> bool {
    let cte = name.schema.is_none() && env.ctes.is_some_and(|c| c.has(&name.name));
    cte || views_of(name).is_some_and(|w| views::is_view(&name.name, w, env))
}

/// Which views the schema `name` is written with lets it name; `None`
/// for an attached database's name (none is attached here).
fn views_of(name: &QualifiedName<'_>) -> Option<Within> {
    match name.schema {
        None => Some(Within::Any),
        Some(s) if s.eq_ignore_ascii_case("main") => Some(Within::Main),
        Some(s) if s.eq_ignore_ascii_case("temp") => Some(Within::Temp),
        Some(_) => None,
    }
}
