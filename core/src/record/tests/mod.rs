//! The record codec and key comparison: every serial type, corrupt input,
//! a seeded random round trip, allocation failure, and SQLite's ordering.
// Test scaffolding allocates with std's infallible collections, as the
// integration tests do; the code under test still only uses boundlite_alloc.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod codec;
mod compare;
mod random;
mod stream;
mod unpacked;

use std::vec::Vec as StdVec;

use boundlite_alloc::Vec;

use crate::record::{RecordRef, ValueRef, encode_into, encoded_len};

pub(super) fn encode(values: &[ValueRef<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(values, &mut out).unwrap();
    assert_eq!(out.len(), encoded_len(values).unwrap());
    out
}

pub(super) fn decode_all(payload: &[u8]) -> StdVec<ValueRef<'_>> {
    let record = RecordRef::parse(payload, None).unwrap();
    let values: StdVec<_> = record.columns().map(Result::unwrap).collect();
    assert_eq!(values.len(), record.column_count());
    for (i, v) in values.iter().enumerate() {
        assert_eq!(record.column(i).unwrap(), *v);
    }
    values
}

/// Bit-exact equality, so that -0.0 and 0.0 differ.
pub(super) fn same(a: &ValueRef<'_>, b: &ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Real(x), ValueRef::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

pub(super) fn assert_round_trip(values: &[ValueRef<'_>]) {
    let bytes = encode(values);
    let back = decode_all(&bytes);
    assert_eq!(back.len(), values.len());
    for (a, b) in values.iter().zip(&back) {
        assert!(same(a, b), "{a:?} came back as {b:?}");
    }
}
