//! Firing the triggers of one row's change, as SQLite fires them: the
//! triggers of the table and event that fire at one time (`BEFORE` or
//! `AFTER`), the last made first; each one whose `WHEN` holds runs its
//! statements in order, against the row's `NEW` and `OLD` (see `row`).
//!
//! Invariants:
//! - a trigger running does not fire again until it ends
//!   (`recursive_triggers` off); triggers nest at most [`MAX_DEPTH`]
//!   deep, past which the statement is refused;
//! - `RAISE(IGNORE)` in a trigger's statements ends that trigger, and
//!   the row's change is left (its caller goes on with the next row); any
//!   other error fails the statement, which is undone whole;
//! - `last_insert_rowid()` is what it was before the trigger once the
//!   trigger ends, and the trigger's changes count in `total_changes()`
//!   only, as SQLite counts them; within the trigger, `changes()` reads
//!   the count of its last change statement, and once it ends, what it
//!   read before.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::sql::Affinity;
use crate::sql::eval::affinity::apply_affinity;
use crate::sql::eval::{Value, evaluate_condition};
use crate::sql::{Conflict, CreateTrigger, Raise, Stmt, TriggerEvent, TriggerTiming};
use crate::table::TableInfo;
use crate::table::Writer;
use crate::{ConstraintName, Error, Result, RowId};

use super::row::{RowValues, TriggerRow, with_affinities};
use crate::exec::check::columns_exist_within;
use crate::exec::scope::One;
use crate::exec::subquery::Runner;
use crate::exec::{Env, change, insert, select};

/// The most triggers that run inside one another: deeper nesting is
/// refused rather than risk the stack (SQLite allows 1000, which no
/// chain reaches without `recursive_triggers`, off here, unless its
/// schema has that many triggers).
pub(crate) const MAX_DEPTH: usize = 32;

/// What fires a trigger.
#[derive(Clone, Copy)]
pub(crate) enum Event<'s> {
    /// `INSERT`
    Insert,
    /// `DELETE`
    Delete,
    /// `UPDATE`, of the columns named (as written).
    Update(&'s dyn Fn(&str) -> bool),
}

/// How a row's triggers ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// They ran (or none fired).
    Ran,
    /// One raised `RAISE(IGNORE)`: the row's change is left.
    Ignored,
}

/// One trigger running, in the chain of those it runs inside.
pub(crate) struct Active<'a> {
    /// Its place in the run's list of triggers.
    index: usize,
    /// How many run, it included.
    depth: usize,
    outer: Option<&'a Active<'a>>,
}

impl Active<'_> {
    /// Whether the trigger at `index` is running, here or outside.
    fn runs(&self, index: usize) -> bool {
        self.index == index || self.outer.is_some_and(|o| o.runs(index))
    }
}

/// The triggers one change statement fires on its table, found when it
/// starts: by place in the run's list, in the order they fire.
pub(crate) struct Fires<A: Allocator> {
    before: Vec<usize, A>,
    after: Vec<usize, A>,
    /// A view's `INSTEAD OF` triggers.
    instead: Vec<usize, A>,
    /// The statement's `OR` clause, which the triggers' statements take.
    conflict: Option<Conflict>,
}

impl<A: Allocator + Clone> Fires<A> {
    /// The triggers `event` on `table` fires, for a statement whose `OR`
    /// clause is `conflict` (its own, or the one it takes from a trigger
    /// it runs in); `None` when it fires none.
    pub fn of(
        env: Env<'_, A>,
        table: &str,
        event: Event<'_>,
        conflict: Option<Conflict>,
    ) -> Result<Option<Self>> {
        let Some(triggers) = env.triggers else {
            return Ok(None);
        };
        let mut fires = Fires {
            before: Vec::new_in(env.alloc.clone()),
            after: Vec::new_in(env.alloc.clone()),
            instead: Vec::new_in(env.alloc.clone()),
            conflict,
        };
        for found in triggers.on(table) {
            let (index, create) = found?;
            let fired = match (&create.event, event) {
                (TriggerEvent::Insert, Event::Insert) | (TriggerEvent::Delete, Event::Delete) => {
                    true
                }
                (TriggerEvent::Update(columns), Event::Update(assigned)) => {
                    columns.is_empty()
                        || columns
                            .iter()
                            .any(|c| assigned(c.as_str().unwrap_or_else(|| c.inner())))
                }
                _ => false,
            };
            match (fired, create.timing) {
                (false, _) => {}
                (true, None | Some(TriggerTiming::Before)) => fires.before.try_push(index)?,
                (true, Some(TriggerTiming::After)) => fires.after.try_push(index)?,
                (true, Some(TriggerTiming::InsteadOf)) => fires.instead.try_push(index)?,
            }
        }
        let fired = [&fires.before, &fires.after, &fires.instead];
        Ok(fired.iter().any(|f| !f.is_empty()).then_some(fires))
    }

