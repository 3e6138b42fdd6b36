//! [`TryClone`]: cloning that may fail for lack of memory.

use core::hash::{BuildHasher, Hash};

use allocator_api2::alloc::Allocator;

use crate::{Box, HashMap, HashSet, OutOfMemory, String, Vec};

/// A deep copy that returns `OutOfMemory` instead of aborting.
///
/// Implemented for the crate's collections (into the same allocator) and for
/// plain values that allocate nothing.
///
/// ```
/// use boundlite_alloc::{try_vec, TryClone, OutOfMemory};
/// let v = try_vec![1u8, 2, 3]?;
/// let w = v.try_clone()?;
/// assert_eq!(v, w);
/// # Ok::<(), OutOfMemory>(())
/// ```
pub trait TryClone: Sized {
    /// A copy of `self`, or `OutOfMemory`.
    fn try_clone(&self) -> Result<Self, OutOfMemory>;
}

macro_rules! try_clone_by_copy {
    ($($t:ty),* $(,)?) => {
        $(impl TryClone for $t {
            fn try_clone(&self) -> Result<Self, OutOfMemory> {
                Ok(*self)
            }
        })*
    };
}

try_clone_by_copy!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64
);

impl<T: ?Sized> TryClone for &T {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        Ok(*self)
    }
}

impl<T: TryClone> TryClone for Option<T> {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        match self {
            Some(v) => Ok(Some(v.try_clone()?)),
            None => Ok(None),
        }
    }
}

impl<A: TryClone, B: TryClone> TryClone for (A, B) {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        Ok((self.0.try_clone()?, self.1.try_clone()?))
    }
}

impl<T: TryClone, A: Allocator + Clone> TryClone for Vec<T, A> {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        let mut out = Vec::try_with_capacity_in(self.len(), self.allocator().clone())?;
        for item in self.iter() {
            out.try_push(item.try_clone()?)?;
        }
        Ok(out)
    }
}

impl<T: TryClone, A: Allocator + Clone> TryClone for Box<T, A> {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        Box::try_new_in((**self).try_clone()?, Box::allocator(self).clone())
    }
}

impl<A: Allocator + Clone> TryClone for String<A> {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        String::try_from_str_in(self, self.allocator().clone())
    }
}

impl<K, V, S, A> TryClone for HashMap<K, V, S, A>
where
    K: TryClone + Eq + Hash,
    V: TryClone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        let mut out = HashMap::with_hasher_in(self.hasher().clone(), self.allocator().clone());
        out.try_reserve(self.len())?;
        for (k, v) in self.iter() {
            out.try_insert(k.try_clone()?, v.try_clone()?)?;
        }
        Ok(out)
    }
}

impl<T, S, A> TryClone for HashSet<T, S, A>
where
    T: TryClone + Eq + Hash,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        let mut out = HashSet::with_hasher_in(self.hasher().clone(), self.allocator().clone());
        out.try_reserve(self.len())?;
        for v in self.iter() {
            out.try_insert(v.try_clone()?)?;
        }
        Ok(out)
    }
}
