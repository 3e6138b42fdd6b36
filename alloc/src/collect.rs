//! Fallible collection of iterators: [`TryCollect::try_collect_in`] and
//! [`TryCollect::try_collect_results_in`].

use core::hash::{BuildHasher, Hash};

use allocator_api2::alloc::Allocator;

use crate::{HashMap, HashSet, OutOfMemory, String, Vec};

/// A collection that can be built from an iterator in allocator `A`,
/// failing with `OutOfMemory` instead of aborting.
pub trait TryFromIteratorIn<T, A: Allocator>: Sized {
    /// Builds the collection from every item of `iter`.
    fn try_from_iter_in<I: IntoIterator<Item = T>>(iter: I, alloc: A) -> Result<Self, OutOfMemory>;
}

impl<T, A: Allocator> TryFromIteratorIn<T, A> for Vec<T, A> {
    fn try_from_iter_in<I: IntoIterator<Item = T>>(iter: I, alloc: A) -> Result<Self, OutOfMemory> {
        let mut v = Vec::new_in(alloc);
        v.try_extend(iter)?;
        Ok(v)
    }
}

impl<A: Allocator> TryFromIteratorIn<char, A> for String<A> {
    fn try_from_iter_in<I: IntoIterator<Item = char>>(
        iter: I,
        alloc: A,
    ) -> Result<Self, OutOfMemory> {
        let mut s = String::new_in(alloc);
        for c in iter {
            s.try_push(c)?;
        }
        Ok(s)
    }
}

impl<'a, A: Allocator> TryFromIteratorIn<&'a str, A> for String<A> {
    fn try_from_iter_in<I: IntoIterator<Item = &'a str>>(
        iter: I,
        alloc: A,
    ) -> Result<Self, OutOfMemory> {
        let mut s = String::new_in(alloc);
        for part in iter {
            s.try_push_str(part)?;
        }
        Ok(s)
    }
}

impl<K, V, S, A> TryFromIteratorIn<(K, V), A> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator,
{
    fn try_from_iter_in<I: IntoIterator<Item = (K, V)>>(
        iter: I,
        alloc: A,
    ) -> Result<Self, OutOfMemory> {
        let mut m = HashMap::with_hasher_in(S::default(), alloc);
        let iter = iter.into_iter();
        m.try_reserve(iter.size_hint().0)?;
        for (k, v) in iter {
            m.try_insert(k, v)?;
        }
        Ok(m)
    }
}

impl<T, S, A> TryFromIteratorIn<T, A> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator,
{
    fn try_from_iter_in<I: IntoIterator<Item = T>>(iter: I, alloc: A) -> Result<Self, OutOfMemory> {
        let mut set = HashSet::with_hasher_in(S::default(), alloc);
        let iter = iter.into_iter();
        set.try_reserve(iter.size_hint().0)?;
        for v in iter {
            set.try_insert(v)?;
        }
        Ok(set)
    }
}

/// Fallible `collect` for every iterator.
///
/// ```
/// use boundlite_alloc::{TryCollect, Vec, Global, OutOfMemory};
///
/// let squares: Vec<u32> = (1..=4).map(|x| x * x).try_collect_in(Global)?;
/// assert_eq!(squares, [1, 4, 9, 16]);
///
/// // Items that are results stop at the first error, which is returned.
/// let parsed: Result<Vec<u8>, OutOfMemory> =
///     [Ok(1u8), Err(OutOfMemory), Ok(3)].into_iter().try_collect_results_in(Global);
/// assert_eq!(parsed, Err(OutOfMemory));
/// # Ok::<(), OutOfMemory>(())
/// ```
pub trait TryCollect: Iterator + Sized {
    /// Collects every item into `C` in `alloc`.
    fn try_collect_in<C, A>(self, alloc: A) -> Result<C, OutOfMemory>
    where
        A: Allocator,
        C: TryFromIteratorIn<Self::Item, A>,
    {
        C::try_from_iter_in(self, alloc)
    }

    /// Collects the `Ok` values of an iterator of results into `C` in
    /// `alloc`, stopping at the first `Err` and returning it. Running out of
    /// memory becomes an `E` through `From<OutOfMemory>`.
    fn try_collect_results_in<T, E, C, A>(self, alloc: A) -> Result<C, E>
    where
        Self: Iterator<Item = Result<T, E>>,
        E: From<OutOfMemory>,
        A: Allocator,
        C: TryFromIteratorIn<T, A>,
    {
        let mut error = None;
        let mut items = self;
        let shunt = core::iter::from_fn(|| match items.next()? {
            Ok(v) => Some(v),
            Err(e) => {
                error = Some(e);
                None
            }
        });
        let collected = C::try_from_iter_in(shunt, alloc);
        match error {
            Some(e) => Err(e),
            None => Ok(collected?),
        }
    }
}

impl<I: Iterator> TryCollect for I {}
