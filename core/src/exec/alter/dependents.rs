//! Where the statement of a view or trigger names what `ALTER TABLE`
//! renames or drops: the table (`RENAME TO`) or one of its columns
//! (`RENAME COLUMN`, `DROP COLUMN`), found by resolving the statement's
//! names through its `FROM` scopes as SQLite resolves them.
//!
//! A name counts as a site only when it certainly resolves to the table
//! or column: a table in `FROM` or a trigger's target or `ON`, a column
//! of a source that is the table (by its name or alias, or unqualified
//! with no other source of the scope having the column), `new.c` and
//! `old.c` in a trigger on the table, the columns of `UPDATE OF`, of an
//! `INSERT`'s list and of an `UPDATE`'s `SET` on the table.
//!
//! Invariant: a reading is [`Reading::Exact`] only when every token of
//! the text that could name the target (an identifier, keyword or
//! string equal to it, ignoring case and quotes) is a site or certainly
//! names something else, and no token names what the target becomes;
//! anything the walk does not follow (`WITH`, windows, `USING`,
//! upserts, a source whose columns are unknown where an unqualified name
//! must be resolved...) leaves such a token unaccounted for, and the
//! reading is [`Reading::Unsure`].

use crate::alloc::{Allocator, String, Vec};
use crate::schema::alter::{Place, Site, offset_of};
use crate::schema::{EntryKind, Schema, parse_stored, table_columns};
use crate::sql::{
    ColumnRef, Expr, FromClause, FunctionArgs, Ident, InsertSource, JoinConstraint, Lexer,
    OrderingTerm, QualifiedName, Quoted, ResultColumn, Select, SelectBody, Stmt, TableRef,
    TokenKind, TriggerEvent,
};
use crate::{Error, Result};

/// What the `ALTER TABLE` changes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'n> {
    /// `RENAME TO new`
    Table {
        /// The table's name after.
        new: &'n str,
    },
    /// `RENAME COLUMN name TO new`
    Column {
        /// The column's name.
        name: &'n str,
        /// Its name after.
        new: &'n str,
    },
    /// `DROP COLUMN name`
    Dropped {
        /// The column's name.
        name: &'n str,
    },
}

impl Target<'_> {
    /// The name whose tokens must all be accounted for.
    fn watched<'t>(&self, table: &'t str) -> &'t str
    where
        Self: 't,
    {
        match *self {
            Target::Table { .. } => table,
            Target::Column { name, .. } | Target::Dropped { name } => name,
        }
    }

    /// The name no token may hold, as it would resolve differently after.
    fn after(&self) -> Option<&str> {
        match *self {
            Target::Table { new } | Target::Column { new, .. } => Some(new),
            Target::Dropped { .. } => None,
        }
    }
}

/// What a statement's text holds of the target.
#[derive(Debug)]
pub(crate) enum Reading<A: Allocator> {
    /// Every token naming the target, in text order.
    Exact {
        /// The tokens.
        sites: Vec<Site, A>,
        /// For `DROP COLUMN`: the column references among the sites, as
        /// SQLite's `no such column` writes them, when all are written
        /// alike; `None` when there are none, or some site is not a
        /// column reference or is written otherwise (then the reading
        /// is `Unsure` if there are sites).
        written: Option<String<A>>,
    },
    /// Some token may name the target in a way not followed.
    Unsure,
}

