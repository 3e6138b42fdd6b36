//! `.dump [TABLE...]`: the database as SQL text that rebuilds it, in
//! `sqlite3`'s order and words.
//!
//! The text: `PRAGMA foreign_keys=OFF;`, `BEGIN TRANSACTION;`, each table
//! (in schema order, `sqlite_sequence` last) with its `CREATE` statement
//! and one `INSERT` per row (values as `insert` mode writes them), then
//! the indexes, triggers and views, then `COMMIT;`. With patterns, only
//! the tables, indexes, triggers and views whose names match one (`LIKE`,
//! without `sqlite3`'s `\` escape) are written. Rows are read and written
//! one at a time: a dump holds no table in memory.

use std::io::Write;

use boundlite::schema::EntryKind;

use crate::modes::value::write_name;
use crate::shell::{Heap, Shell, describe, like};

use super::listing::write_create;

impl<A: Heap> Shell<'_, A> {
    /// `.dump [PATTERN...]`.
    pub(super) fn dump(&mut self, patterns: &[&str]) -> Result<(), String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        let matches = |name: &str| {
            patterns.is_empty() || patterns.iter().any(|p| like(p.as_bytes(), name.as_bytes()))
        };
        let mut tables: Vec<_> = schema
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Table && e.sql.is_some() && matches(&e.name))
            .collect();
        tables.sort_by_key(|e| (&*e.name == "sqlite_sequence", e.rowid));
        let written = |e: std::io::Error| format!("cannot write the output: {e}");
        self.out
            .write_all(b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
            .map_err(written)?;
        for table in tables {
            let name = &*table.name;
            let sql = table.sql.as_deref().unwrap_or("");
            if name == "sqlite_sequence" {
                self.out
                    .write_all(b"DELETE FROM sqlite_sequence;\n")
                    .map_err(written)?;
            } else if like(b"sqlite_stat_", name.as_bytes()) {
                self.out
                    .write_all(b"ANALYZE sqlite_schema;\n")
                    .map_err(written)?;
            } else if like(b"sqlite_%", name.as_bytes()) {
                continue;
            } else {
                write_create(&mut self.out, sql).map_err(written)?;
            }
            if let Err(message) = self.dump_rows(name) {
                let _ = self.out.write_all(b"ROLLBACK; -- due to errors\n");
                return Err(message);
            }
        }
        for entry in schema.entries() {
            let other = matches!(
                entry.kind,
                EntryKind::Index | EntryKind::Trigger | EntryKind::View
            );
            if let (true, Some(sql)) = (other && matches(&entry.name), &entry.sql) {
                writeln!(self.out, "{sql};").map_err(written)?;
            }
        }
        self.out.write_all(b"COMMIT;\n").map_err(written)
    }

    /// One `INSERT` per row of table `name`.
    fn dump_rows(&mut self, name: &str) -> Result<(), String> {
        let mut quoted = Vec::new();
        // Writing to a vector cannot fail.
        let _ = write_name(&mut quoted, name);
        let quoted = String::from_utf8_lossy(&quoted).into_owned();
        let select = format!("SELECT * FROM {quoted}");
        let mut stmt = self.conn.prepare(&select).map_err(|e| describe(&e))?;
        while let Some(row) = stmt.step().map_err(|e| describe(&e))? {
            crate::modes::insert_row(&mut self.out, &quoted, None, &row)
                .map_err(|_| "cannot write the output".to_string())?;
        }
        Ok(())
    }
}
