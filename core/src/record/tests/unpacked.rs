//! The lazy comparison of a stored record with a decoded key against
//! [`compare_records`]: seeded random records that share prefixes, every
//! collation, both orders, keys wider than the decoded part, corrupt
//! headers.

extern crate std;

use core::cmp::Ordering;
use std::vec::Vec as StdVec;

use super::encode;
use crate::Error;
use crate::record::{
    Collation, KeyColumn, RecordRef, SortOrder, UNPACKED_COLUMNS, UnpackedKey, ValueRef,
    compare_payload, compare_record_with_values, compare_records,
};
use crate::test_rng::Rng;

/// Texts and blobs that collide under NOCASE and RTRIM, so every
/// collation decides differently somewhere.
const WORDS: [&[u8]; 8] = [b"", b"a", b"A", b"a ", b"ab", b"aB", b"b  ", b"\xc3\xa9"];

/// A value drawn so that two draws are often equal, or equal under a
/// collation, or an INTEGER equal to a REAL.
fn value(rng: &mut Rng) -> ValueRef<'static> {
    let word = |rng: &mut Rng| WORDS[rng.below(WORDS.len() as u64) as usize];
    match rng.below(9) {
        0 => ValueRef::Null,
        1 => ValueRef::Integer(rng.below(5) as i64 - 2),
        2 => ValueRef::Integer(rng.next() as i64 >> rng.below(64)),
        3 => ValueRef::Real(rng.below(5) as f64 - 2.0),
        4 => ValueRef::Real([-0.0, 0.5, 1e300, f64::INFINITY][rng.below(4) as usize]),
        5 => ValueRef::real(f64::from_bits(rng.next())),
        6 | 7 => ValueRef::Text(word(rng)),
        _ => ValueRef::Blob(word(rng)),
    }
}

/// `len` values, each a copy of `like`'s at the same place half the time.
fn values_like(rng: &mut Rng, like: &[ValueRef<'static>], len: usize) -> StdVec<ValueRef<'static>> {
    (0..len)
        .map(|i| match like.get(i) {
            Some(v) if rng.below(2) == 0 => *v,
            _ => value(rng),
        })
        .collect()
}

fn key_columns(rng: &mut Rng) -> StdVec<KeyColumn> {
    let len = rng.below(UNPACKED_COLUMNS as u64 + 4) as usize;
    (0..len)
        .map(|_| KeyColumn {
            order: [SortOrder::Asc, SortOrder::Desc][rng.below(2) as usize],
            collation: [Collation::Binary, Collation::NoCase, Collation::RTrim]
                [rng.below(3) as usize],
        })
        .collect()
}

#[test]
fn lazy_comparison_orders_as_compare_records() {
    let seed = 0x9e37_79b9_7f4a_7c15;
    let mut rng = Rng(seed);
    let mut unequal = 0;
    let cases = 20_000;
    for case in 0..cases {
        // Wide keys now and then, past the decoded columns.
        let width = if case % 10 == 0 {
            UNPACKED_COLUMNS + 4
        } else {
            5
        };
        let key_len = rng.below(width as u64 + 1) as usize;
        let key = values_like(&mut rng, &[], key_len);
        let entry_len = rng.below(width as u64 + 1) as usize;
        let entry = values_like(&mut rng, &key, entry_len);
        let columns = key_columns(&mut rng);
        let (key_bytes, entry_bytes) = (encode(&key), encode(&entry));
        let key_record = RecordRef::parse(&key_bytes, None).unwrap();
        let entry_record = RecordRef::parse(&entry_bytes, None).unwrap();

        let expected = compare_records(&entry_record, &key_record, &columns).unwrap();
        let unpacked = UnpackedKey::new(&key_record).unwrap();
        assert_eq!(
            unpacked.compare(&entry_bytes, None, &columns).unwrap(),
            expected,
            "seed {seed:#x} case {case}: {entry:?} against {key:?} with {columns:?}"
        );
        let expected = compare_record_with_values(&entry_record, &key, &columns).unwrap();
        assert_eq!(
            compare_payload(&entry_bytes, None, &key, &columns).unwrap(),
            expected,
            "seed {seed:#x} case {case}: {entry:?} against {key:?} with {columns:?}"
        );
        unequal += usize::from(expected.is_ne());
    }
    // Both outcomes are exercised, not one of them.
    assert!(
        (cases / 5..cases * 4 / 5).contains(&unequal),
        "{unequal} unequal"
    );
}

#[test]
fn a_stored_nan_compares_as_null() {
    // A REAL whose bits are a NaN, as another writer may have stored it.
    let mut entry = encode(&[ValueRef::Real(1.0)]);
    let body = entry.len() - 8;
    entry[body..].copy_from_slice(&f64::NAN.to_bits().to_be_bytes());
    for key in [ValueRef::Null, ValueRef::Real(1.0), ValueRef::Integer(0)] {
        let expected = if key.is_null() {
            Ordering::Equal
        } else {
            Ordering::Less
        };
        assert_eq!(
            compare_payload(&entry, None, &[key], &[]).unwrap(),
            expected
        );
    }
    // A key built with a NaN REAL orders as NULL too.
    let stored = encode(&[ValueRef::Null]);
    let nan = [ValueRef::Real(f64::NAN)];
    assert_eq!(
        compare_payload(&stored, None, &nan, &[]).unwrap(),
        Ordering::Equal
    );
}

#[test]
fn a_record_is_read_only_up_to_the_deciding_column() {
    let key = [ValueRef::Integer(1)];
    // Header: size 3, INTEGER of 1 byte, TEXT of 50 bytes; the body holds
    // the integer and none of the text.
    let bigger = [3, 1, 113, 2];
    assert_eq!(
        compare_payload(&bigger, None, &key, &[]).unwrap(),
        Ordering::Greater
    );
    // Equal on the first column, so the missing text is read: corrupt.
    let equal = [3, 1, 113, 1];
    let two = [ValueRef::Integer(1), ValueRef::text("x")];
    assert!(matches!(
        compare_payload(&equal, None, &two, &[]),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn malformed_headers_are_corrupt_never_a_panic() {
    let key = [ValueRef::Integer(1), ValueRef::text("a")];
    let corrupt = |payload: &[u8]| {
        matches!(
            compare_payload(payload, None, &key, &[]),
            Err(Error::Corrupt { .. })
        )
    };
    // The header size past the payload, below its own varint's length,
    // or a varint that never ends; an empty payload.
    assert!(corrupt(&[9, 1]));
    assert!(corrupt(&[0]));
    assert!(corrupt(&[0x81]));
    assert!(corrupt(&[]));
    // The reserved serial types.
    assert!(corrupt(&[2, 10]));
    assert!(corrupt(&[2, 11]));
    // A serial type varint that runs past the header.
    assert!(corrupt(&[2, 0x81, 1]));
    // An integer body past the payload.
    assert!(corrupt(&[2, 6, 0, 0]));
    // Random bytes: any answer but a panic.
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..20_000 {
        let len = rng.below(24) as usize;
        let bytes: StdVec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = compare_payload(&bytes, None, &key, &[]);
    }
}
