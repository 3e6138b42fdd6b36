//! SQL views: which of the schema's views a statement may read, their
//! definitions parsed for each call into the executor, and how a name in
//! `FROM` finds one.
//!
//! A view is read as SQLite reads it: as a subquery in `FROM` whose query
//! is the view's `SELECT` (the `Derived` level of `exec/derived.rs`),
//! under the view's name, with the view's column names when it lists
//! them. Its query sees the schema and the other views, never the `WITH`
//! tables or the row of the statement that reads it.
//!
//! Invariants:
//! - the texts a run reads are copied from the schema of the snapshot
//!   the run reads ([`ViewTexts::collect`]), so a view changed by another
//!   connection mid-run cannot be half seen;
//! - the executor holds no part of a syntax tree between calls, so the
//!   texts are parsed again on each call into it ([`with_views`]) and the
//!   trees live on that call's stack; a statement that names no view
//!   parses nothing and allocates nothing here;
//! - a view met again while its own query is being opened is an error
//!   (`view v is circularly defined`), so opening always ends.

use core::cell::RefCell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, String, Vec};
use crate::schema::{EntryKind, SCHEMA_ROOT};
use crate::sql::{
    CreateView, Cte, Ident, ParseError, QualifiedName, SqlErrorKind, Stmt, parse_one,
};
use crate::table::{SchemaVersion, View};
use crate::{Error, Named, Result};

use super::{Env, table_names};

/// A connection's views: its temporary ones, and the schema's as it last
/// read them, told by the schema's version, so that a statement run while
/// the schema stays the same reads no schema row to learn that it names
/// no view.
pub(crate) struct ViewCatalog<A: Allocator> {
    read: RefCell<Catalog<A>>,
}

/// The views of one schema version, and the temporary ones.
struct Catalog<A: Allocator> {
    /// The version `main` was read at; `None` before the first read and
    /// after a read that failed.
    version: Option<SchemaVersion>,
    /// The schema's views.
    main: Vec<ViewDef<A>, A>,
    /// The connection's temporary views, which hide the schema's tables
    /// and views of their names, as SQLite's `temp` schema does.
    temp: Vec<ViewDef<A>, A>,
    /// How many times `temp` has changed, which statements' copies are
    /// told by.
    temp_changes: u64,
}

/// One view: its name, its `CREATE VIEW` text, and whether it is
/// temporary.
struct ViewDef<A: Allocator> {
    name: String<A>,
    sql: String<A>,
    temp: bool,
}

impl<A: Allocator + Clone> ViewDef<A> {
    /// A copy in `alloc`.
    fn copy(&self, alloc: &A) -> Result<Self> {
        Ok(ViewDef {
            name: String::try_from_str_in(&self.name, alloc.clone())?,
            sql: String::try_from_str_in(&self.sql, alloc.clone())?,
            temp: self.temp,
        })
    }
}

impl<A: Allocator + Clone> ViewCatalog<A> {
    /// A catalog that has read nothing yet, with no temporary view.
    pub fn new(alloc: A) -> Self {
        ViewCatalog {
            read: RefCell::new(Catalog {
                version: None,
                main: Vec::new_in(alloc.clone()),
                temp: Vec::new_in(alloc),
                temp_changes: 0,
            }),
        }
    }

    /// The catalog, to change.
    fn catalog(&self) -> Result<core::cell::RefMut<'_, Catalog<A>>> {
        self.read
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the view catalog is in use"))
    }

    /// Whether the text of some temporary view passes `test`.
    pub fn any_temp(&self, test: impl Fn(&str) -> bool) -> Result<bool> {
        let catalog = self
            .read
            .try_borrow()
            .map_err(|_| Error::Misuse("the view catalog is in use"))?;
        Ok(catalog.temp.iter().any(|v| test(&v.sql)))
    }

    /// Creates the temporary view `create`, whose text is `sql`.
    pub fn create_temp(&self, create: &CreateView<'_, A>, sql: &str) -> Result<()> {
        let mut catalog = self.catalog()?;
        let alloc = catalog.temp.allocator().clone();
        let name = create.name.name.to_string_in(alloc.clone())?;
        if catalog
            .temp
            .iter()
            .any(|v| v.name.eq_ignore_ascii_case(&name))
        {
            return match create.if_not_exists {
                true => Ok(()),
                false => Err(Named::ViewExists.error(&name)),
            };
        }
        let def = ViewDef {
            name,
            sql: String::try_from_str_in(sql, alloc)?,
            temp: true,
        };
        catalog.temp.try_push(def)?;
        catalog.temp_changes += 1;
        Ok(())
    }

    /// Drops the temporary view `name`; whether there was one.
    pub fn drop_temp(&self, name: &Ident<'_>) -> Result<bool> {
        let mut catalog = self.catalog()?;
        let Some(i) = catalog
            .temp
            .iter()
            .position(|v| name.eq_ignore_ascii_case(&v.name))
        else {
            return Ok(false);
        };
        catalog.temp.remove(i);
        catalog.temp_changes += 1;
        Ok(true)
    }

    /// Whether a temporary view is called `name`.
    pub fn is_temp(&self, name: &Ident<'_>) -> bool {
        self.read
            .try_borrow()
            .is_ok_and(|c| c.temp.iter().any(|v| name.eq_ignore_ascii_case(&v.name)))
    }
}