/// Reads the stored view or trigger statement `sql` for the target of an
/// `ALTER TABLE` on `table`.
pub(crate) fn read<A: Allocator + Clone>(
    sql: &str,
    schema: &Schema<A>,
    table: &str,
    target: Target<'_>,
    alloc: A,
) -> Result<Reading<A>> {
    let watched = target.watched(table);
    let Some(tokens) = count_tokens(sql, watched, target.after())? else {
        return Ok(Reading::Unsure);
    };
    if tokens == 0 {
        return Ok(Reading::Exact {
            sites: Vec::new_in(alloc),
            written: None,
        });
    }
    let parsed = parse_stored(sql, alloc.clone())?;
    let mut walk = Walk {
        sql,
        schema,
        table,
        target,
        sources: Vec::new_in(alloc.clone()),
        marks: Vec::new_in(alloc.clone()),
        trigger_on: None,
        sites: Vec::new_in(alloc.clone()),
        others: Vec::new_in(alloc.clone()),
        written: None,
        mixed: false,
        alloc: alloc.clone(),
    };
    match &parsed.stmt {
        Stmt::CreateView(view) => walk.select(&view.select)?,
        Stmt::CreateTrigger(trigger) => {
            let on = main_name(&trigger.table);
            let renamed = on.is_some_and(|n| n.eq_ignore_ascii_case(table));
            if renamed && matches!(target, Target::Table { .. }) {
                walk.site(&trigger.table.name)?;
            }
            walk.trigger_on = Some(renamed);
            if let TriggerEvent::Update(columns) = &trigger.event {
                for column in columns.iter() {
                    walk.set_column(column, renamed)?;
                }
            }
            if let Some(when) = &trigger.when {
                walk.expr(when)?;
            }
            for stmt in trigger.body.iter() {
                walk.body_stmt(stmt)?;
            }
        }
        _ => return Ok(Reading::Unsure),
    }
    let Walk {
        mut sites,
        mut others,
        written,
        mixed,
        ..
    } = walk;
    sites.sort_unstable_by_key(|s| s.at);
    sites.dedup();
    others.sort_unstable();
    others.dedup();
    if sites.len() + others.len() != tokens || sites.iter().any(|s| others.contains(&s.at)) {
        return Ok(Reading::Unsure);
    }
    let written = if mixed { None } else { written };
    Ok(Reading::Exact { sites, written })
}

/// How many tokens of `sql` could name `name`; `None` when a token names
/// `after` or the text does not tokenize.
fn count_tokens(sql: &str, name: &str, after: Option<&str>) -> Result<Option<usize>> {
    let mut lexer = Lexer::new(sql);
    let mut count = 0usize;
    loop {
        let Ok(token) = lexer.next_token() else {
            return Ok(None);
        };
        match token.kind {
            TokenKind::Eof => return Ok(Some(count)),
            TokenKind::Id | TokenKind::QuotedId | TokenKind::String | TokenKind::Keyword(_) => {
                let text = Quoted::new(token.text);
                if after.is_some_and(|a| text.eq_ignore_ascii_case(a)) {
                    return Ok(None);
                }
                if text.eq_ignore_ascii_case(name) {
                    count += 1;
                }
            }
            _ => {}
        }
    }
}

/// The name of a table of the main database: unqualified or `main.t`.
fn main_name<'a>(name: &QualifiedName<'a>) -> Option<Ident<'a>> {
    match &name.schema {
        Some(s) if !s.eq_ignore_ascii_case("main") => None,
        _ => Some(name.name),
    }
}

/// What a source of a `FROM` scope is.
#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    /// The table altered.
    Altered,
    /// Another table of the schema, by its name.
    Table(Ident<'a>),
    /// A view, subquery or table-valued function: its columns are not
    /// known here.
    Unknown,
}

/// A source of a `FROM` scope.
#[derive(Debug, Clone, Copy)]
struct Source<'a> {
    /// What qualifies its columns: its alias, else its name (a subquery
    /// without an alias has none).
    qualifier: Option<Ident<'a>>,
    /// Whether it has an alias.
    aliased: bool,
    kind: Kind<'a>,
}

/// Which sources of the scopes in hand have a column.
#[derive(Debug, Clone, Copy, Default)]
struct Holders {
    altered: bool,
    other: bool,
    unknown: bool,
}

/// The walk of one statement.
struct Walk<'w, 'a, A: Allocator> {
    sql: &'a str,
    schema: &'w Schema<A>,
    table: &'w str,
    target: Target<'w>,
    /// The sources of every scope in hand, outermost first.
    sources: Vec<Source<'a>, A>,
    /// Where each scope's sources start in `sources`.
    marks: Vec<usize, A>,
    /// In a trigger: whether it is on the table altered.
    trigger_on: Option<bool>,
    sites: Vec<Site, A>,
    /// Offsets of tokens that name the watched name but certainly not
    /// the target.
    others: Vec<usize, A>,
    written: Option<String<A>>,
    mixed: bool,
    alloc: A,
}

