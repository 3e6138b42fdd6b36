//! Every serial type, header sizing, corrupt input and allocation failure.

extern crate std;

use std::vec::Vec as StdVec;

use boundlite_alloc::{FaultAlloc, FaultPlan, Global, Vec};

use super::{assert_round_trip, decode_all, encode};
use crate::record::{
    RecordRef, SerialType, ValueRef, encode_into, encode_into_with, encoded_len_with,
};
use crate::{Error, PageNo};

const INTEGER_SIZES: [(i64, SerialType); 24] = [
    (0, SerialType::Zero),
    (1, SerialType::One),
    (2, SerialType::Int8),
    (-1, SerialType::Int8),
    (127, SerialType::Int8),
    (-128, SerialType::Int8),
    (128, SerialType::Int16),
    (-129, SerialType::Int16),
    (32767, SerialType::Int16),
    (-32768, SerialType::Int16),
    (32768, SerialType::Int24),
    (-32769, SerialType::Int24),
    ((1 << 23) - 1, SerialType::Int24),
    (1 << 23, SerialType::Int32),
    (-(1 << 23) - 1, SerialType::Int32),
    ((1 << 31) - 1, SerialType::Int32),
    (1 << 31, SerialType::Int48),
    (-(1 << 31) - 1, SerialType::Int48),
    ((1 << 47) - 1, SerialType::Int48),
    (-(1 << 47), SerialType::Int48),
    (1 << 47, SerialType::Int64),
    (-(1 << 47) - 1, SerialType::Int64),
    (i64::MAX, SerialType::Int64),
    (i64::MIN, SerialType::Int64),
];

#[test]
fn integers_take_the_smallest_serial_type() {
    for (value, serial) in INTEGER_SIZES {
        assert_eq!(SerialType::for_integer(value, 4), serial, "{value}");
        let bytes = encode(&[ValueRef::Integer(value)]);
        assert_eq!(bytes[0], 2);
        assert_eq!(u64::from(bytes[1]), serial.code());
        assert_eq!(bytes.len(), 2 + serial.body_len());
        assert_round_trip(&[ValueRef::Integer(value)]);
    }
}

#[test]
fn legacy_schema_formats_store_0_and_1_in_a_byte() {
    for format in 1..4 {
        for value in [0, 1] {
            assert_eq!(SerialType::for_integer(value, format), SerialType::Int8);
            let mut out = Vec::new();
            encode_into_with(&[ValueRef::Integer(value)], format, &mut out).unwrap();
            assert_eq!(out, [2, 1, value as u8]);
            assert_eq!(encoded_len_with(&[ValueRef::Integer(value)], format), Ok(3));
            assert_eq!(decode_all(&out), [ValueRef::Integer(value)]);
        }
    }
}

#[test]
fn every_serial_type_round_trips() {
    let long = [0x5au8; 1000];
    let values = [
        ValueRef::Null,
        ValueRef::Integer(-100),
        ValueRef::Integer(1000),
        ValueRef::Integer(-100_000),
        ValueRef::Integer(1 << 30),
        ValueRef::Integer(1 << 40),
        ValueRef::Integer(1 << 60),
        ValueRef::Real(1.5),
        ValueRef::Integer(0),
        ValueRef::Integer(1),
        ValueRef::Blob(&[]),
        ValueRef::Text(b""),
        ValueRef::Blob(&[0, 0xff, 7]),
        ValueRef::text("héllo"),
        ValueRef::Text(b"\xff\xfe not utf-8"),
        ValueRef::Blob(&long),
        ValueRef::Text(&long),
    ];
    assert_round_trip(&values);
    let bytes = encode(&values);
    let record = RecordRef::parse(&bytes, None).unwrap();
    let codes: StdVec<u64> = (0..values.len())
        .map(|i| record.serial_type(i).unwrap().code())
        .collect();
    assert_eq!(
        codes,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 18, 25, 37, 2012, 2013]
    );
    assert_eq!(record.payload(), &bytes[..]);
}

#[test]
fn reals_keep_their_bits() {
    for v in [
        0.0,
        -0.0,
        1.0,
        -2.5,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let bytes = encode(&[ValueRef::Real(v)]);
        assert_eq!(bytes[..2], [2, 7]);
        assert_eq!(bytes[2..], v.to_bits().to_be_bytes());
        assert_round_trip(&[ValueRef::Real(v)]);
    }
}

#[test]
fn nan_is_stored_and_read_as_null() {
    assert_eq!(encode(&[ValueRef::Real(f64::NAN)]), [2, 0]);
    let mut payload = [2u8, 7, 0, 0, 0, 0, 0, 0, 0, 0];
    payload[2..].copy_from_slice(&f64::NAN.to_bits().to_be_bytes());
    assert_eq!(decode_all(&payload), [ValueRef::Null]);
    payload[2..].copy_from_slice(&[0xff; 8]);
    assert_eq!(decode_all(&payload), [ValueRef::Null]);
}

