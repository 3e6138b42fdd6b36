//! [`Ctes`]: the `WITH` tables a query's names may read, its own and
//! those of the queries it is nested in, innermost first.
//!
//! Invariant: a `WITH` table's own query sees only the tables written
//! before it (and those around its `WITH`), never itself, so opening one
//! always ends (`WITH RECURSIVE` is refused by the parser).

use crate::Result;
use crate::alloc::Allocator;
use crate::sql::{Cte, Ident, QualifiedName, Select};

use super::Env;
use super::views::{self, Within};

/// The `WITH` tables in scope: one `WITH` clause's, then the ones
/// around it.
pub(crate) struct Ctes<'x, A: Allocator> {
    list: &'x [Cte<'x, A>],
    outer: Option<&'x Ctes<'x, A>>,
}

impl<'x, A: Allocator> Ctes<'x, A> {
    /// The table called `name`, with the tables its own query sees.
    pub fn find(&self, name: &Ident<'_>) -> Option<(&'x Cte<'x, A>, Ctes<'x, A>)> {
        let named = |cte: &Cte<'_, A>| {
            cte.name.as_str().map_or(name.raw() == cte.name.raw(), |n| {
                name.eq_ignore_ascii_case(n)
            })
        };
        match self.list.iter().position(named) {
            Some(i) => {
                let before = Ctes {
                    list: self.list.get(..i).unwrap_or(&[]),
                    outer: self.outer,
                };
                Some((self.list.get(i)?, before))
            }
            None => self.outer?.find(name),
        }
    }
}

/// Runs `f` in `env` with the `WITH` tables of `select` in scope.
pub(crate) fn within<A: Allocator + Clone, T>(
    select: &Select<'_, A>,
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    if select.with.is_empty() {
        return f(env);
    }
    let link = Ctes {
        list: &select.with,
        outer: env.ctes,
    };
    f(Env {
        ctes: Some(&link),
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
    if name.schema.is_none() {
        if let Some((cte, before)) = env.ctes.and_then(|c| c.find(&name.name)) {
            return Some(f(
                cte,
                Env {
                    ctes: Some(&before),
                    ..env
                },
            ));
        }
    }
    views::with_view(&name.name, views_of(name)?, env, f)
}

/// Whether `name` names a `WITH` table or a view in `env`.
pub(crate) fn names_query<A: Allocator + Clone>(name: &QualifiedName<'_>, env: Env<'_, A>) -> bool {
    let cte = name.schema.is_none() && env.ctes.is_some_and(|c| c.find(&name.name).is_some());
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
