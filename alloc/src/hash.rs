//! [`HashMap`] and [`HashSet`] over hashbrown, with fallible growth only, and
//! [`DeterministicState`] for reproducible iteration order in tests.
//!
//! Invariant: each call below to hashbrown's `insert` or `entry` comes right
//! after a successful `try_reserve(1)`, so the table has a free slot and the
//! call cannot allocate.
#![allow(clippy::disallowed_methods)]

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash, Hasher};

use allocator_api2::alloc::{Allocator, Global};

use crate::OutOfMemory;

pub use hashbrown::DefaultHashBuilder;
/// A view into one slot of a [`HashMap`], from [`HashMap::try_entry`]. Its
/// insert methods do not allocate: the slot was reserved beforehand.
pub use hashbrown::hash_map::Entry;

/// A hash map in allocator `A`, with fallible growth only.
///
/// ```
/// use boundlite_alloc::{HashMap, DeterministicState, Global, OutOfMemory};
///
/// let mut m = HashMap::with_hasher_in(DeterministicState, Global);
/// assert_eq!(m.try_insert(7u32, "seven")?, None);
/// *m.try_entry(8)?.or_insert("") = "eight";
/// assert_eq!(m.get(&8), Some(&"eight"));
/// # Ok::<(), OutOfMemory>(())
/// ```
///
/// ```compile_fail
/// let mut m = boundlite_alloc::HashMap::<u8, u8>::new();
/// m.insert(1, 2);
/// ```
pub struct HashMap<K, V, S = DefaultHashBuilder, A: Allocator = Global> {
    inner: hashbrown::HashMap<K, V, S, A>,
}

impl<K, V> HashMap<K, V, DefaultHashBuilder, Global> {
    /// An empty map on the global heap; allocates nothing.
    pub fn new() -> Self {
        Self {
            inner: hashbrown::HashMap::with_hasher_in(DefaultHashBuilder::default(), Global),
        }
    }
}

impl<K, V> Default for HashMap<K, V, DefaultHashBuilder, Global> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, A: Allocator> HashMap<K, V, DefaultHashBuilder, A> {
    /// An empty map in `alloc` with the default (randomly seeded) hasher.
    pub fn new_in(alloc: A) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A> {
    /// An empty map in `alloc` hashing with `hasher`; allocates nothing.
    pub const fn with_hasher_in(hasher: S, alloc: A) -> Self {
        Self {
            inner: hashbrown::HashMap::with_hasher_in(hasher, alloc),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Entries the map can hold without allocating.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Iterates over the entries in unspecified order.
    pub fn iter(&self) -> hashbrown::hash_map::Iter<'_, K, V> {
        self.inner.iter()
    }

    /// Iterates over the entries with mutable values.
    pub fn iter_mut(&mut self) -> hashbrown::hash_map::IterMut<'_, K, V> {
        self.inner.iter_mut()
    }

    /// Iterates over the keys.
    pub fn keys(&self) -> hashbrown::hash_map::Keys<'_, K, V> {
        self.inner.keys()
    }

    /// Iterates over the values.
    pub fn values(&self) -> hashbrown::hash_map::Values<'_, K, V> {
        self.inner.values()
    }

    /// Removes every entry, keeping the capacity.
    pub fn clear(&mut self) {
        self.inner.clear()
    }

    /// Keeps only the entries for which `keep` returns true.
    pub fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, keep: F) {
        self.inner.retain(keep)
    }

    /// Removes every entry and yields it, keeping the capacity.
    pub fn drain(&mut self) -> hashbrown::hash_map::Drain<'_, K, V, A> {
        self.inner.drain()
    }

    /// The allocator this map draws from.
    pub fn allocator(&self) -> &A {
        self.inner.allocator()
    }

    /// The map's hasher builder.
    pub fn hasher(&self) -> &S {
        self.inner.hasher()
    }
}

impl<K: Eq + Hash, V, S: BuildHasher, A: Allocator> HashMap<K, V, S, A> {
    /// Makes room for at least `additional` more entries.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        Ok(self.inner.try_reserve(additional)?)
    }

    /// Inserts `key → value`, returning the value it replaced. On failure the
    /// map is unchanged and `key` and `value` are dropped.
    pub fn try_insert(&mut self, key: K, value: V) -> Result<Option<V>, OutOfMemory> {
        self.try_reserve(1)?;
        Ok(self.inner.insert(key, value))
    }

    /// The slot for `key`, with room reserved so that filling a vacant slot
    /// cannot allocate: the fallible way to upsert.
    pub fn try_entry(&mut self, key: K) -> Result<Entry<'_, K, V, S, A>, OutOfMemory> {
        self.try_reserve(1)?;
        Ok(self.inner.entry(key))
    }

    /// The value for `key`.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.inner.get(key)
    }

    /// The value for `key`, mutably.
    pub fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.inner.get_mut(key)
    }

    /// Whether `key` has an entry.
    pub fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.inner.contains_key(key)
    }

    /// Removes the entry for `key`, returning its value.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.inner.remove(key)
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for HashMap<K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.inner.iter()).finish()
    }
}