impl<A: Allocator + Clone> Catalog<A> {
    /// Makes `main` the views of the schema `view` shows, at `version`.
    fn refresh<P: Platform>(
        &mut self,
        view: &View<'_, P, A>,
        version: SchemaVersion,
    ) -> Result<()> {
        if self.version == Some(version) {
            return Ok(());
        }
        self.version = None;
        self.main.clear();
        let alloc = self.main.allocator().clone();
        let schema = view.schema()?;
        for entry in schema.entries() {
            if entry.kind != EntryKind::View {
                continue;
            }
            let Some(sql) = entry.sql.as_deref() else {
                continue;
            };
            self.main.try_push(ViewDef {
                name: String::try_from_str_in(&entry.name, alloc.clone())?,
                sql: String::try_from_str_in(sql, alloc.clone())?,
                temp: false,
            })?;
        }
        self.version = Some(version);
        Ok(())
    }

    /// The view at place `i`: the temporary ones first.
    fn get(&self, i: usize) -> Option<&ViewDef<A>> {
        match i.checked_sub(self.temp.len()) {
            None => self.temp.get(i),
            Some(j) => self.main.get(j),
        }
    }

    /// Adds to `found` the place of each view `name` may name, once.
    fn named(&self, name: &QualifiedName<'_>, found: &mut Vec<usize, A>) -> Result<()> {
        let within = match name.schema {
            None => Within::Any,
            Some(s) if s.eq_ignore_ascii_case("main") => Within::Main,
            Some(s) if s.eq_ignore_ascii_case("temp") => Within::Temp,
            Some(_) => return Ok(()),
        };
        for (i, view) in self.temp.iter().chain(self.main.iter()).enumerate() {
            let here = match within {
                Within::Any => true,
                Within::Main => !view.temp,
                Within::Temp => view.temp,
            };
            if here && name.name.eq_ignore_ascii_case(&view.name) && !found.contains(&i) {
                found.try_push(i)?;
            }
        }
        Ok(())
    }
}

/// The names and `CREATE VIEW` texts of the views one run of a
/// statement may read.
pub(crate) struct ViewTexts<A: Allocator> {
    texts: Vec<ViewDef<A>, A>,
    /// The schema version and the count of temporary view changes
    /// `texts` were taken at, and how far they reach.
    version: Option<(SchemaVersion, u64, Reach)>,
}

/// Which views a run takes the texts of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Those the statement may read, directly or through other views.
    Statement,
    /// All of them: the statements of the triggers the statement fires
    /// may read any.
    Schema,
}

impl<A: Allocator + Clone> ViewTexts<A> {
    /// No views.
    pub fn new(alloc: A) -> Self {
        ViewTexts {
            texts: Vec::new_in(alloc),
            version: None,
        }
    }

    /// Takes the texts of the views the statement `stmt` may read from
    /// the schema `view` shows (through the connection's `catalog`;
    /// `rollbacks` is the connection's count): each view a table name of
    /// the statement may name, each view such a view's query names, and
    /// so on. Texts taken at the same versions are kept.
    pub fn collect<P: Platform>(
        &mut self,
        catalog: &ViewCatalog<A>,
        view: &View<'_, P, A>,
        rollbacks: u64,
        stmt: &Stmt<'_, A>,
    ) -> Result<()> {
        self.collect_reaching(catalog, view, rollbacks, stmt, Reach::Statement)
    }