impl<'a, A: Allocator + Clone> Walk<'_, 'a, A> {
    fn site(&mut self, ident: &Ident<'a>) -> Result<()> {
        let site = Site {
            at: offset_of(self.sql, ident)?,
            len: ident.raw().len(),
            quoted: ident.is_quoted(),
            place: Place::Dependent,
        };
        Ok(self.sites.try_push(site)?)
    }

    fn other(&mut self, ident: &Ident<'a>) -> Result<()> {
        Ok(self.others.try_push(offset_of(self.sql, ident)?)?)
    }

    /// The column name of an `UPDATE OF`, `INSERT` list or `SET` of a
    /// table that is the one altered or not.
    fn set_column(&mut self, column: &Ident<'a>, altered: bool) -> Result<()> {
        let name = match self.target {
            Target::Column { name, .. } | Target::Dropped { name } => name,
            Target::Table { .. } => return Ok(()),
        };
        if !column.eq_ignore_ascii_case(name) {
            return Ok(());
        }
        if altered {
            // SQLite words these errors otherwise than `no such column`.
            self.mixed = true;
            self.site(column)
        } else {
            self.other(column)
        }
    }

    /// The source a `FROM` table reference is.
    fn source(&mut self, name: &QualifiedName<'a>, alias: Option<Ident<'a>>) -> Result<Source<'a>> {
        let kind = match main_name(name) {
            None => Kind::Unknown,
            Some(n) if n.eq_ignore_ascii_case(self.table) => {
                if matches!(self.target, Target::Table { .. }) {
                    self.site(&name.name)?;
                }
                Kind::Altered
            }
            Some(n) => {
                let is_table = self.schema.entries().iter().any(|e| {
                    e.kind == EntryKind::Table
                        && e.root.is_some()
                        && n.eq_ignore_ascii_case(&e.name)
                });
                if is_table {
                    Kind::Table(n)
                } else {
                    Kind::Unknown
                }
            }
        };
        Ok(Source {
            qualifier: Some(alias.unwrap_or(name.name)),
            aliased: alias.is_some(),
            kind,
        })
    }

    fn push_scope(&mut self) -> Result<()> {
        Ok(self.marks.try_push(self.sources.len())?)
    }

    fn pop_scope(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.sources.truncate(mark);
        }
    }

    fn body_stmt(&mut self, stmt: &Stmt<'a, A>) -> Result<()> {
        match stmt {
            Stmt::Select(select) => self.select(select),
            Stmt::Insert(insert) => {
                if !insert.with.is_empty() {
                    return Ok(());
                }
                let source = self.source(&insert.table, None)?;
                let altered = matches!(source.kind, Kind::Altered);
                for column in insert.columns.iter() {
                    self.set_column(column, altered)?;
                }
                match &insert.source {
                    InsertSource::Values(rows) => {
                        for expr in rows.iter().flat_map(|r| r.iter()) {
                            self.expr(expr)?;
                        }
                        Ok(())
                    }
                    InsertSource::Select(select) => self.select(select),
                    InsertSource::DefaultValues => Ok(()),
                }
            }
            Stmt::Update(update) => {
                if !update.with.is_empty() || update.from.is_some() {
                    return Ok(());
                }
                let source = self.source(&update.table, update.alias)?;
                let altered = matches!(source.kind, Kind::Altered);
                for assignment in update.assignments.iter() {
                    for column in assignment.columns.iter() {
                        self.set_column(column, altered)?;
                    }
                }
                self.push_scope()?;
                self.sources.try_push(source)?;
                for assignment in update.assignments.iter() {
                    self.expr(&assignment.value)?;
                }
                if let Some(filter) = &update.where_clause {
                    self.expr(filter)?;
                }
                self.pop_scope();
                Ok(())
            }
            Stmt::Delete(delete) => {
                if !delete.with.is_empty() {
                    return Ok(());
                }
                let source = self.source(&delete.table, delete.alias)?;
                self.push_scope()?;
                self.sources.try_push(source)?;
                if let Some(filter) = &delete.where_clause {
                    self.expr(filter)?;
                }
                self.pop_scope();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn select(&mut self, select: &Select<'a, A>) -> Result<()> {
        if !select.with.is_empty() {
            return Ok(());
        }
        // A compound's `ORDER BY` names its result columns, not the
        // sources', and is left to the token count.
        let order_by = select.compound.is_empty().then_some(&select.order_by[..]);
        self.core(&select.core, order_by)?;
        for (_, core) in select.compound.iter() {
            self.core(core, None)?;
        }
        Ok(())
    }

    fn core(
        &mut self,
        core: &SelectBody<'a, A>,
        order_by: Option<&[OrderingTerm<'a, A>]>,
    ) -> Result<()> {
        if !core.windows.is_empty() {
            return Ok(());
        }
        // Subqueries in `FROM` see the enclosing scopes, not their
        // siblings.
        if let Some(from) = &core.from {
            for table in tables(from) {
                if let TableRef::Subquery { select, .. } = table {
                    self.select(select)?;
                }
            }
        }
        self.push_scope()?;
        if let Some(from) = &core.from {
            for table in tables(from) {
                let source = match table {
                    TableRef::Table { name, alias, .. } => self.source(name, *alias)?,
                    TableRef::Subquery { alias, .. } | TableRef::Function { alias, .. } => Source {
                        qualifier: *alias,
                        aliased: alias.is_some(),
                        kind: Kind::Unknown,
                    },
                };
                self.sources.try_push(source)?;
            }
            for table in tables(from) {
                if let TableRef::Function { args, .. } = table {
                    for arg in args.iter() {
                        self.expr(arg)?;
                    }
                }
            }
            for join in from.joins.iter() {
                if let Some(JoinConstraint::On(on)) = &join.constraint {
                    self.expr(on)?;
                }
            }
        }
        for column in core.columns.iter() {
            if let ResultColumn::Expr { expr, .. } = column {
                self.expr(expr)?;
            }
            if let ResultColumn::TableStar(qualifier) = column {
                self.qualifier(qualifier)?;
            }
        }
        if let Some(filter) = &core.where_clause {
            self.expr(filter)?;
        }
        for expr in core.group_by.iter() {
            self.expr(expr)?;
        }
        if let Some(having) = &core.having {
            self.expr(having)?;
        }
        for term in order_by.unwrap_or(&[]) {
            self.expr(&term.expr)?;
        }
        self.pop_scope();
        Ok(())
    }

    fn expr(&mut self, expr: &Expr<'a, A>) -> Result<()> {
        match expr {
            Expr::Column(c) => self.column(c),
            Expr::Subquery(select) | Expr::Exists(select) => self.select(select),
            Expr::InSelect(i) => {
                self.expr(&i.expr)?;
                self.select(&i.select)
            }
            // `FILTER` and `OVER` are left to the token count.
            Expr::Function(call) => match &call.args {
                FunctionArgs::List(args) => args.iter().try_for_each(|a| self.expr(a)),
                FunctionArgs::Star => Ok(()),
            },
            _ => expr.try_for_each_child(|child| self.expr(child)),
        }
    }

    /// The innermost source `qualifier` names.
    fn qualified(&self, qualifier: &Ident<'a>) -> Option<Source<'a>> {
        self.sources
            .iter()
            .rev()
            .find(|s| s.qualifier.is_some_and(|q| same_name(&q, qualifier)))
            .copied()
    }

    /// A qualifier of a column (`q.c`, `q.*`): a site when it names the
    /// table by its own name.
    fn qualifier(&mut self, qualifier: &Ident<'a>) -> Result<()> {
        if !matches!(self.target, Target::Table { .. }) {
            return Ok(());
        }
        if let Some(source) = self.qualified(qualifier) {
            if matches!(source.kind, Kind::Altered) && !source.aliased {
                self.site(qualifier)?;
            }
        }
        Ok(())
    }

    fn column(&mut self, c: &ColumnRef<'a>) -> Result<()> {
        if c.schema.is_some() {
            return Ok(());
        }
        let (name, new) = match self.target {
            Target::Table { .. } => {
                if let Some(q) = &c.table {
                    self.qualifier(q)?;
                }
                return Ok(());
            }
            Target::Column { name, new } => (name, Some(new)),
            Target::Dropped { name } => (name, None),
        };
        if !c.column.eq_ignore_ascii_case(name) {
            return Ok(());
        }
        let altered = match &c.table {
            Some(q) => match self.qualified(q) {
                Some(source) => match source.kind {
                    Kind::Altered => true,
                    Kind::Table(_) => return self.other(&c.column),
                    Kind::Unknown => return Ok(()),
                },
                None => {
                    let pseudo = q.eq_ignore_ascii_case("new") || q.eq_ignore_ascii_case("old");
                    match self.trigger_on {
                        Some(true) if pseudo => true,
                        Some(false) if pseudo => return self.other(&c.column),
                        _ => return Ok(()),
                    }
                }
            },
            None => {
                let Some(holders) = self.unqualified(name, new)? else {
                    return Ok(());
                };
                match (holders.altered, holders.other) {
                    (true, false) => true,
                    (false, true) => return self.other(&c.column),
                    _ => return Ok(()),
                }
            }
        };
        if altered {
            self.site(&c.column)?;
            if matches!(self.target, Target::Dropped { .. }) {
                self.write_ref(c)?;
            }
        }
        Ok(())
    }

    /// Which sources of the innermost scope that has a column `name`
    /// have it; `None` when that is not certain, or when after the
    /// rename the altered table's column would be ambiguous in it.
    fn unqualified(&self, name: &str, new: Option<&str>) -> Result<Option<Holders>> {
        let mut end = self.sources.len();
        for &mark in self.marks.iter().rev() {
            let scope = self.sources.get(mark..end).unwrap_or(&[]);
            end = mark;
            let mut holders = Holders::default();
            let mut clashes = false;
            for source in scope {
                match source.kind {
                    Kind::Altered => holders.altered = true,
                    Kind::Unknown => holders.unknown = true,
                    Kind::Table(table) => {
                        let columns = self.columns_of(&table)?;
                        let has = |n: &str| {
                            columns
                                .columns
                                .iter()
                                .any(|c| c.name.eq_ignore_ascii_case(n))
                        };
                        holders.other |= has(name);
                        clashes |= new.is_some_and(has);
                    }
                }
            }
            if holders.unknown {
                return Ok(None);
            }
            if holders.altered && clashes {
                return Ok(None);
            }
            if holders.altered || holders.other {
                return Ok(Some(holders));
            }
        }
        Ok(None)
    }

    fn columns_of(&self, table: &Ident<'a>) -> Result<crate::schema::TableColumns<A>> {
        let entry = self
            .schema
            .entries()
            .iter()
            .find(|e| e.kind == EntryKind::Table && table.eq_ignore_ascii_case(&e.name))
            .ok_or(Error::Sql("no such table"))?;
        table_columns(entry.table_sql()?, self.alloc.clone())
    }

    /// Notes how SQLite's `no such column` would write `c`.
    fn write_ref(&mut self, c: &ColumnRef<'a>) -> Result<()> {
        if c.column.is_double_quoted() {
            // Once no column has the name, SQLite may read it as a string.
            self.mixed = true;
        }
        let mut out = String::new_in(self.alloc.clone());
        if let Some(q) = &c.table {
            for ch in q.chars() {
                out.try_push(ch)?;
            }
            out.try_push('.')?;
        }
        for ch in c.column.chars() {
            out.try_push(ch)?;
        }
        match &self.written {
            None => self.written = Some(out),
            Some(first) if first.as_str() == out.as_str() => {}
            Some(_) => self.mixed = true,
        }
        Ok(())
    }
}

/// Whether two names are one to SQLite: equal ignoring ASCII case.
fn same_name(a: &Ident<'_>, b: &Ident<'_>) -> bool {
    a.chars()
        .map(|c| c.to_ascii_lowercase())
        .eq(b.chars().map(|c| c.to_ascii_lowercase()))
}

/// The tables of a `FROM`, left to right.
fn tables<'f, 'a, A: Allocator>(
    from: &'f FromClause<'a, A>,
) -> impl Iterator<Item = &'f TableRef<'a, A>> {
    core::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table))
}
