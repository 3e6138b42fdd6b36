//! [`String`]: UTF-8 text over the fallible [`Vec`], and `try_format_in!`.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

use allocator_api2::alloc::{Allocator, Global};

use crate::{OutOfMemory, Vec};

/// A growable UTF-8 string in allocator `A`, with fallible growth only.
///
/// ```
/// use boundlite_alloc::{String, Global, OutOfMemory};
///
/// let mut s = String::try_from_str_in("page ", Global)?;
/// s.try_write_fmt(format_args!("{}", 7))?;
/// s.try_push('!')?;
/// assert_eq!(s, "page 7!");
/// # Ok::<(), OutOfMemory>(())
/// ```
///
/// ```compile_fail
/// let mut s = boundlite_alloc::String::new();
/// s.push_str("grows infallibly");
/// ```
pub struct String<A: Allocator = Global> {
    bytes: Vec<u8, A>,
}

impl String<Global> {
    /// An empty string on the global heap; allocates nothing.
    pub const fn new() -> Self {
        Self { bytes: Vec::new() }
    }
}

impl Default for String<Global> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Allocator> String<A> {
    /// An empty string in `alloc`; allocates nothing.
    pub const fn new_in(alloc: A) -> Self {
        Self {
            bytes: Vec::new_in(alloc),
        }
    }

    /// An empty string in `alloc` with room for `capacity` bytes.
    pub fn try_with_capacity_in(capacity: usize, alloc: A) -> Result<Self, OutOfMemory> {
        Ok(Self {
            bytes: Vec::try_with_capacity_in(capacity, alloc)?,
        })
    }

    /// A copy of `s` in `alloc`.
    pub fn try_from_str_in(s: &str, alloc: A) -> Result<Self, OutOfMemory> {
        Ok(Self {
            bytes: Vec::try_from_slice_in(s.as_bytes(), alloc)?,
        })
    }

    /// Takes `bytes` as the string's contents if they are valid UTF-8, else
    /// hands them back.
    pub fn from_utf8(bytes: Vec<u8, A>) -> Result<Self, Vec<u8, A>> {
        match core::str::from_utf8(&bytes) {
            Ok(_) => Ok(Self { bytes }),
            Err(_) => Err(bytes),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor and mutator keeps `bytes` valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(&self.bytes) }
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives up the string, returning its bytes.
    pub fn into_bytes(self) -> Vec<u8, A> {
        self.bytes
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// The allocator this string draws from.
    pub fn allocator(&self) -> &A {
        self.bytes.allocator()
    }

    /// Makes room for at least `additional` more bytes.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        self.bytes.try_reserve(additional)
    }

    /// Appends `s`.
    pub fn try_push_str(&mut self, s: &str) -> Result<(), OutOfMemory> {
        self.bytes.try_extend_from_slice(s.as_bytes())
    }

    /// Appends `c`.
    pub fn try_push(&mut self, c: char) -> Result<(), OutOfMemory> {
        self.try_push_str(c.encode_utf8(&mut [0; 4]))
    }

    /// Appends formatted text. On failure the string is as it was.
    pub fn try_write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), OutOfMemory> {
        /// Remembers whether a write failed for lack of memory, since
        /// `fmt::Error` cannot say why.
        struct Sink<'s, A: Allocator> {
            out: &'s mut String<A>,
            out_of_memory: bool,
        }
        impl<A: Allocator> fmt::Write for Sink<'_, A> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.out.try_push_str(s).map_err(|OutOfMemory| {
                    self.out_of_memory = true;
                    fmt::Error
                })
            }
        }
        let start = self.len();
        let mut sink = Sink {
            out: self,
            out_of_memory: false,
        };
        let written = fmt::write(&mut sink, args);
        let out_of_memory = sink.out_of_memory;
        if written.is_err() {
            self.truncate(start);
            // A formatting impl that fails on its own is a bug in that impl;
            // the only error this crate reports is running out of memory.
            if out_of_memory {
                return Err(OutOfMemory);
            }
        }
        Ok(())
    }

    /// Removes and returns the last character.
    pub fn pop(&mut self) -> Option<char> {
        let c = self.as_str().chars().next_back()?;
        self.bytes.truncate(self.len() - c.len_utf8());
        Some(c)
    }

    /// Shortens to `new_len` bytes; does nothing if `new_len` is not shorter.
    /// A `new_len` inside a character rounds down to the character's start.
    pub fn truncate(&mut self, new_len: usize) {
        if new_len < self.len() {
            let mut cut = new_len;
            while !self.as_str().is_char_boundary(cut) {
                cut -= 1;
            }
            self.bytes.truncate(cut);
        }
    }

    /// Empties the string, keeping its capacity.
    pub fn clear(&mut self) {
        self.bytes.clear()
    }
}

/// Formats into a [`String`] in the given allocator, returning
/// `Result<String<A>, OutOfMemory>`.
///
/// ```
/// use boundlite_alloc::{try_format_in, Global};
/// let s = try_format_in!(Global, "page {} of {}", 3, 9).unwrap();
/// assert_eq!(s, "page 3 of 9");
/// ```
#[macro_export]
macro_rules! try_format_in {
    ($alloc:expr, $($arg:tt)*) => {{
        let mut s = $crate::String::new_in($alloc);
        match s.try_write_fmt(::core::format_args!($($arg)*)) {
            Ok(()) => Ok(s),
            Err(e) => Err(e),
        }
    }};
}

impl<A: Allocator> Deref for String<A> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<A: Allocator> AsRef<str> for String<A> {
    fn as_ref(&self) -> &str {
        self
    }
}

impl<A: Allocator> AsRef<[u8]> for String<A> {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<A: Allocator> core::borrow::Borrow<str> for String<A> {
    fn borrow(&self) -> &str {
        self
    }
}

impl<A: Allocator> fmt::Debug for String<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<A: Allocator> fmt::Display for String<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl<A: Allocator> Hash for String<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl<A: Allocator, B: Allocator> PartialEq<String<B>> for String<A> {
    fn eq(&self, other: &String<B>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<A: Allocator> Eq for String<A> {}

impl<A: Allocator> PartialEq<str> for String<A> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<A: Allocator> PartialEq<&str> for String<A> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<A: Allocator> PartialOrd for String<A> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<A: Allocator> Ord for String<A> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}