    /// [`Self::collect`], of every view of the schema when `reach` is
    /// [`Reach::Schema`].
    pub fn collect_reaching<P: Platform>(
        &mut self,
        catalog: &ViewCatalog<A>,
        view: &View<'_, P, A>,
        rollbacks: u64,
        stmt: &Stmt<'_, A>,
        reach: Reach,
    ) -> Result<()> {
        let schema = view.schema_version(rollbacks)?;
        let mut catalog = catalog.catalog()?;
        let version = (schema, catalog.temp_changes, reach);
        if self.version == Some(version) {
            return Ok(());
        }
        self.version = None;
        self.texts.clear();
        catalog.refresh(view, schema)?;
        if catalog.main.is_empty() && catalog.temp.is_empty() {
            self.version = Some(version);
            return Ok(());
        }
        let alloc = self.texts.allocator().clone();
        let mut found: Vec<usize, A> = Vec::new_in(alloc.clone());
        match reach {
            Reach::Statement => {
                table_names::in_stmt(stmt, &mut |name| catalog.named(name, &mut found))?;
            }
            Reach::Schema => {
                found.try_reserve(catalog.temp.len() + catalog.main.len())?;
                for i in 0..catalog.temp.len() + catalog.main.len() {
                    found.try_push(i)?;
                }
            }
        }
        let mut next = 0;
        while let Some(&i) = found.get(next) {
            next += 1;
            let Some(def) = catalog.get(i) else {
                continue;
            };
            // A view that does not parse here is an error only where it is
            // read (see `with_views`); it names nothing more.
            if let Ok(query) = parse(&def.sql, &alloc)? {
                table_names::in_select(&query.select, &mut |name| catalog.named(name, &mut found))?;
            }
        }
        // The temporary views first, which hide the others.
        found.sort_unstable();
        self.texts.try_reserve(found.len())?;
        for i in found {
            if let Some(def) = catalog.get(i) {
                self.texts.try_push(def.copy(&alloc)?)?;
            }
        }
        self.version = Some(version);
        Ok(())
    }
}

/// The views a call into the executor may read, parsed, and those whose
/// queries are being opened around the current name.
pub(crate) struct Views<'x, A: Allocator> {
    list: &'x [ViewQuery<'x, A>],
    open: Option<&'x Opening<'x>>,
}

/// One view as parsed for a call: its query as a `WITH` table, or why
/// its text does not parse here, which is an error only for a statement
/// that reads the view (a word of the statement may name it as a column
/// or a string).
struct ViewQuery<'t, A: Allocator> {
    name: &'t str,
    temp: bool,
    query: core::result::Result<Cte<'t, A>, Error>,
}

/// Which views a name may find: `v`, `main.v` or `temp.v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Within {
    /// Any view, a temporary one first.
    Any,
    /// The schema's views.
    Main,
    /// The temporary views.
    Temp,
}

/// One view whose query is being opened, in a chain to the outermost.
struct Opening<'x> {
    index: usize,
    outer: Option<&'x Opening<'x>>,
}

impl<'x, A: Allocator> Views<'x, A> {
    /// The view called `name` and its place in the list, or `None` when
    /// no view has the name.
    fn find(&self, name: &Ident<'_>, within: Within) -> Option<(usize, &'x ViewQuery<'x, A>)> {
        self.list.iter().enumerate().find(|(_, view)| {
            let here = match within {
                Within::Any => true,
                Within::Main => !view.temp,
                Within::Temp => view.temp,
            };
            here && name.eq_ignore_ascii_case(view.name)
        })
    }

    /// Whether the view at `index` is being opened.
    fn is_open(&self, index: usize) -> bool {
        let mut at = self.open;
        while let Some(opening) = at {
            if opening.index == index {
                return true;
            }
            at = opening.outer;
        }
        false
    }
}

/// Whether `name` (written with `within`'s schema) names a
/// view `env` can read.
pub(crate) fn is_view<A: Allocator + Clone>(
    name: &Ident<'_>,
    within: Within,
    env: Env<'_, A>,
) -> bool {
    env.views.is_some_and(|v| v.find(name, within).is_some())
}

