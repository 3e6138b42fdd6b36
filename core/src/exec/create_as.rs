//! `CREATE TABLE t AS SELECT ...`: the table's columns named and typed
//! as SQLite derives them from the query, its `CREATE TABLE` text
//! written as SQLite writes it, then the query's rows stored into it.
//!
//! SQLite's rules it follows (`sqlite3ColumnsFromExprList`,
//! `sqlite3ExprAffinity`, `createTableStmt`):
//! - a column is named by its alias; else a column reference (through
//!   `COLLATE`) by the column's declared name, the rowid by its alias
//!   column's name or `rowid`; else by the expression's text as written;
//!   a name already taken (ignoring case) gets `:1`, `:2`... in place of
//!   any such suffix it had;
//! - its type is its expression's affinity: a column's, a `CAST`'s, a
//!   scalar subquery's first column's, else none; written ` INT`,
//!   ` TEXT`, ` REAL`, ` NUM`, or nothing;
//! - a name is written in double quotes when it is empty, starts with a
//!   digit, holds anything but ASCII letters, digits and `_`, or is a
//!   keyword; the columns go on one line unless the names run to 50
//!   characters or more (counted as SQLite counts them), then one a line
//!   indented by two spaces.
//!
//! A one-row `VALUES` names its columns `column1`, `column2`...
//!
//! Refused: a compound query or a `VALUES` of several rows (their column
//! types combine by rules this does not follow), and what a query refuses (joins,
//! subqueries in `FROM`). More than four columns of one name are refused
//! too, as SQLite names the fifth with a random number.
//!
//! Invariant: the table is created before its rows are stored, and the
//! creation is not in the statement's undo log; a failure after it undoes
//! the statement to its mark, or, without one (outside a transaction, or
//! a temporary table), rolls the whole write transaction back, so no
//! table is left without its rows.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::sql::{
    Affinity, CoreForm, Expr, Ident, Keyword, QualifiedName, ResultColumn, Select, SelectBody,
    affinity_of,
};
use crate::table::{Side, TableInfo, Writer};
use crate::{Error, Result};

use super::derived::values_column;
use super::insert;
use super::select::{body_of, from_of, load_table, name_of};
use super::{Env, with};

/// The keywords `Keyword::lookup` does not know (the parser reads them
/// as names), which SQLite's `identPut` still quotes.
const MORE_KEYWORDS: [&str; 3] = ["FILTER", "OVER", "WINDOW"];

/// Creates the table `name` from `select`, then fills it.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    name: &str,
    table: &Ident<'_>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let body = body_of(select)?;
    if !select.with.is_empty() {
        return Err(Error::Sql(
            "CREATE TABLE ... AS SELECT with a WITH clause is not supported",
        ));
    }
    if let Some((from, _)) = from_of(body)? {
        if with::names_query(&from, env) {
            return Err(Error::Sql(
                "CREATE TABLE ... AS SELECT from a view is not supported",
            ));
        }
    }
    let view = w.view();
    let load = |name: &QualifiedName<'_>| load_table(view, name, env);
    let mut columns = Vec::new_in(alloc.clone());
    columns_of(&load, body, &mut columns, alloc.clone())?;
    let sql = create_text(name, &columns, alloc.clone())?;
    w.create_table(name, &sql)?;
    let made = QualifiedName {
        schema: (w.side() == Side::Temp).then_some(Ident::new("temp")),
        name: *table,
    };
    // SQLite stores the rows without counting them as inserted:
    // `last_insert_rowid()` stays as it was.
    let last = env.counters.map(|c| c.last_rowid.get());
    let stored = insert::insert_query(w, &made, select, env);
    if let (Some(counters), Some(last)) = (env.counters, last) {
        counters.last_rowid.set(last);
    }
    match stored {
        Ok(_) => Ok(()),
        Err(e) => {
            w.fail_transaction()?;
            Err(e)
        }
    }
}

/// One column of the table made.
struct Column<A: Allocator> {
    name: String<A>,
    affinity: Affinity,
}

/// The table a query reads in `FROM`, and the name it goes by there.
struct From<'q, A: Allocator> {
    info: TableInfo<A>,
    alias: Option<Ident<'q>>,
}

impl<A: Allocator> From<'_, A> {
    /// Whether `qualifier` names this table.
    fn is(&self, qualifier: &Ident<'_>) -> bool {
        match &self.alias {
            Some(alias) => qualifier.eq_ignore_ascii_case(alias_text(alias)),
            None => qualifier.eq_ignore_ascii_case(&self.info.name),
        }
    }
}