    /// `env` as the triggers' statements take it.
    fn env<'e>(&self, env: Env<'e, A>) -> Env<'e, A> {
        Env {
            conflict: self.conflict,
            ..env
        }
    }

    /// Every trigger that fires, by place in the run's list.
    pub fn each(&self) -> impl Iterator<Item = usize> + '_ {
        let lists = [&self.before, &self.after, &self.instead];
        lists.into_iter().flat_map(|list| list.iter().copied())
    }

    /// Whether an `INSTEAD OF` trigger fires.
    pub fn has_instead(&self) -> bool {
        !self.instead.is_empty()
    }

    /// Runs the `INSTEAD OF` triggers for the row of `row`.
    pub fn instead<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        row: &TriggerRow<'_, A>,
        env: Env<'_, A>,
    ) -> Result<Outcome> {
        run_each(w, &self.instead, row, self.env(env))
    }

    /// Whether a trigger fires before the row changes.
    pub fn has_before(&self) -> bool {
        !self.before.is_empty()
    }

    /// Runs the triggers that fire before the row of `row` changes.
    pub fn before<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        row: &TriggerRow<'_, A>,
        env: Env<'_, A>,
    ) -> Result<Outcome> {
        run_each(w, &self.before, row, self.env(env))
    }

    /// Runs the `BEFORE INSERT` triggers for a row to be inserted with
    /// `values` and the rowid `rowid` given (if any): `NEW` takes the
    /// columns' affinity, and the rowid -1 when none is given yet, as in
    /// SQLite. `new` is a buffer for `NEW`'s values.
    pub fn before_insert<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: Option<&Value<A>>,
        values: &[Value<A>],
        new: &mut Vec<Value<A>, A>,
        env: Env<'_, A>,
    ) -> Result<Outcome> {
        if !self.has_before() {
            return Ok(Outcome::Ran);
        }
        let rowid = match rowid {
            None => ValueRef::Integer(-1),
            Some(v) => match apply_affinity(v.as_ref(), Affinity::Integer).as_ref() {
                ValueRef::Integer(i) => ValueRef::Integer(i),
                _ => return Err(Error::Sql("datatype mismatch")),
            },
        };
        let id = match rowid {
            ValueRef::Integer(i) => RowId::new(i),
            _ => RowId::new(-1),
        };
        with_affinities(table, (id, values), new, env.alloc)?;
        let row = TriggerRow {
            table,
            old: None,
            new: Some(RowValues { rowid, values: new }),
            alloc: env.alloc.clone(),
        };
        self.before(w, &row, env)
    }

    /// Runs the `AFTER INSERT` triggers for the row `rowid` inserted
    /// with `values`.
    pub fn after_insert<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        values: &[Value<A>],
        env: Env<'_, A>,
    ) -> Result<Outcome> {
        let row = TriggerRow {
            table,
            old: None,
            new: Some(RowValues {
                rowid: ValueRef::Integer(rowid.get()),
                values,
            }),
            alloc: env.alloc.clone(),
        };
        self.after(w, &row, env)
    }

    /// Runs the triggers that fire after the row of `row` changed.
    pub fn after<P: Platform>(
        &self,
        w: &mut Writer<'_, '_, P, A>,
        row: &TriggerRow<'_, A>,
        env: Env<'_, A>,
    ) -> Result<Outcome> {
        run_each(w, &self.after, row, self.env(env))
    }
}

/// Runs the triggers at `indexes`, in order, until one ignores the row.
fn run_each<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    indexes: &[usize],
    row: &TriggerRow<'_, A>,
    env: Env<'_, A>,
) -> Result<Outcome> {
    let Some(triggers) = env.triggers else {
        return Ok(Outcome::Ran);
    };
    for &index in indexes {
        if env.active.is_some_and(|a| a.runs(index)) {
            continue;
        }
        let (create, text) = triggers
            .get(index)
            .ok_or(Error::Misuse("a trigger out of place"))?;
        let env = Env { text, ..env };
        let saved = env.counters.map(|c| (c.last_rowid.get(), c.changes.get()));
        let outcome = run_one(w, index, create, row, env);
        if let (Some(c), Some((rowid, changes))) = (env.counters, saved) {
            c.last_rowid.set(rowid);
            c.changes.set(changes);
        }
        if outcome? == Outcome::Ignored {
            return Ok(Outcome::Ignored);
        }
    }
    Ok(Outcome::Ran)
}

