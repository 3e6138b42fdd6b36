//! `.tables`, `.indexes` and `.schema`: the schema's names and text, as
//! `sqlite3` lists them.

use std::io::Write;

use boundlite::schema::EntryKind;

use crate::shell::{Heap, Shell, describe, like};

impl<A: Heap> Shell<'_, A> {
    /// `.tables [PATTERN]`: table and view names, sorted, in columns.
    pub(super) fn tables(&mut self, pattern: Option<&str>) -> Result<(), String> {
        self.list_names(
            pattern,
            |kind| matches!(kind, EntryKind::Table | EntryKind::View),
            false,
        )
    }

    /// `.indexes [TABLE]`: index names (of the tables matching `TABLE`),
    /// sorted, in columns.
    pub(super) fn indexes(&mut self, table: Option<&str>) -> Result<(), String> {
        self.list_names(table, |kind| kind == EntryKind::Index, true)
    }

    /// The names of the entries `wanted` keeps, but `sqlite_` ones, whose
    /// name (or table's name, `by_table`) matches `pattern`, in columns.
    fn list_names(
        &mut self,
        pattern: Option<&str>,
        wanted: impl Fn(EntryKind) -> bool,
        by_table: bool,
    ) -> Result<(), String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        let mut names: Vec<&str> = schema
            .entries()
            .iter()
            .filter(|e| wanted(e.kind))
            .filter(|e| !like(b"sqlite_%", e.name.as_bytes()))
            .filter(|e| {
                let matched = if by_table { &e.table } else { &e.name };
                pattern.is_none_or(|p| like(p.as_bytes(), matched.as_bytes()))
            })
            .map(|e| &*e.name)
            .collect();
        names.sort_unstable();
        write_in_columns(&mut self.out, &names).map_err(|e| format!("cannot write the output: {e}"))
    }

    /// `.schema [TABLE]`: the `CREATE` statements (of the tables matching
    /// `TABLE` and their indexes, triggers), in schema order; a table
    /// whose name is quoted reads `CREATE TABLE IF NOT EXISTS`, as
    /// `sqlite3` prints it.
    pub(super) fn schema(&mut self, table: Option<&str>) -> Result<(), String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        for entry in schema.entries() {
            let Some(sql) = &entry.sql else { continue };
            let wanted = table.is_none_or(|t| like(t.as_bytes(), entry.table.as_bytes()));
            if wanted {
                write_create(&mut self.out, sql)
                    .map_err(|e| format!("cannot write the output: {e}"))?;
            }
        }
        Ok(())
    }
}

/// Writes a `CREATE` statement and `;`: a `CREATE TABLE` of a quoted name
/// as `CREATE TABLE IF NOT EXISTS`, as `sqlite3`'s `.schema` and `.dump`
/// write it.
pub fn write_create(out: &mut dyn Write, sql: &str) -> std::io::Result<()> {
    match sql.strip_prefix("CREATE TABLE ") {
        Some(rest) if rest.starts_with(['"', '\'']) => {
            writeln!(out, "CREATE TABLE IF NOT EXISTS {rest};")
        }
        _ => writeln!(out, "{sql};"),
    }
}

/// Writes `names` in columns down then across, as `sqlite3` does: as many
/// columns as fit 80 characters, each name padded to the longest.
fn write_in_columns(out: &mut dyn Write, names: &[&str]) -> std::io::Result<()> {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let columns = (80 / (width + 2)).max(1);
    let rows = names.len().div_ceil(columns);
    for row in 0..rows {
        for (i, name) in names.iter().enumerate().skip(row).step_by(rows) {
            let gap = if i < rows { "" } else { "  " };
            write!(out, "{gap}{name:<width$}")?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}
