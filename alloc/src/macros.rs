//! `try_vec!`: the fallible `vec!`.

/// Builds a [`Vec`](crate::Vec), returning `Result<Vec<T, A>, OutOfMemory>`.
///
/// - `try_vec![]`, `try_vec![a, b, c]`, `try_vec![x; n]` use the global heap;
/// - `try_vec![in alloc]`, `try_vec![in alloc; a, b, c]`,
///   `try_vec![in alloc; x; n]` use `alloc`.
///
/// ```
/// use boundlite_alloc::{try_vec, Global, OutOfMemory};
/// let a = try_vec![1, 2, 3]?;
/// let b = try_vec![0u8; 512]?;
/// let c = try_vec![in Global; "x", "y"]?;
/// let d: boundlite_alloc::Vec<u8> = try_vec![]?;
/// assert_eq!((a.len(), b.len(), c.len(), d.len()), (3, 512, 2, 0));
/// # Ok::<(), OutOfMemory>(())
/// ```
#[macro_export]
macro_rules! try_vec {
    (in $alloc:expr) => {
        ::core::result::Result::<_, $crate::OutOfMemory>::Ok($crate::Vec::new_in($alloc))
    };
    (in $alloc:expr; $elem:expr; $n:expr) => {
        $crate::Vec::try_from_elem_in($elem, $n, $alloc)
    };
    (in $alloc:expr; $($x:expr),+ $(,)?) => {{
        let items = [$($x),+];
        let mut v = $crate::Vec::new_in($alloc);
        match v.try_reserve_exact(items.len()) {
            Ok(()) => match v.try_extend(items) {
                Ok(()) => Ok(v),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    }};
    () => {
        $crate::try_vec![in $crate::Global]
    };
    ($elem:expr; $n:expr) => {
        $crate::try_vec![in $crate::Global; $elem; $n]
    };
    ($($x:expr),+ $(,)?) => {
        $crate::try_vec![in $crate::Global; $($x),+]
    };
}
