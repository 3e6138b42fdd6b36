//! Index entries built from table rows.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use super::*;

#[test]
fn keys_built_from_rows_match_the_record_encoder() {
    let t = table("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c DEFAULT 5, d)");
    let i = index_columns("CREATE INDEX i ON t(b, id, a, d)", &t, Global).unwrap();
    let mut row = crate::alloc::Vec::new();
    // The row lacks column d (added by ALTER TABLE, no default): d is NULL.
    encode_into(
        &[ValueRef::Null, ValueRef::Integer(300), ValueRef::text("x")],
        &mut row,
    )
    .unwrap();
    let row = RecordRef::parse(&row, None).unwrap();
    let mut key = crate::alloc::Vec::new();
    assert_eq!(
        build_index_key(&t, &i, &row, RowId::new(7), &mut key).unwrap(),
        KeyBuilt::Built
    );
    let mut expected = crate::alloc::Vec::new();
    let values = [
        ValueRef::text("x"),
        ValueRef::Integer(7),
        ValueRef::Integer(300),
        ValueRef::Null,
        ValueRef::Integer(7),
    ];
    encode_into(&values, &mut expected).unwrap();
    assert_eq!(key, expected);
    // Column c has a default that index maintenance does not evaluate.
    let i = index_columns("CREATE INDEX j ON t(c)", &t, Global).unwrap();
    assert_eq!(
        build_index_key(&t, &i, &row, RowId::new(7), &mut key).unwrap(),
        KeyBuilt::Unknown
    );
    // A header past 126 bytes of serial types takes a two-byte size.
    let wide = table("CREATE TABLE w(x)");
    let mut many = std::string::String::from("CREATE INDEX k ON w(x");
    for _ in 0..200 {
        many.push_str(", x");
    }
    many.push(')');
    let i = index_columns(&many, &wide, Global).unwrap();
    let mut row = crate::alloc::Vec::new();
    encode_into(&[ValueRef::Integer(1000)], &mut row).unwrap();
    let row = RecordRef::parse(&row, None).unwrap();
    build_index_key(&wide, &i, &row, RowId::new(1), &mut key).unwrap();
    let mut expected = crate::alloc::Vec::new();
    let mut values = vec![ValueRef::Integer(1000); 201];
    values.push(ValueRef::Integer(1));
    encode_into(&values, &mut expected).unwrap();
    assert_eq!(key, expected);
}