/// Runs `f` with the query of the view `name` (in `env`) and the
/// environment its query runs in; `None` when no view has the name.
pub(crate) fn with_view<A: Allocator + Clone, T>(
    name: &Ident<'_>,
    within: Within,
    env: Env<'_, A>,
    f: impl FnOnce(&Cte<'_, A>, Env<'_, A>) -> Result<T>,
) -> Option<Result<T>> {
    let views = env.views?;
    let (index, view) = views.find(name, within)?;
    let query = match &view.query {
        Ok(query) => query,
        Err(e) => return Some(Err(*e)),
    };
    if views.is_open(index) {
        return Some(Err(Named::CircularView.error(view.name)));
    }
    let opening = Opening {
        index,
        outer: views.open,
    };
    let inner = Views {
        list: views.list,
        open: Some(&opening),
    };
    let ran = f(
        query,
        Env {
            ctes: None,
            outer: None,
            views: Some(&inner),
            ..env
        },
    );
    // A schema view's names are the schema's: SQLite names a table its
    // query lacks with the schema (`no such table: main.t`).
    Some(ran.map_err(|e| match (e, view.temp) {
        (Error::Named(Named::NoSuchTable, missing), false) if !missing.as_str().contains('.') => {
            Error::Named(
                Named::NoSuchTable,
                crate::ConstraintName::format(format_args!("main.{}", missing.as_str())),
            )
        }
        (e, _) => e,
    }))
}

/// Runs `f` in `env` with the views of `texts` parsed and in scope.
pub(crate) fn with_views<A: Allocator + Clone, T>(
    texts: &ViewTexts<A>,
    env: Env<'_, A>,
    f: impl FnOnce(Env<'_, A>) -> Result<T>,
) -> Result<T> {
    if texts.texts.is_empty() {
        return f(env);
    }
    let alloc = env.alloc.clone();
    let mut list = Vec::try_with_capacity_in(texts.texts.len(), alloc.clone())?;
    for def in texts.texts.iter() {
        list.try_push(ViewQuery {
            name: &def.name,
            temp: def.temp,
            query: parse(&def.sql, &alloc)?,
        })?;
    }
    let views = Views {
        list: &list,
        open: None,
    };
    f(Env {
        views: Some(&views),
        ..env
    })
}

/// The view `text` (a stored `CREATE VIEW`) defines, as a `WITH` table;
/// the inner error when the text does not parse here (a construct this
/// engine refuses). Running out of memory is the outer error.
fn parse<'t, A: Allocator + Clone>(
    text: &'t str,
    alloc: &A,
) -> Result<core::result::Result<Cte<'t, A>, Error>> {
    let stmt = match parse_stored(text, alloc)? {
        Ok(stmt) => stmt,
        Err(e) => return Ok(Err(e)),
    };
    match stmt {
        Stmt::CreateView(view) => {
            let view = Box::into_inner(view);
            Ok(Ok(Cte {
                name: view.name.name,
                columns: view.columns,
                select: Box::try_new_in(view.select, alloc.clone())?,
            }))
        }
        _ => Ok(Err(Error::corrupt(
            SCHEMA_ROOT,
            "a view's stored text is not CREATE VIEW",
        ))),
    }
}

/// The statement of a schema object's stored text (a view's, a
/// trigger's); the inner error when the text does not parse here (a
/// construct this engine refuses, or `Corrupt` for text no SQLite
/// wrote), which is an error only where the object is used. Running out of memory is the outer error.
pub(crate) fn parse_stored<'t, A: Allocator + Clone>(
    text: &'t str,
    alloc: &A,
) -> Result<core::result::Result<Stmt<'t, A>, Error>> {
    match parse_one(text, alloc.clone()) {
        Ok(parsed) => Ok(Ok(parsed.stmt)),
        Err(ParseError::OutOfMemory) => Err(Error::OutOfMemory),
        Err(ParseError::Sql(e)) if e.kind() == SqlErrorKind::Unsupported => {
            Ok(Err(Error::Sql(e.message())))
        }
        // SQLite wrote only text that parses: the file is damaged.
        Err(ParseError::Sql(_)) => Ok(Err(Error::corrupt(
            SCHEMA_ROOT,
            "schema SQL does not parse",
        ))),
    }
}

/// A name as an error message gives it: unquoted (a name with an
/// escaped quote keeps its doubled quote, which costs no allocation).
pub(crate) fn name_text<'n>(name: &Ident<'n>) -> &'n str {
    name.as_str().unwrap_or_else(|| name.inner())
}
