//! Seeded random records: round trips, and mangled bytes that must never
//! panic. Failures print the seed.

extern crate std;

use std::vec::Vec as StdVec;

use boundlite_alloc::Vec;

use super::{decode_all, encode, same};
use crate::Error;
use crate::record::{RecordRef, ValueRef, encode_into, encoded_len};
use crate::test_rng::Rng;

/// A random value whose bytes (if any) live in `pool`.
pub(super) fn random_value<'a>(rng: &mut Rng, pool: &'a [u8]) -> ValueRef<'a> {
    let bytes = |rng: &mut Rng| {
        let len = match rng.below(4) {
            0 => 0,
            1 => rng.below(16),
            _ => rng.below(pool.len() as u64),
        } as usize;
        let start = rng.below((pool.len() - len + 1) as u64) as usize;
        &pool[start..start + len]
    };
    match rng.below(6) {
        0 => ValueRef::Null,
        1 => ValueRef::Integer(rng.next() as i64 >> rng.below(64)),
        2 => ValueRef::Integer(rng.below(3) as i64 - 1),
        3 => ValueRef::real(f64::from_bits(rng.next())),
        4 => ValueRef::Text(bytes(rng)),
        _ => ValueRef::Blob(bytes(rng)),
    }
}

#[test]
fn random_records_round_trip() {
    let seed = 0x2545_f491_4f6c_dd1d;
    let mut rng = Rng(seed);
    let pool: StdVec<u8> = (0..600).map(|_| rng.next() as u8).collect();
    let mut out = Vec::new();
    for case in 0..3000 {
        let columns = rng.below(if case % 50 == 0 { 300 } else { 12 }) as usize;
        let values: StdVec<_> = (0..columns)
            .map(|_| random_value(&mut rng, &pool))
            .collect();
        out.clear();
        encode_into(&values, &mut out).unwrap();
        assert_eq!(
            out.len(),
            encoded_len(&values).unwrap(),
            "seed {seed:#x} case {case}"
        );
        let back = decode_all(&out);
        for (a, b) in values.iter().zip(&back) {
            assert!(
                same(a, b),
                "seed {seed:#x} case {case}: {a:?} came back as {b:?}"
            );
        }
        assert_eq!(back.len(), values.len());
    }
}

#[test]
fn mangled_records_never_panic() {
    let seed = 0x9e37_79b9_7f4a_7c15;
    let mut rng = Rng(seed);
    let pool: StdVec<u8> = (0..64).map(|_| rng.next() as u8).collect();
    for _ in 0..5000 {
        let values: StdVec<_> = (0..rng.below(8))
            .map(|_| random_value(&mut rng, &pool))
            .collect();
        let mut bytes = encode(&values).as_slice().to_vec();
        for _ in 0..=rng.below(3) {
            match rng.below(3) {
                0 if !bytes.is_empty() => {
                    let i = rng.below(bytes.len() as u64) as usize;
                    bytes[i] ^= 1 << rng.below(8);
                }
                1 => bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize),
                _ => bytes.push(rng.next() as u8),
            }
        }
        // Whatever the bytes, parsing is Ok or Corrupt; once Ok, every
        // column decodes, the same one at a time (located through the
        // single-byte header shortcut when it applies) as walked in order.
        match RecordRef::parse(&bytes, None) {
            Ok(record) => {
                for (i, v) in record.columns().enumerate() {
                    assert_eq!(record.column(i).unwrap(), v.unwrap(), "seed {seed:#x}");
                }
            }
            Err(e) => assert!(matches!(e, Error::Corrupt { .. }), "seed {seed:#x}: {e:?}"),
        }
    }
}