/// Runs the trigger `create` (at `index`) for `row`, if its `WHEN`
/// holds.
fn run_one<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    index: usize,
    create: &CreateTrigger<'_, A>,
    row: &TriggerRow<'_, A>,
    env: Env<'_, A>,
) -> Result<Outcome> {
    let depth = env.active.map_or(1, |a| a.depth + 1);
    if depth > MAX_DEPTH {
        return Err(Error::Sql(
            "triggers nested more than 32 deep are not supported",
        ));
    }
    let active = Active {
        index,
        depth,
        outer: env.active,
    };
    // The trigger's statements see its row and none of the names of the
    // statement that fired it (its `WITH` tables).
    let env = Env {
        outer: Some(row),
        active: Some(&active),
        ctes: None,
        subqueries: None,
        ..env
    };
    if let Some(when) = &create.when {
        let runner = Runner::new(w.view());
        let env = Env {
            subqueries: Some(&runner),
            ..env
        };
        columns_exist_within(when, &One::new(None, None), Some(env))?;
        match evaluate_condition(when, &env.context()) {
            Ok(Some(true)) => {}
            Ok(_) => return Ok(Outcome::Ran),
            Err(Error::RaiseIgnore) => return Ok(Outcome::Ignored),
            Err(e) => return Err(e),
        }
    }
    for stmt in create.body.iter() {
        match run_stmt(w, stmt, env) {
            Err(Error::RaiseIgnore) => return Ok(Outcome::Ignored),
            Err(e) => return Err(e),
            Ok(changed) => {
                if let Some(c) = env.counters {
                    let n = i64::try_from(changed).unwrap_or(i64::MAX);
                    c.total.set(c.total.get().saturating_add(n));
                    // As SQLite's `OP_ResetCount` after each change of a
                    // trigger: `changes()` reads the last one's count.
                    if !matches!(stmt, Stmt::Select(_)) {
                        c.changes.set(n);
                    }
                }
            }
        }
    }
    Ok(Outcome::Ran)
}

/// Runs one statement of a trigger; returns the rows it changed.
fn run_stmt<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    stmt: &Stmt<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    let mut returned = None;
    match stmt {
        Stmt::Insert(i) => insert::run(w, i, env, &mut returned),
        Stmt::Update(u) => change::update(w, u, env, &mut returned),
        Stmt::Delete(d) => change::delete(w, d, env, &mut returned),
        Stmt::Select(s) => {
            let view = w.view();
            let runner = Runner::new(view);
            let env = Env {
                subqueries: Some(&runner),
                ..env
            };
            let mut sources = Vec::new_in(env.alloc.clone());
            let mut row = Vec::new_in(env.alloc.clone());
            let mut query = select::start(view, s, env, &mut sources)?;
            while select::next(view, &mut query, &mut sources, Some(s), env, &mut row)? {}
            Ok(0)
        }
        _ => Err(Error::Corrupt {
            page: None,
            reason: "a trigger's body holds a statement other than INSERT, UPDATE, DELETE or SELECT",
        }),
    }
}

/// The error `raise` stops a trigger's statement with: `RAISE(IGNORE)`
/// leaves the row; `ABORT`, `FAIL` and `ROLLBACK` fail the statement with
/// the message, ending it as their conflict resolutions do.
pub(crate) fn raised<A: Allocator + Clone>(raise: &Raise<'_>, alloc: &A) -> Error {
    let (message, halt): (_, fn(ConstraintName) -> Error) = match raise {
        Raise::Ignore => return Error::RaiseIgnore,
        Raise::Abort(message) => (message, Error::Raise),
        Raise::Fail(message) => (message, Error::RaiseFail),
        Raise::Rollback(message) => (message, Error::RaiseRollback),
    };
    match message.as_str() {
        Some(text) => halt(ConstraintName::new(text)),
        None => match message.to_string_in(alloc.clone()) {
            Ok(text) => halt(ConstraintName::new(&text)),
            Err(_) => Error::OutOfMemory,
        },
    }
}

/// Refuses `RETURNING` on a change that fires triggers: SQLite computes
/// its rows in an order around the triggers' changes not followed here.
pub(crate) fn refuse_returning<A: Allocator, R>(
    fires: &Option<Fires<A>>,
    returning: &Option<R>,
) -> Result<()> {
    match fires.is_some() && returning.is_some() {
        true => Err(Error::Sql(
            "RETURNING on a table with triggers is not supported",
        )),
        false => Ok(()),
    }
}
