//! SQLite's WAL checksum: a pair of 32-bit sums over 32-bit words, chained
//! from one checksummed region to the next.
//!
//! The input is read as 32-bit words in the byte order the WAL header's
//! magic selects ([`ByteOrder`]), two at a time:
//!
//! ```text
//! s0 += x[i]   + s1
//! s1 += x[i+1] + s0      (wrapping arithmetic, for i = 0, 2, 4, ...)
//! ```
//!
//! Every region SQLite checksums is a multiple of 8 bytes long (the first
//! 24 bytes of the header, the first 8 bytes of a frame header, a page of
//! 512 to 65536 bytes), and so is every region checksummed here. The sums
//! are stored big-endian whatever order the words were read in.
//!
//! ```
//! use boundlite::wal::{ByteOrder, Checksum};
//!
//! let bytes = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
//! // s0 = 0 + 1 + 0 = 1, s1 = 0 + 2 + 1 = 3; then s0 = 1 + 3 + 3 = 7, s1 = 3 + 4 + 7 = 14.
//! assert_eq!(Checksum::ZERO.update(ByteOrder::Big, &bytes), Checksum::new(7, 14));
//! ```

/// The order in which checksum words are read from the bytes they cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Magic `0x377f0683`: words are big-endian. What this engine writes.
    Big,
    /// Magic `0x377f0682`: words are little-endian. What SQLite writes on
    /// little-endian machines.
    Little,
}

impl ByteOrder {
    fn word(self, bytes: [u8; 4]) -> u32 {
        match self {
            ByteOrder::Big => u32::from_be_bytes(bytes),
            ByteOrder::Little => u32::from_le_bytes(bytes),
        }
    }
}

/// The running checksum: the two sums `(s0, s1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Checksum {
    /// The first sum (checksum-1 in the file).
    pub s0: u32,
    /// The second sum (checksum-2 in the file).
    pub s1: u32,
}

impl Checksum {
    /// The seed of the header's checksum: both sums zero.
    pub const ZERO: Checksum = Checksum { s0: 0, s1: 0 };

    /// The checksum with sums `s0` and `s1`.
    pub const fn new(s0: u32, s1: u32) -> Self {
        Checksum { s0, s1 }
    }

    /// This checksum continued over `bytes`, read as words in `order`.
    /// `bytes.len()` should be a multiple of 8; a shorter tail is ignored,
    /// which no region of the format has.
    #[must_use]
    pub fn update(self, order: ByteOrder, bytes: &[u8]) -> Checksum {
        let (mut s0, mut s1) = (self.s0, self.s1);
        let mut words = bytes.chunks_exact(4).map(|chunk| {
            let mut word = [0u8; 4];
            word.copy_from_slice(chunk);
            order.word(word)
        });
        while let (Some(x0), Some(x1)) = (words.next(), words.next()) {
            s0 = s0.wrapping_add(x0).wrapping_add(s1);
            s1 = s1.wrapping_add(x1).wrapping_add(s0);
        }
        Checksum { s0, s1 }
    }

    /// The 8 bytes the file stores: both sums, big-endian.
    pub fn to_bytes(self) -> [u8; 8] {
        let mut out = [0u8; 8];
        let (first, second) = out.split_at_mut(4);
        first.copy_from_slice(&self.s0.to_be_bytes());
        second.copy_from_slice(&self.s1.to_be_bytes());
        out
    }
}
