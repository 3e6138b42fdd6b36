//! The names of a `PRAGMA`'s result columns, as SQLite's
//! `setPragmaResultColumnNames` gives them: the columns of the pragmas
//! that return tables (`table_info`, `index_list`, `wal_checkpoint`...),
//! and the pragma's own name for those that return one value, except
//! `busy_timeout`'s `timeout`. A pragma that sets a value and returns no
//! row (SQLite's `PragFlg_NoColumns1`: `page_size = N`, `user_version =
//! N`...) has none, as has one SQLite does not know.

use crate::sql::Pragma;

/// Whether a pragma names its columns when it is given a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// Its columns whatever it is given.
    Named,
    /// None when it sets a value: it returns no row then.
    Silent,
}

/// Each pragma this engine runs: its name, its columns' names, and
/// whether setting it returns no row.
const COLUMNS: [(&str, &[&str], Setting); 23] = [
    ("integrity_check", &["integrity_check"], Setting::Named),
    ("quick_check", &["quick_check"], Setting::Named),
    ("page_count", &["page_count"], Setting::Named),
    ("freelist_count", &["freelist_count"], Setting::Named),
    ("page_size", &["page_size"], Setting::Silent),
    ("cache_size", &["cache_size"], Setting::Silent),
    ("journal_mode", &["journal_mode"], Setting::Named),
    (
        "wal_checkpoint",
        &["busy", "log", "checkpointed"],
        Setting::Named,
    ),
    ("busy_timeout", &["timeout"], Setting::Named),
    ("sort_memory", &["sort_memory"], Setting::Named),
    (
        "mvcc_checkpoint_threshold",
        &["mvcc_checkpoint_threshold"],
        Setting::Named,
    ),
    ("user_version", &["user_version"], Setting::Silent),
    (
        "table_info",
        &["cid", "name", "type", "notnull", "dflt_value", "pk"],
        Setting::Named,
    ),
    (
        "table_xinfo",
        &[
            "cid",
            "name",
            "type",
            "notnull",
            "dflt_value",
            "pk",
            "hidden",
        ],
        Setting::Named,
    ),
    (
        "index_list",
        &["seq", "name", "unique", "origin", "partial"],
        Setting::Named,
    ),
    ("index_info", &["seqno", "cid", "name"], Setting::Named),
    (
        "index_xinfo",
        &["seqno", "cid", "name", "desc", "coll", "key"],
        Setting::Named,
    ),
    (
        "foreign_key_list",
        &[
            "id",
            "seq",
            "table",
            "from",
            "to",
            "on_update",
            "on_delete",
            "match",
        ],
        Setting::Named,
    ),
    (
        "foreign_key_check",
        &["table", "rowid", "parent", "fkid"],
        Setting::Named,
    ),
    ("encoding", &["encoding"], Setting::Silent),
    ("synchronous", &["synchronous"], Setting::Silent),
    ("foreign_keys", &["foreign_keys"], Setting::Silent),
    (
        "defer_foreign_keys",
        &["defer_foreign_keys"],
        Setting::Silent,
    ),
];

/// The names of `pragma`'s result columns.
pub(crate) fn column_names(pragma: &Pragma<'_>) -> &'static [&'static str] {
    let name = &pragma.name.name;
    match COLUMNS
        .iter()
        .find(|(known, _, _)| name.eq_ignore_ascii_case(known))
    {
        Some((_, _, Setting::Silent)) if pragma.value.is_some() => &[],
        Some((_, names, _)) => names,
        None => &[],
    }
}
