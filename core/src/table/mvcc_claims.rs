//! The claim a row's key in a `UNIQUE` index makes in MVCC mode: the
//! name in the version store (`mvcc::store`'s `Change::Claim`) that two
//! transactions storing one unique key both write, so that they conflict
//! first-committer-wins as two writers of one row do, even when their
//! rows have different rowids.
//!
//! A claim is named by the index's root page and a 64-bit hash of the
//! key's unique columns, each reduced to what decides equality under the
//! index's comparison: numbers by value (an integer and a real that
//! compare equal hash alike), texts through the column's collation
//! (`NOCASE` folds ASCII case, `RTRIM` drops trailing spaces), blobs as
//! they are. Keys that compare equal so hash alike; two keys that differ
//! and hash alike make a conflict no one needed (the loser retries),
//! never a missed one. A key with a NULL column claims nothing: NULLs
//! are distinct.

use crate::alloc::Allocator;
use crate::record::{Collation, RecordRef, ValueRef};
use crate::{Result, RowId};

use super::info::IndexInfo;

/// FNV-1a's 64-bit offset basis and prime.
const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// What a claim's hash is built of, a byte at a time.
struct Hash(u64);

impl Hash {
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(PRIME);
    }

    fn bytes(&mut self, bytes: impl Iterator<Item = u8>) {
        let mut len: u64 = 0;
        for b in bytes {
            self.byte(b);
            len += 1;
        }
        // The length ends each value, so no two lists of values run
        // together alike.
        len.to_be_bytes().into_iter().for_each(|b| self.byte(b));
    }
}

/// The claim the entry `key` of the unique `index` makes, `None` when one
/// of its unique columns is NULL.
pub(super) fn claim_of<A: Allocator>(index: &IndexInfo<A>, key: &[u8]) -> Result<Option<RowId>> {
    let record = RecordRef::parse(key, Some(index.root))?;
    let mut hash = Hash(BASIS);
    let unique = index.columns.columns.len();
    for (i, value) in record.columns().take(unique).enumerate() {
        let collation = index.keys.get(i).map_or(Collation::Binary, |k| k.collation);
        match value? {
            ValueRef::Null => return Ok(None),
            ValueRef::Real(r) if r.is_nan() => return Ok(None),
            ValueRef::Integer(n) => number(&mut hash, n),
            ValueRef::Real(r) => {
                // Exactly an i64: equal to that integer.
                let n = r as i64;
                if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&r)
                    && n as f64 == r
                {
                    number(&mut hash, n);
                } else {
                    hash.byte(2);
                    hash.bytes(r.to_bits().to_be_bytes().into_iter());
                }
            }
            ValueRef::Text(t) => {
                hash.byte(3);
                match collation {
                    Collation::Binary => hash.bytes(t.iter().copied()),
                    Collation::NoCase => hash.bytes(t.iter().map(u8::to_ascii_lowercase)),
                    Collation::RTrim => {
                        let kept = t.iter().rposition(|&b| b != b' ').map_or(0, |at| at + 1);
                        hash.bytes(t.iter().take(kept).copied());
                    }
                }
            }
            ValueRef::Blob(b) => {
                hash.byte(4);
                hash.bytes(b.iter().copied());
            }
        }
    }
    Ok(Some(RowId::new(hash.0 as i64)))
}

fn number(hash: &mut Hash, n: i64) {
    hash.byte(1);
    hash.bytes(n.to_be_bytes().into_iter());
}