impl<'a, K, V, S, A: Allocator> IntoIterator for &'a HashMap<K, V, S, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = hashbrown::hash_map::Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.iter()
    }
}

impl<K, V, S, A: Allocator> IntoIterator for HashMap<K, V, S, A> {
    type Item = (K, V);
    type IntoIter = hashbrown::hash_map::IntoIter<K, V, A>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.into_iter()
    }
}

/// A hash set in allocator `A`, with fallible growth only.
///
/// ```
/// use boundlite_alloc::{HashSet, DeterministicState, Global, OutOfMemory};
///
/// let mut pages = HashSet::with_hasher_in(DeterministicState, Global);
/// assert!(pages.try_insert(3u32)?);
/// assert!(!pages.try_insert(3)?);
/// # Ok::<(), OutOfMemory>(())
/// ```
pub struct HashSet<T, S = DefaultHashBuilder, A: Allocator = Global> {
    inner: hashbrown::HashSet<T, S, A>,
}

impl<T> HashSet<T, DefaultHashBuilder, Global> {
    /// An empty set on the global heap; allocates nothing.
    pub fn new() -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), Global)
    }
}

impl<T> Default for HashSet<T, DefaultHashBuilder, Global> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, A: Allocator> HashSet<T, DefaultHashBuilder, A> {
    /// An empty set in `alloc` with the default (randomly seeded) hasher.
    pub fn new_in(alloc: A) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }
}

impl<T, S, A: Allocator> HashSet<T, S, A> {
    /// An empty set in `alloc` hashing with `hasher`; allocates nothing.
    pub const fn with_hasher_in(hasher: S, alloc: A) -> Self {
        Self {
            inner: hashbrown::HashSet::with_hasher_in(hasher, alloc),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Members the set can hold without allocating.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Iterates over the members in unspecified order.
    pub fn iter(&self) -> hashbrown::hash_set::Iter<'_, T> {
        self.inner.iter()
    }

    /// Removes every member, keeping the capacity.
    pub fn clear(&mut self) {
        self.inner.clear()
    }

    /// Keeps only the members for which `keep` returns true.
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, keep: F) {
        self.inner.retain(keep)
    }

    /// The allocator this set draws from.
    pub fn allocator(&self) -> &A {
        self.inner.allocator()
    }

    /// The set's hasher builder.
    pub fn hasher(&self) -> &S {
        self.inner.hasher()
    }
}

impl<T: Eq + Hash, S: BuildHasher, A: Allocator> HashSet<T, S, A> {
    /// Makes room for at least `additional` more members.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        Ok(self.inner.try_reserve(additional)?)
    }

    /// Adds `value`; returns whether it was absent. On failure the set is
    /// unchanged.
    pub fn try_insert(&mut self, value: T) -> Result<bool, OutOfMemory> {
        self.try_reserve(1)?;
        Ok(self.inner.insert(value))
    }

    /// Whether `value` is a member.
    pub fn contains<Q: Hash + Eq + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.inner.contains(value)
    }

    /// Removes `value`; returns whether it was a member.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.inner.remove(value)
    }
}

impl<T: fmt::Debug, S, A: Allocator> fmt::Debug for HashSet<T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.inner.iter()).finish()
    }
}

impl<'a, T, S, A: Allocator> IntoIterator for &'a HashSet<T, S, A> {
    type Item = &'a T;
    type IntoIter = hashbrown::hash_set::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.iter()
    }
}

/// A fixed-seed hasher builder: the same keys hash the same in every run, so
/// iteration order and therefore test output is reproducible. Not for maps
/// keyed by untrusted input (no protection against collision attacks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeterministicState;

impl BuildHasher for DeterministicState {
    type Hasher = DeterministicHasher;
    fn build_hasher(&self) -> DeterministicHasher {
        DeterministicHasher { hash: 0 }
    }
}

/// The hasher of [`DeterministicState`]: the Fx hash (rustc's), a multiply
/// and rotate per word.
#[derive(Debug, Clone)]
pub struct DeterministicHasher {
    hash: u64,
}

impl DeterministicHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for DeterministicHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
