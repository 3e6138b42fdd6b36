//! The text edits of `ALTER TABLE`, on the shapes SQLite's own edits
//! were checked against (see `tests/tests/alter_table.rs` for the
//! comparison with SQLite itself).

use crate::alloc::{Global, String, Vec};
use crate::schema::alter::{
    Place, add_column, add_column_offset, drop_column, find_sites, push_quoted, replace_sites,
};

#[test]
fn a_column_is_added_before_the_table_constraints() {
    let cases = [
        ("CREATE TABLE t(a, b)", "CREATE TABLE t(a, b, c INT)"),
        (
            "CREATE TABLE t(a, b, PRIMARY KEY(a), UNIQUE(b))",
            "CREATE TABLE t(a, b, c INT, PRIMARY KEY(a), UNIQUE(b))",
        ),
        (
            "CREATE TABLE t(a CHECK(a IN (1, 2)), b /* , */ ) WITHOUT ROWID",
            "CREATE TABLE t(a CHECK(a IN (1, 2)), b /* , */ , c INT) WITHOUT ROWID",
        ),
    ];
    for (sql, want) in cases {
        assert_eq!(add_column(sql, "c INT", Global).unwrap().as_str(), want);
    }
    assert!(add_column_offset("CREATE TABLE t").is_err());
}

#[test]
fn a_dropped_column_takes_its_text_and_one_comma() {
    let sql = "CREATE TABLE t(a INT, \"b\" TEXT /* b */, c, CHECK(a > 0))";
    let cases = [
        (0, "CREATE TABLE t(\"b\" TEXT /* b */, c, CHECK(a > 0))"),
        (1, "CREATE TABLE t(a INT, c, CHECK(a > 0))"),
        (2, "CREATE TABLE t(a INT, \"b\" TEXT /* b */, CHECK(a > 0))"),
    ];
    for (at, want) in cases {
        assert_eq!(drop_column(sql, at, Global).unwrap().as_str(), want);
    }
}

#[test]
fn names_are_found_where_they_name_the_column_and_nowhere_else() {
    let sql = "CREATE TABLE t(a TEXT CHECK(a <> 'a'), b AS (t.a || x.a), CHECK(\"A\" > 0), \
               UNIQUE(b, a), FOREIGN KEY(a) REFERENCES t(a))";
    let mut sites = Vec::new_in(Global);
    find_sites(sql, "t", Some("a"), &mut sites, Global).unwrap();
    let places: super::StdVec<Place> = sites.iter().map(|s| s.place).collect();
    assert_eq!(
        places,
        [
            Place::ColumnName(0),
            Place::ColumnExpr(0),
            Place::ColumnExpr(1),
            Place::TableCheck,
            Place::TableKey,
            Place::ChildKey,
            Place::ParentKey,
        ]
    );
    let renamed = replace_sites(
        sql,
        &sites,
        |site, out: &mut String<Global>| match site.quoted {
            true => push_quoted(out, "z\"q"),
            false => Ok(out.try_push_str("z")?),
        },
        Global,
    )
    .unwrap();
    assert_eq!(
        renamed.as_str(),
        "CREATE TABLE t(z TEXT CHECK(z <> 'a'), b AS (t.z || x.a), CHECK(\"z\"\"q\" > 0), \
         UNIQUE(b, z), FOREIGN KEY(z) REFERENCES t(z))"
    );
}