#[test]
fn serial_codes_round_trip() {
    for code in (0..2000u64).chain([u64::MAX - 1, u64::MAX]) {
        match SerialType::from_code(code) {
            Some(serial) => assert_eq!(serial.code(), code),
            None => assert!(code == 10 || code == 11),
        }
    }
    assert_eq!(SerialType::from_code(12), Some(SerialType::Blob(0)));
    assert_eq!(SerialType::from_code(2013), Some(SerialType::Text(1000)));
    assert_eq!(SerialType::Blob(usize::MAX).code(), u64::MAX);
}

#[test]
fn header_size_accounts_for_its_own_varint() {
    // 126 one-byte serial types: the header is 127 bytes, size in one byte.
    // 127 of them: 127 + a two-byte size = 129.
    for (columns, header) in [(0, 1), (1, 2), (126, 127), (127, 129), (128, 130)] {
        let values = std::vec![ValueRef::Null; columns];
        let bytes = encode(&values);
        let record = RecordRef::parse(&bytes, None).unwrap();
        assert_eq!(
            (record.header_len(), record.column_count()),
            (header, columns)
        );
        assert_eq!(bytes.len(), header);
    }
    // Types totalling 16382 bytes need a 3-byte size: 16385.
    let blob = [0u8; 64];
    let values = std::vec![ValueRef::Blob(&blob); 8191]; // code 140: two bytes each
    let bytes = encode(&values);
    assert_eq!(
        RecordRef::parse(&bytes, None).unwrap().header_len(),
        16382 + 3
    );
    for columns in [8190, 8192] {
        let bytes = encode(&std::vec![ValueRef::Blob(&blob); columns]);
        let record = RecordRef::parse(&bytes, None).unwrap();
        assert_eq!(record.column_count(), columns);
        assert!(
            record
                .columns()
                .all(|v| v.unwrap() == ValueRef::Blob(&blob))
        );
    }
}

/// Parses `payload` expecting `Corrupt` on `page`, never a panic.
fn assert_corrupt(payload: &[u8]) {
    let page = PageNo::new(5).unwrap();
    match RecordRef::parse(payload, Some(page)) {
        Err(Error::Corrupt { page: Some(p), .. }) => assert_eq!(p, page),
        other => panic!("{payload:x?} gave {other:?}"),
    }
}

#[test]
fn corrupt_records_are_rejected() {
    // No header size at all, or a truncated one.
    assert_corrupt(&[]);
    assert_corrupt(&[0x81]);
    // Header size 0, or smaller than its own varint.
    assert_corrupt(&[0]);
    assert_corrupt(&[0x80, 0x01, 0]);
    // Header size past the payload, including sizes beyond usize.
    assert_corrupt(&[5, 1, 1]);
    assert_corrupt(&[0xff; 9]);
    // Reserved serial types.
    assert_corrupt(&[2, 10]);
    assert_corrupt(&[2, 11]);
    assert_corrupt(&[3, 1, 10, 0]);
    // A serial type varint that runs into the body.
    assert_corrupt(&[2, 0x81, 0x00, 0, 0]);
    // Bodies longer or shorter than the payload.
    assert_corrupt(&[2, 6, 0, 0, 0]);
    assert_corrupt(&[2, 7, 0]);
    assert_corrupt(&[2, 19, b'a', b'b']);
    assert_corrupt(&[2, 1, 0, 0]);
    assert_corrupt(&[2, 0, 0]);
    // Lengths that overflow a usize sum, or exceed any payload.
    let mut huge = StdVec::from([0u8]);
    for code in [u64::MAX - 1, u64::MAX, u64::MAX - 3] {
        huge.extend_from_slice(crate::format::Varint::new(code).as_bytes());
    }
    huge[0] = huge.len() as u8;
    assert_corrupt(&huge);
    assert_corrupt(&[10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
}

#[test]
fn empty_record_and_column_past_the_end() {
    let record = RecordRef::parse(&[1], None).unwrap();
    assert_eq!(record.column_count(), 0);
    assert_eq!(record.columns().count(), 0);
    let bytes = encode(&[ValueRef::Integer(5)]);
    let record = RecordRef::parse(&bytes, None).unwrap();
    assert!(matches!(record.column(1), Err(Error::Misuse(_))));
    assert!(matches!(
        record.serial_type(usize::MAX),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn encoding_appends_and_survives_allocation_failure() {
    let fault = FaultAlloc::new(Global);
    let mut out = Vec::new_in(&fault);
    out.try_extend_from_slice(b"prefix").unwrap();
    let values = [ValueRef::text(
        "a string long enough to need the vector to grow",
    )];
    fault.arm(FaultPlan::From(1));
    assert_eq!(
        encode_into(&values, &mut out),
        Err(boundlite_alloc::OutOfMemory)
    );
    assert_eq!(out, *b"prefix");
    fault.arm(FaultPlan::Never);
    encode_into(&values, &mut out).unwrap();
    assert_eq!(out[..6], *b"prefix");
    assert_eq!(decode_all(&out[6..]), values);
}
