//! Records streamed a range at a time ([`RecordStream`]), columns found
//! from the header alone ([`locate_column`]), and records read from a
//! prefix ([`RecordRef::parse_prefix`]), each against the whole-record
//! codec on seeded random records.

extern crate std;

use std::vec;
use std::vec::Vec as StdVec;

use boundlite_alloc::Vec;

use super::encode;
use super::random::random_value;
use crate::Error;
use crate::record::{Field, RecordRef, RecordStream, ValueRef, fields_len, locate_column};
use crate::test_rng::Rng;

/// Random fields, about one in five a zeroblob, and the values the same
/// record holds with the zeroblobs' bytes written out (in `zeros`).
fn random_fields<'a>(
    rng: &mut Rng,
    pool: &'a [u8],
    zeros: &'a [u8],
) -> (StdVec<Field<'a>>, StdVec<ValueRef<'a>>) {
    let columns = rng.below(10) as usize;
    let mut fields = StdVec::new();
    let mut values = StdVec::new();
    for _ in 0..columns {
        if rng.below(5) == 0 {
            let len = rng.below(zeros.len() as u64) as usize;
            fields.push(Field::Zeros(len));
            values.push(ValueRef::Blob(&zeros[..len]));
        } else {
            let value = random_value(rng, pool);
            fields.push(Field::Value(value));
            values.push(value);
        }
    }
    (fields, values)
}

#[test]
fn every_range_of_a_stream_is_the_encoded_records() {
    let seed = 0x51ed_270b_2744_7fa1;
    let mut rng = Rng(seed);
    let pool: StdVec<u8> = (0..700).map(|_| rng.next() as u8).collect();
    let zeros = vec![0u8; 900];
    for case in 0..400 {
        let (fields, values) = random_fields(&mut rng, &pool, &zeros);
        let whole = encode(&values);
        let stream = RecordStream::new(&fields, 4, Vec::new()).unwrap();
        assert_eq!(stream.size(), whole.len(), "seed {seed:#x} case {case}");
        assert_eq!(fields_len(&fields, 4).unwrap(), whole.len());
        for _ in 0..20 {
            let offset = rng.below(whole.len() as u64 + 1) as usize;
            let len = rng.below((whole.len() - offset) as u64 + 1) as usize;
            let mut out = vec![0xa5u8; len];
            stream.fill(offset, &mut out).unwrap();
            assert_eq!(
                out,
                &whole[offset..offset + len],
                "seed {seed:#x} case {case}"
            );
        }
        let mut past = [0u8; 2];
        assert!(matches!(
            stream.fill(whole.len().saturating_sub(1), &mut past),
            Err(Error::Misuse(_))
        ));
    }
}

#[test]
fn columns_are_found_from_the_header_alone() {
    let seed = 0x1234_5678_9abc_def1;
    let mut rng = Rng(seed);
    let pool: StdVec<u8> = (0..700).map(|_| rng.next() as u8).collect();
    for case in 0..1000 {
        let values: StdVec<_> = (0..rng.below(12))
            .map(|_| random_value(&mut rng, &pool))
            .collect();
        let whole = encode(&values);
        let record = RecordRef::parse(&whole, None).unwrap();
        let header = &whole[..record.header_len()];
        for i in 0..=values.len() {
            let place = locate_column(header, whole.len(), i, None).unwrap();
            let Some(place) = place else {
                assert_eq!(i, values.len());
                continue;
            };
            assert_eq!(place.serial, record.serial_type(i).unwrap(), "case {case}");
            let body = &whole[place.offset..place.offset + place.serial.body_len()];
            let decoded = RecordRef::parse(&whole, None).unwrap().column(i).unwrap();
            if let ValueRef::Text(t) | ValueRef::Blob(t) = decoded {
                assert_eq!(body, t, "seed {seed:#x} case {case}");
            }
        }
    }
}

#[test]
fn a_header_past_its_bytes_or_payload_is_corrupt() {
    // Header of 3 bytes: its size, BLOB of 4, INTEGER 1-byte.
    let record = [3u8, 20, 1, 9, 9, 9, 9, 7];
    assert!(locate_column(&record, 8, 1, None).unwrap().is_some());
    // The header's own size past the bytes held, or past the payload.
    assert!(matches!(
        locate_column(&record[..2], 8, 0, None),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(
        locate_column(&record, 2, 0, None),
        Err(Error::Corrupt { .. })
    ));
    // A column running past the payload; a reserved serial type.
    assert!(matches!(
        locate_column(&record, 6, 1, None),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(
        locate_column(&[2, 10], 2, 0, None),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn a_record_read_from_a_prefix_gives_its_local_columns() {
    let seed = 0x0ddc_0ffe_e0dd_f00d;
    let mut rng = Rng(seed);
    let pool: StdVec<u8> = (0..700).map(|_| rng.next() as u8).collect();
    for case in 0..500 {
        let values: StdVec<_> = (0..rng.below(8) + 1)
            .map(|_| random_value(&mut rng, &pool))
            .collect();
        let whole = encode(&values);
        let full = RecordRef::parse(&whole, None).unwrap();
        let cut = rng.below(whole.len() as u64 + 1) as usize;
        let Some(prefix) = RecordRef::parse_prefix(&whole[..cut], whole.len(), None).unwrap()
        else {
            assert!(cut < full.header_len(), "seed {seed:#x} case {case}");
            continue;
        };
        assert_eq!(prefix.column_count(), full.column_count());
        assert_eq!(prefix.is_complete(), cut == whole.len());
        for i in 0..values.len() {
            assert_eq!(prefix.serial_type(i).unwrap(), full.serial_type(i).unwrap());
            match prefix.local_column(i).unwrap() {
                Some(value) => assert_eq!(value, full.column(i).unwrap()),
                // A column with a body past the bytes cannot be read.
                None if full.serial_type(i).unwrap().body_len() > 0 => {
                    assert!(prefix.column(i).is_err());
                }
                None => {}
            }
        }
    }
    assert!(matches!(
        RecordRef::parse_prefix(&[1, 2, 3], 2, None),
        Err(Error::Misuse(_))
    ));
}
