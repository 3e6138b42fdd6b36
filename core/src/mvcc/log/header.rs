//! [`LogHeader`]: the logical log's 32-byte header, and [`LogSalt`].

use super::checksum;
use crate::mvcc::Timestamp;
use crate::wal::Checksum;
use crate::{Error, Result};

/// Bytes of the header.
pub const LOG_HEADER_SIZE: usize = 32;

/// The header's first four bytes.
pub const LOG_MAGIC: [u8; 4] = *b"BLlg";

/// The format version this engine writes and reads.
pub const LOG_VERSION: u32 = 1;

/// What tells one generation of the log from the next: every frame carries
/// its generation's salt, so frames left from before a reset never pass
/// for frames of the header in front of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogSalt(u64);

impl LogSalt {
    /// The salt `n`.
    pub const fn new(n: u64) -> LogSalt {
        LogSalt(n)
    }

    /// Its number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// A salt for the generation after this one, mixed with `seed` (a
    /// clock reading, where the platform has one); never equal to this.
    pub fn after(self, seed: u64) -> LogSalt {
        // splitmix64 over the previous salt and the seed.
        let mut z = self
            .0
            .wrapping_add(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(seed.rotate_left(17));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        if z == self.0 {
            LogSalt(z ^ 1)
        } else {
            LogSalt(z)
        }
    }
}

/// The log's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHeader {
    /// This generation's salt.
    pub salt: LogSalt,
    /// The checkpoint boundary the log was started at: every frame's
    /// commit timestamp is above it.
    pub base: Timestamp,
}

impl LogHeader {
    /// The header's bytes.
    pub fn encode(&self) -> [u8; LOG_HEADER_SIZE] {
        let mut out = [0u8; LOG_HEADER_SIZE];
        let mut fields = [0u8; 24];
        put(&mut fields, 0, &LOG_MAGIC);
        put(&mut fields, 4, &LOG_VERSION.to_be_bytes());
        put(&mut fields, 8, &self.salt.0.to_be_bytes());
        put(&mut fields, 16, &self.base.get().to_be_bytes());
        put(&mut out, 0, &fields);
        put(&mut out, 24, &checksum(Checksum::ZERO, &fields).to_bytes());
        out
    }

    /// The checksum the first frame chains from.
    pub fn checksum(&self) -> Checksum {
        let bytes = self.encode();
        checksum(Checksum::ZERO, bytes.get(..24).unwrap_or(&[]))
    }

    /// Reads a header; `Corrupt` unless `bytes` holds a whole one with this
    /// magic and version and a matching checksum.
    pub fn parse(bytes: &[u8]) -> Result<LogHeader> {
        const DAMAGED: Error = Error::corrupt_file("the MVCC log header is damaged");
        let bytes: &[u8; LOG_HEADER_SIZE] = bytes
            .get(..LOG_HEADER_SIZE)
            .and_then(|b| b.try_into().ok())
            .ok_or(DAMAGED)?;
        let (fields, sum) = bytes.split_at(24);
        if checksum(Checksum::ZERO, fields).to_bytes() != sum {
            return Err(DAMAGED);
        }
        if fields.get(..4) != Some(&LOG_MAGIC[..]) || u32_at(fields, 4) != Some(LOG_VERSION) {
            return Err(DAMAGED);
        }
        let salt = u64_at(fields, 8).ok_or(DAMAGED)?;
        let base = u64_at(fields, 16)
            .filter(|&b| b <= Timestamp::MAX.get())
            .ok_or(DAMAGED)?;
        Ok(LogHeader {
            salt: LogSalt(salt),
            base: Timestamp::new(base),
        })
    }
}

/// Copies `bytes` into `out` at `at`; the callers' offsets are constants
/// inside their fixed-size buffers.
pub(super) fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// The big-endian u32 at `at`, if `bytes` holds it.
pub(super) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// The big-endian u64 at `at`, if `bytes` holds it.
pub(super) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(b))
}