/// An alias's text for comparison, when it needs no unescaping.
fn alias_text<'q>(alias: &Ident<'q>) -> &'q str {
    alias.as_str().unwrap_or_else(|| alias.inner())
}

/// How a table is loaded by its name as written.
type Load<'l, A> = dyn Fn(&QualifiedName<'_>) -> Result<TableInfo<A>> + 'l;

/// The table `body` reads, loaded by `load`.
fn from_table<'q, A: Allocator + Clone>(
    load: &Load<'_, A>,
    body: &SelectBody<'q, A>,
) -> Result<Option<From<'q, A>>> {
    let Some((name, alias)) = from_of(body)? else {
        return Ok(None);
    };
    let info = load(&name).map_err(|e| name.as_written(e))?;
    Ok(Some(From { info, alias }))
}

/// The columns `body` makes, in `out`.
fn columns_of<A: Allocator + Clone>(
    load: &Load<'_, A>,
    body: &SelectBody<'_, A>,
    out: &mut Vec<Column<A>, A>,
    alloc: A,
) -> Result<()> {
    let from = from_table(load, body)?;
    for (i, column) in body.columns.iter().enumerate() {
        match column {
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let Some(from) = &from else {
                    return Err(Error::Sql("no tables specified"));
                };
                if let ResultColumn::TableStar(t) = column {
                    if !from.is(t) {
                        return Err(super::scope::unknown_table(t));
                    }
                }
                for (c, meta) in from.info.columns.columns.iter().zip(from.info.meta.iter()) {
                    let name = String::try_from_str_in(&c.name, alloc.clone())?;
                    push_unique(out, name, meta.affinity, alloc.clone())?;
                }
            }
            ResultColumn::Expr { expr, alias, text } => {
                let affinity = affinity(load, expr, from.as_ref())?;
                let name = match alias {
                    _ if body.form == CoreForm::Values => values_column(i, &alloc)?,
                    Some(alias) => name_of(alias, alloc.clone())?,
                    None => match column_named(skip_collate(expr), from.as_ref()) {
                        Some(Named::Column(c)) => String::try_from_str_in(c, alloc.clone())?,
                        Some(Named::Rowid) => String::try_from_str_in("rowid", alloc.clone())?,
                        None => String::try_from_str_in(text, alloc.clone())?,
                    },
                };
                push_unique(out, name, affinity, alloc.clone())?;
            }
        }
    }
    Ok(())
}

/// What a column reference names in a query's table.
enum Named<'t> {
    /// A column, by its declared name.
    Column(&'t str),
    /// The rowid of a table without an alias for it.
    Rowid,
}

/// `expr` without the `COLLATE`s around it.
fn skip_collate<'e, 'a, A: Allocator>(mut expr: &'e Expr<'a, A>) -> &'e Expr<'a, A> {
    while let Expr::Collate(inner, _) = expr {
        expr = inner;
    }
    expr
}

/// The column `expr` names in `from`, when it is a reference to one.
fn column_named<'t, A: Allocator>(
    expr: &Expr<'_, A>,
    from: Option<&'t From<'_, A>>,
) -> Option<Named<'t>> {
    let (Expr::Column(c), Some(from)) = (expr, from) else {
        return None;
    };
    if c.table.is_some_and(|t| !from.is(&t)) || c.schema.is_some() {
        return None;
    }
    let columns = &from.info.columns;
    if let Some(i) = columns
        .columns
        .iter()
        .position(|col| c.column.eq_ignore_ascii_case(&col.name))
    {
        return columns.columns.get(i).map(|col| Named::Column(&col.name));
    }
    let is_rowid = ["rowid", "oid", "_rowid_"]
        .iter()
        .any(|r| c.column.eq_ignore_ascii_case(r));
    match (is_rowid, columns.rowid_alias) {
        (false, _) => None,
        (true, Some(i)) => columns.columns.get(i).map(|col| Named::Column(&col.name)),
        (true, None) => Some(Named::Rowid),
    }
}

