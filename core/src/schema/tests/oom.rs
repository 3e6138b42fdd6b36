//! Reading a schema when the allocator refuses.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use super::*;

#[test]
fn reading_a_schema_survives_every_allocation_failure() {
    use crate::alloc::{Arena, FaultAlloc, oom_sweep};
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    for (name, sql) in [
        (
            "a",
            "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, \"e mail\" TEXT UNIQUE COLLATE NOCASE, n DEFAULT 0)",
        ),
        (
            "b",
            "CREATE TABLE b(x, y, z AS (x + y), UNIQUE(x, y DESC), PRIMARY KEY(y))",
        ),
        (
            "c",
            "CREATE TABLE c(v VARCHAR(10) NOT NULL CHECK (v <> ''))",
        ),
    ] {
        editor.create_table(name, sql).unwrap();
    }
    for (name, table, sql) in [
        ("a_n", "a", "CREATE INDEX a_n ON a(n DESC, \"e mail\")"),
        ("b_y", "b", "CREATE INDEX b_y ON b(y, x COLLATE rtrim)"),
        ("c_v", "c", "CREATE UNIQUE INDEX c_v ON c(v)"),
    ] {
        editor
            .create_index(name, table, sql, &&disk, Config::DEFAULT_SORT_MEMORY)
            .unwrap();
    }
    pager.commit().unwrap();

    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                let schema = Schema::read(&pager, f)?;
                let mut found = 0;
                for entry in schema.entries() {
                    let Some(sql) = entry.sql.as_deref() else {
                        continue;
                    };
                    if entry.kind != EntryKind::Table {
                        continue;
                    }
                    let columns = table_columns(sql, f)?;
                    found += columns.columns.len();
                    for index in schema.indexes_of(&entry.name) {
                        found += index_columns_of(index, &columns, f)?.columns.len();
                    }
                    let info = crate::table::TableInfo::load(&schema, &entry.name, f)?;
                    found += info.indexes.len();
                }
                Ok::<usize, Error>(found)
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            },
        )
        .unwrap();
        // Columns 3 + 3 + 1 + 2 (sqlite_sequence), index keys 1 + 2 (a),
        // 2 + 1 + 2 (b), 1 (c), and 2 + 3 + 1 indexes.
        assert_eq!(report.value, 9 + 9 + 6);
        assert!(report.failure_points > 20, "{}", report.failure_points);
    }
}
