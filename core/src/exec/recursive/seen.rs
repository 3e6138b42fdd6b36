//! [`Seen`]: the rows a recursive `WITH` table joined by `UNION` has
//! queued so far, so that a row equal to one of them is dropped.
//!
//! Rows are equal as `UNION` has them: column by column, each with its
//! collation, 1 equal to 1.0, NULLs equal. Each row is held as a key in
//! which equal rows have the same bytes: an integer or a whole real in
//! the range of integers as an integer, other reals by their bits, text
//! as its collation compares it (ASCII lowercase for NOCASE, trailing
//! spaces cut for RTRIM), each value tagged with its kind and length.
//!
//! Memory: the keys and their table take at most the budget; past it a
//! row to add is `OutOfMemory` (the set does not spill), never a larger
//! set.

use crate::alloc::{Allocator, DeterministicState, HashSet, Vec};
use crate::record::Collation;
use crate::sql::eval::Value;
use crate::{Error, Result};

/// What an entry of the set takes besides its key's bytes: the key's
/// vector, its slot in the table and the allocator's overhead.
const ENTRY_BYTES: usize = 48;

/// The rows seen, as keys.
pub(crate) struct Seen<A: Allocator + Clone> {
    keys: HashSet<Vec<u8, A>, DeterministicState, A>,
    collations: Vec<Collation, A>,
    /// The bytes the keys take.
    bytes: usize,
    budget: usize,
    alloc: A,
}

impl<A: Allocator + Clone> Seen<A> {
    /// An empty set of rows whose columns compare with `collations`,
    /// holding at most `budget` bytes.
    pub fn new(collations: Vec<Collation, A>, budget: usize, alloc: A) -> Self {
        Seen {
            keys: HashSet::with_hasher_in(DeterministicState, alloc.clone()),
            collations,
            bytes: 0,
            budget,
            alloc,
        }
    }

    /// Adds `row`; `false` when a row equal to it was there.
    pub fn insert(&mut self, row: &[Value<A>]) -> Result<bool> {
        let mut key = Vec::new_in(self.alloc.clone());
        for (i, value) in row.iter().enumerate() {
            let collation = self.collations.get(i).copied().unwrap_or_default();
            push_value(&mut key, value, collation)?;
        }
        if self.keys.contains(&key) {
            return Ok(false);
        }
        let size = key.capacity() + ENTRY_BYTES;
        if self.bytes + size > self.budget {
            return Err(Error::OutOfMemory);
        }
        self.keys.try_insert(key)?;
        self.bytes += size;
        Ok(true)
    }
}

/// Appends the key bytes of `value`, compared with `collation`.
fn push_value<A: Allocator>(
    key: &mut Vec<u8, A>,
    value: &Value<A>,
    collation: Collation,
) -> Result<()> {
    // The range of reals that are integers: [-2^63, 2^63).
    const LOW: f64 = -9_223_372_036_854_775_808.0;
    match value {
        Value::Null => key.try_push(0)?,
        Value::Integer(n) => {
            key.try_push(1)?;
            key.try_extend_from_slice(&n.to_be_bytes())?;
        }
        #[allow(clippy::cast_possible_truncation)]
        Value::Real(r) if *r >= LOW && *r < -LOW && (*r as i64) as f64 == *r => {
            key.try_push(1)?;
            key.try_extend_from_slice(&(*r as i64).to_be_bytes())?;
        }
        Value::Real(r) => {
            key.try_push(2)?;
            key.try_extend_from_slice(&r.to_bits().to_be_bytes())?;
        }
        Value::Text(bytes) => {
            let text: &[u8] = match collation {
                Collation::RTrim => {
                    let end = bytes.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
                    bytes.get(..end).unwrap_or_default()
                }
                _ => bytes,
            };
            key.try_push(3)?;
            key.try_extend_from_slice(&(text.len() as u64).to_be_bytes())?;
            let start = key.len();
            key.try_extend_from_slice(text)?;
            if collation == Collation::NoCase {
                if let Some(added) = key.get_mut(start..) {
                    added.make_ascii_lowercase();
                }
            }
        }
        Value::Blob(bytes) => {
            key.try_push(4)?;
            key.try_extend_from_slice(&(bytes.len() as u64).to_be_bytes())?;
            key.try_extend_from_slice(bytes)?;
        }
    }
    Ok(())
}
