//! Tests of the schema: the text edits of `ALTER TABLE` (`alter`), the columns read from the statements SQLite
//! stores (`declared`), index keys built from rows (`key`), reading and
//! editing the schema table through a pager (`edit`), and running out of
//! memory while reading it (`oom`). Shared helpers live here.
// Test scaffolding uses std's collections; the code under test does not.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::string::String as StdString;
use std::vec;
use std::vec::Vec as StdVec;

use boundlite_platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::btree::{TreeKind, TreeWriter};
use crate::format::{PageSize, TextEncoding};
use crate::pager::Pager;
use crate::record::{Collation, RecordRef, SortOrder, ValueRef, encode_into};
use crate::{Config, Error, RowId};

fn table(sql: &str) -> TableColumns<Global> {
    table_columns(sql, Global).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn names(t: &TableColumns<Global>) -> StdVec<StdString> {
    t.columns
        .iter()
        .map(|c| StdString::from(c.name.as_str()))
        .collect()
}

fn col(i: usize, collation: Collation, order: SortOrder) -> IndexColumn {
    IndexColumn {
        source: ColumnSource::Column(i),
        collation: Some(collation),
        order,
    }
}

const ASC: SortOrder = SortOrder::Asc;
const DESC: SortOrder = SortOrder::Desc;
const BIN: Collation = Collation::Binary;

const PATH: &str = "schema.db";

fn open(disk: &MemoryPlatform) -> Pager<MemoryFile<'_>, Global> {
    let cfg = Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    };
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, &cfg, Global).unwrap()
}

/// A database holding an empty schema table, committed.
fn fresh(disk: &MemoryPlatform) -> (Pager<MemoryFile<'_>, Global>, TreeWriter<Global>) {
    let pager = open(disk);
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    assert_eq!(
        writer.create_tree(&pager, TreeKind::Table).unwrap(),
        PageNo::ONE
    );
    pager
        .update_header(|h| {
            h.schema_format = 0;
            h.text_encoding = None;
        })
        .unwrap();
    pager.commit().unwrap();
    (pager, writer)
}

mod alter;
mod declared;
mod edit;
mod key;
mod oom;
