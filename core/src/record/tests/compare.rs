//! SQLite's order of values and records.

use core::cmp::Ordering;

use super::encode;
use crate::record::{
    Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_record_with_values,
    compare_records, compare_values,
};

fn cmp(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
    let forward = compare_values(&a, &b, Collation::Binary);
    assert_eq!(
        compare_values(&b, &a, Collation::Binary),
        forward.reverse(),
        "{a:?} {b:?}"
    );
    forward
}

#[test]
fn values_order_by_type_then_value() {
    use ValueRef::{Blob, Integer, Null, Real, Text};
    let ascending = [
        Null,
        Real(f64::NEG_INFINITY),
        Integer(i64::MIN),
        Real(-1.5),
        Integer(-1),
        Integer(0),
        Real(0.5),
        Integer(1),
        Real(1e18),
        Integer(i64::MAX),
        Real(9.223372036854776e18),
        Real(f64::INFINITY),
        Text(b""),
        Text(b"A"),
        Text(b"a"),
        Text(b"ab"),
        Text(b"b"),
        Blob(b""),
        Blob(b"\x00"),
        Blob(b"\x00\x00"),
        Blob(b"\x01"),
    ];
    for (i, a) in ascending.iter().enumerate() {
        for (j, b) in ascending.iter().enumerate() {
            assert_eq!(cmp(*a, *b), i.cmp(&j), "{a:?} vs {b:?}");
        }
    }
    assert_eq!(cmp(Null, Null), Ordering::Equal);
    assert_eq!(cmp(Real(f64::NAN), Null), Ordering::Equal);
    assert_eq!(cmp(Real(f64::NAN), Integer(i64::MIN)), Ordering::Less);
}

#[test]
fn integers_and_reals_compare_exactly() {
    use ValueRef::{Integer, Real};
    let two_63 = 9_223_372_036_854_775_808.0;
    assert_eq!(cmp(Integer(i64::MAX), Real(two_63)), Ordering::Less);
    assert_eq!(cmp(Integer(i64::MIN), Real(-two_63)), Ordering::Equal);
    assert_eq!(
        cmp(Integer(i64::MIN), Real(-1.8446744073709552e19)),
        Ordering::Greater
    );
    // 2^53 + 1 is not a double; the nearest is 2^53.
    let big = 1i64 << 53;
    assert_eq!(cmp(Integer(big + 1), Real(big as f64)), Ordering::Greater);
    assert_eq!(cmp(Integer(big), Real(big as f64)), Ordering::Equal);
    assert_eq!(
        cmp(Integer(i64::MAX - 1), Real(i64::MAX as f64)),
        Ordering::Less
    );
    assert_eq!(cmp(Integer(5), Real(5.5)), Ordering::Less);
    assert_eq!(cmp(Integer(-5), Real(-5.5)), Ordering::Greater);
    assert_eq!(cmp(Integer(-6), Real(-5.5)), Ordering::Less);
    assert_eq!(cmp(Integer(0), Real(-0.0)), Ordering::Equal);
    assert_eq!(cmp(Real(0.0), Real(-0.0)), Ordering::Equal);
}

#[test]
fn collations_fold_as_sqlite_does() {
    let nocase = |a: &str, b: &str| Collation::NoCase.compare(a.as_bytes(), b.as_bytes());
    assert_eq!(nocase("ABC", "abc"), Ordering::Equal);
    assert_eq!(nocase("abc", "ABD"), Ordering::Less);
    assert_eq!(nocase("ab", "ABC"), Ordering::Less);
    // ASCII only: 'É' and 'é' stay distinct. 'A' folds to 'a' (0x61), so
    // '_' (0x5f) sorts before it, though after it under BINARY.
    assert_ne!(nocase("É", "é"), Ordering::Equal);
    assert_eq!(nocase("_", "A"), Ordering::Less);
    let rtrim = |a: &str, b: &str| Collation::RTrim.compare(a.as_bytes(), b.as_bytes());
    assert_eq!(rtrim("a  ", "a"), Ordering::Equal);
    assert_eq!(rtrim("a \t", "a"), Ordering::Greater);
    assert_eq!(rtrim("  ", ""), Ordering::Equal);
    assert_eq!(rtrim(" a", "a"), Ordering::Less);
    // Collations apply to TEXT, never to BLOBs.
    let (x, y) = (ValueRef::Blob(b"A"), ValueRef::Blob(b"a"));
    assert_eq!(compare_values(&x, &y, Collation::NoCase), Ordering::Less);
}

#[test]
fn records_compare_column_by_column() {
    let a = encode(&[
        ValueRef::text("B"),
        ValueRef::Integer(2),
        ValueRef::Integer(10),
    ]);
    let b = encode(&[
        ValueRef::text("b"),
        ValueRef::Integer(3),
        ValueRef::Integer(5),
    ]);
    let prefix = encode(&[ValueRef::text("b")]);
    let (a, b, prefix) = (
        RecordRef::parse(&a, None).unwrap(),
        RecordRef::parse(&b, None).unwrap(),
        RecordRef::parse(&prefix, None).unwrap(),
    );
    assert_eq!(compare_records(&a, &b, &[]).unwrap(), Ordering::Less);
    let nocase = KeyColumn {
        collation: Collation::NoCase,
        ..KeyColumn::default()
    };
    let desc = KeyColumn {
        order: SortOrder::Desc,
        ..KeyColumn::default()
    };
    assert_eq!(compare_records(&a, &b, &[nocase]).unwrap(), Ordering::Less);
    assert_eq!(
        compare_records(&a, &b, &[nocase, desc]).unwrap(),
        Ordering::Greater
    );
    // A shorter record compares equal on the shared columns.
    assert_eq!(compare_records(&b, &prefix, &[]).unwrap(), Ordering::Equal);
    assert_eq!(compare_records(&prefix, &b, &[]).unwrap(), Ordering::Equal);
    assert_eq!(
        compare_records(&a, &prefix, &[nocase]).unwrap(),
        Ordering::Equal
    );
    let key = [ValueRef::text("b"), ValueRef::Real(2.5)];
    assert_eq!(
        compare_record_with_values(&b, &key, &[]).unwrap(),
        Ordering::Greater
    );
    assert_eq!(
        compare_record_with_values(&a, &key, &[nocase]).unwrap(),
        Ordering::Less
    );
    assert_eq!(
        compare_record_with_values(&a, &[], &[]).unwrap(),
        Ordering::Equal
    );
}
