//! SQLite's variable-length integers.
//!
//! A varint holds a 64-bit unsigned value in 1 to 9 bytes, most significant
//! group first. Each of the first eight bytes gives 7 bits and sets its high
//! bit when another byte follows; a ninth byte, when present, gives all 8 of
//! its bits. Signed quantities (rowids) are stored as their two's-complement
//! `u64`. Every value has exactly one shortest encoding, and that is the one
//! [`write_varint`] produces, as SQLite does; [`read_varint`] also accepts
//! longer encodings with leading zero groups, which SQLite never writes but
//! reads.
//!
//! ```
//! use boundlite::format::{read_varint, varint_len, write_varint};
//!
//! let mut buf = [0u8; 9];
//! let n = write_varint(300, &mut buf);
//! assert_eq!((n, varint_len(300)), (2, 2));
//! assert_eq!(buf[..n], [0x82, 0x2c]);
//! assert_eq!(read_varint(&buf[..n]), Some((300, 2)));
//! assert_eq!(read_varint(&[0x82]), None); // truncated
//! ```

/// The longest varint, in bytes.
pub const MAX_VARINT_LEN: usize = 9;

/// Values above this need all nine bytes (the ninth carries 8 bits).
const MAX_EIGHT_BYTE: u64 = (1 << 56) - 1;

/// Decodes the varint at the start of `bytes`: its value and its length in
/// bytes. `None` when `bytes` ends before the varint does.
pub fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    // Most varints (cell sizes, rowids, serial types) are one or two
    // bytes.
    match bytes {
        [a, ..] if a & 0x80 == 0 => return Some((u64::from(*a), 1)),
        [a, b, ..] if b & 0x80 == 0 => {
            return Some(((u64::from(a & 0x7f) << 7) | u64::from(*b), 2));
        }
        _ => {}
    }
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().take(MAX_VARINT_LEN - 1).enumerate() {
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    let &last = bytes.get(MAX_VARINT_LEN - 1)?;
    Some(((value << 8) | u64::from(last), MAX_VARINT_LEN))
}

/// The number of bytes [`write_varint`] uses for `value`.
pub const fn varint_len(value: u64) -> usize {
    if value > MAX_EIGHT_BYTE {
        return MAX_VARINT_LEN;
    }
    let bits = (u64::BITS - value.leading_zeros()) as usize;
    if bits == 0 { 1 } else { bits.div_ceil(7) }
}

/// Encodes `value` at the start of `out` and returns how many bytes it
/// took; the rest of `out` is left as it was.
pub fn write_varint(value: u64, out: &mut [u8; MAX_VARINT_LEN]) -> usize {
    let len = varint_len(value);
    // The ninth byte, when used, takes the low 8 bits; the groups before it
    // then shift by 7 each.
    let (mut rest, groups) = if len == MAX_VARINT_LEN {
        out[MAX_VARINT_LEN - 1] = value as u8;
        (value >> 8, MAX_VARINT_LEN - 1)
    } else {
        (value, len)
    };
    for (i, slot) in out.iter_mut().take(groups).enumerate().rev() {
        let more = if i + 1 < len { 0x80 } else { 0 };
        *slot = (rest as u8 & 0x7f) | more;
        rest >>= 7;
    }
    len
}

/// A varint encoded into an owned buffer, for appending with one call.
///
/// ```
/// use boundlite::format::Varint;
/// assert_eq!(Varint::new(0x7f).as_bytes(), &[0x7f]);
/// assert_eq!(Varint::new(0x80).as_bytes(), &[0x81, 0x00]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Varint {
    buf: [u8; MAX_VARINT_LEN],
    len: usize,
}

impl Varint {
    /// The shortest encoding of `value`.
    pub fn new(value: u64) -> Self {
        let mut buf = [0; MAX_VARINT_LEN];
        let len = write_varint(value, &mut buf);
        Varint { buf, len }
    }

    /// The encoded bytes (1 to 9 of them).
    pub fn as_bytes(&self) -> &[u8] {
        // `len` comes from `write_varint`, so it is at most the buffer size.
        self.buf.get(..self.len).unwrap_or(&self.buf)
    }
}