/// The affinity of `expr` in a query over `from`, as SQLite's
/// `sqlite3ExprAffinity` gives it.
fn affinity<A: Allocator + Clone>(
    load: &Load<'_, A>,
    expr: &Expr<'_, A>,
    from: Option<&From<'_, A>>,
) -> Result<Affinity> {
    let expr = skip_collate(expr);
    Ok(match expr {
        Expr::Column(_) => match column_named(expr, from) {
            Some(Named::Column(name)) => from
                .and_then(|f| {
                    let i = f.info.columns.columns.iter().position(|c| c.name == name)?;
                    f.info.meta.get(i).map(|m| m.affinity)
                })
                .unwrap_or(Affinity::Blob),
            Some(Named::Rowid) => Affinity::Integer,
            None => Affinity::Blob,
        },
        Expr::Cast(cast) => affinity_of(cast.type_name.as_ref()),
        // A compound's first member decides, as in SQLite.
        Expr::Subquery(query) => {
            let body: &SelectBody<'_, A> = &query.core;
            let inner = from_table(load, body)?;
            match body.columns.first() {
                Some(ResultColumn::Expr { expr, .. }) => affinity(load, expr, inner.as_ref())?,
                _ => Affinity::Blob,
            }
        }
        _ => Affinity::Blob,
    })
}

/// Adds the column `name` to `out`, renamed as SQLite renames a name
/// already taken.
fn push_unique<A: Allocator + Clone>(
    out: &mut Vec<Column<A>, A>,
    mut name: String<A>,
    affinity: Affinity,
    alloc: A,
) -> Result<()> {
    let mut count = 0u32;
    while out.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
        count += 1;
        if count > 3 {
            return Err(Error::Sql(
                "CREATE TABLE ... AS SELECT with more than four columns of one name is not supported",
            ));
        }
        // A suffix `:digits` is replaced, not added to.
        let digits = name.bytes().rev().take_while(u8::is_ascii_digit).count();
        let stem = name.len() - digits;
        let keep = match name.as_bytes().get(..stem) {
            Some([.., b':']) if stem > 1 => stem - 1,
            _ => name.len(),
        };
        let mut next = String::new_in(alloc.clone());
        next.try_push_str(name.get(..keep).unwrap_or(""))?;
        next.try_push_str(":")?;
        let mut buf = [0u8; 10];
        next.try_push_str(decimal(count, &mut buf))?;
        name = next;
    }
    out.try_push(Column { name, affinity })?;
    Ok(())
}

/// `n` in decimal, written into `buf`.
pub(crate) fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    core::str::from_utf8(buf.get(at..).unwrap_or_default()).unwrap_or_default()
}

/// SQLite's `identLength`: the name's bytes, each `"` twice, plus two.
fn ident_length(name: &str) -> usize {
    name.len() + name.bytes().filter(|&b| b == b'"').count() + 2
}

/// Appends `name` as SQLite's `identPut` writes it.
fn push_ident<A: Allocator>(out: &mut String<A>, name: &str) -> Result<()> {
    let plain = name
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let keyword = Keyword::lookup(name).is_some()
        || MORE_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name));
    let quote = plain == 0
        || plain != name.len()
        || name.as_bytes().first().is_some_and(u8::is_ascii_digit)
        || keyword;
    if quote {
        crate::schema::alter::push_quoted(out, name)
    } else {
        Ok(out.try_push_str(name)?)
    }
}

/// The `CREATE TABLE` text SQLite writes for the table `name` of
/// `columns`.
fn create_text<A: Allocator + Clone>(
    name: &str,
    columns: &[Column<A>],
    alloc: A,
) -> Result<String<A>> {
    let length = columns
        .iter()
        .map(|c| ident_length(&c.name) + 5)
        .sum::<usize>()
        + ident_length(name);
    let (first, between, end) = match length < 50 {
        true => ("", ",", ")"),
        false => ("\n  ", ",\n  ", "\n)"),
    };
    let mut out = String::new_in(alloc);
    out.try_push_str("CREATE TABLE ")?;
    push_ident(&mut out, name)?;
    out.try_push_str("(")?;
    for (i, column) in columns.iter().enumerate() {
        out.try_push_str(if i == 0 { first } else { between })?;
        push_ident(&mut out, &column.name)?;
        out.try_push_str(match column.affinity {
            Affinity::Blob => "",
            Affinity::Text => " TEXT",
            Affinity::Numeric => " NUM",
            Affinity::Integer => " INT",
            Affinity::Real => " REAL",
        })?;
    }
    out.try_push_str(end)?;
    Ok(out)
}
