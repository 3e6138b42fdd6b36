//! Triggers, as SQLite runs them: `CREATE TRIGGER` and `DROP TRIGGER`
//! (`create`), the texts a change statement may fire, taken from the
//! schema at run start and parsed for the run (this module), the `NEW`
//! and `OLD` rows a trigger's statements read (`row`), the firing of
//! the triggers of one row's change (`fire`), and the changes to a view
//! its `INSTEAD OF` triggers run in place of (`instead`).
//!
//! A trigger is stored as SQLite stores one: a schema row of type
//! `trigger` whose `tbl_name` is its table, with root page 0 and the
//! `CREATE TRIGGER` text, so each engine fires the other's.
//!
//! Invariants:
//! - a run parses the schema's triggers once, at its start, from texts
//!   copied then (the syntax tree borrows its text); a text is copied
//!   again only when the schema changed;
//! - `recursive_triggers` is off, as SQLite's default: a trigger never
//!   fires while it is running, however deep the nesting;
//! - nothing here holds rows: a firing holds the one row's `NEW` and
//!   `OLD` values, and its statements change rows as a statement does.

pub(crate) mod create;
pub(crate) mod fire;
pub(crate) mod instead;
pub(crate) mod row;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::schema::EntryKind;
use crate::sql::{CreateTrigger, Stmt};
use crate::table::{SchemaRef, SchemaVersion, Side, View};
use crate::{Error, Result};

use super::Env;
use super::views::parse_stored;

/// The `CREATE TRIGGER` texts of the schema a run reads, copied at its
/// start (see [`with_triggers`]).
pub(crate) struct TriggerTexts<A: Allocator> {
    texts: Vec<TriggerText<A>, A>,
    /// The schema `texts` were taken from.
    version: Option<(SchemaVersion, Side)>,
}

/// One trigger's table and text.
struct TriggerText<A: Allocator> {
    table: String<A>,
    sql: String<A>,
}

impl<A: Allocator + Clone> TriggerTexts<A> {
    /// No triggers.
    pub fn new(alloc: A) -> Self {
        TriggerTexts {
            texts: Vec::new_in(alloc),
            version: None,
        }
    }

    /// Whether the schema has any trigger.
    pub fn any(&self) -> bool {
        !self.texts.is_empty()
    }

    /// Takes the texts of every trigger of the schema `side` of `view`
    /// (`rollbacks` is the connection's count); the texts taken from the
    /// same schema are kept.
    pub fn collect<P: Platform>(
        &mut self,
        view: &View<'_, P, A>,
        side: Side,
        rollbacks: u64,
    ) -> Result<()> {
        let version = (view.schema_version(rollbacks)?, side);
        if self.version == Some(version) {
            return Ok(());
        }
        self.version = None;
        self.texts.clear();
        let schema = match side {
            Side::Main => view.schema()?,
            Side::Temp => SchemaRef::Read(view.open_temp()?.schema()?),
        };
        for entry in schema.entries() {
            let (EntryKind::Trigger, Some(sql)) = (entry.kind, entry.sql.as_deref()) else {
                continue;
            };
            self.push(&entry.table, sql)?;
        }
        // The `temp` schema's triggers on main tables fire before the
        // main schema's, the first made first (SQLite's
        // `sqlite3TriggerList`); the list is read from its end.
        if let (Side::Main, Some(temp)) = (side, view.temp_schema()?) {
            for entry in temp.entries().iter().rev() {
                let (EntryKind::Trigger, Some(sql)) = (entry.kind, entry.sql.as_deref()) else {
                    continue;
                };
                if temp
                    .find(&entry.table)
                    .is_some_and(|e| e.kind == EntryKind::Table)
                {
                    continue;
                }
                self.push(&entry.table, sql)?;
            }
        }
        self.version = Some(version);
        Ok(())
    }
}

impl<A: Allocator + Clone> TriggerTexts<A> {
    fn push(&mut self, table: &str, sql: &str) -> Result<()> {
        let alloc = self.texts.allocator().clone();
        self.texts.try_push(TriggerText {
            table: String::try_from_str_in(table, alloc.clone())?,
            sql: String::try_from_str_in(sql, alloc)?,
        })?;
        Ok(())
    }
}

/// The triggers of a run, parsed: the list a firing looks its table's
/// triggers up in.
pub(crate) struct Triggers<'x, A: Allocator> {
    list: &'x [Trigger<'x, A>],
}

/// One trigger as parsed for a run, or why its text does not parse here
/// (an error only for a change that would fire it).
pub(crate) struct Trigger<'t, A: Allocator> {
    /// Its table (or view).
    table: &'t str,
    /// The text its tree borrows.
    sql: &'t str,
    parsed: core::result::Result<CreateTrigger<'t, A>, Error>,
}

impl<'x, A: Allocator> Triggers<'x, A> {
    /// Each trigger on `table` (by place in the list, with its
    /// statement), in the order SQLite fires them: the last made first.
    pub fn on<'s>(
        &'s self,
        table: &'s str,
    ) -> impl Iterator<Item = Result<(usize, &'x CreateTrigger<'x, A>)>> + 's {
        self.list
            .iter()
            .enumerate()
            .rev()
            .filter(move |(_, t)| t.table.eq_ignore_ascii_case(table))
            .map(|(i, t)| match &t.parsed {
                Ok(create) => Ok((i, create)),
                Err(e) => Err(*e),
            })
    }

    /// The trigger at place `index`, parsed, and the text it borrows.
    pub fn get(&self, index: usize) -> Option<(&'x CreateTrigger<'x, A>, &'x str)> {
        let trigger = self.list.get(index)?;
        trigger
            .parsed
            .as_ref()
            .ok()
            .map(|create| (create, trigger.sql))
    }
}

/// Runs `f` in `env` with the triggers of `texts` parsed (none when
/// there are no texts).
pub(crate) fn with_triggers<A: Allocator + Clone, T>(
    texts: &TriggerTexts<A>,
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    if texts.texts.is_empty() {
        return f(env);
    }
    let alloc = env.alloc.clone();
    let mut list = Vec::try_with_capacity_in(texts.texts.len(), alloc.clone())?;
    for text in texts.texts.iter() {
        list.try_push(Trigger {
            table: &text.table,
            sql: &text.sql,
            parsed: parse(&text.sql, &alloc)?,
        })?;
    }
    let triggers = Triggers { list: &list };
    f(Env {
        triggers: Some(&triggers),
        ..env
    })
}

/// The trigger `text` (a stored `CREATE TRIGGER`) defines; the inner
/// error when the text does not parse here. Running out of memory is the
/// outer error.
fn parse<'t, A: Allocator + Clone>(
    text: &'t str,
    alloc: &A,
) -> Result<core::result::Result<CreateTrigger<'t, A>, Error>> {
    let stmt = match parse_stored(text, alloc)? {
        Ok(stmt) => stmt,
        Err(e) => return Ok(Err(e)),
    };
    match stmt {
        Stmt::CreateTrigger(create) => Ok(Ok(crate::alloc::Box::into_inner(create))),
        _ => Ok(Err(Error::Corrupt {
            page: None,
            reason: "a trigger's schema row holds another statement",
        })),
    }
}
