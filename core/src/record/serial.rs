//! [`SerialType`]: how one column of a record is stored.
//!
//! A record's header lists one serial type code per column, as a varint.
//! The code fixes both the column's type and the size of its body:
//!
//! | code | body | meaning |
//! |---|---|---|
//! | 0 | 0 | NULL |
//! | 1, 2, 3, 4, 5, 6 | 1, 2, 3, 4, 6, 8 | big-endian two's-complement integer |
//! | 7 | 8 | big-endian IEEE 754 double |
//! | 8, 9 | 0 | the integer 0, the integer 1 (schema format 4 only) |
//! | 10, 11 | | reserved: never valid in a database file |
//! | N ≥ 12, even | (N-12)/2 | BLOB |
//! | N ≥ 13, odd | (N-13)/2 | TEXT, in the database's encoding |

/// How one column is stored in a record.
///
/// ```
/// use boundlite::record::SerialType;
///
/// assert_eq!(SerialType::from_code(13), Some(SerialType::Text(0)));
/// assert_eq!(SerialType::from_code(10), None);
/// assert_eq!(SerialType::for_integer(1, 4), SerialType::One);
/// assert_eq!(SerialType::for_integer(1, 1), SerialType::Int8);
/// assert_eq!(SerialType::for_integer(-129, 4).body_len(), 2);
/// assert_eq!(SerialType::Blob(3).code(), 18);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SerialType {
    /// 0: NULL.
    Null,
    /// 1: a 1-byte integer.
    Int8,
    /// 2: a 2-byte integer.
    Int16,
    /// 3: a 3-byte integer.
    Int24,
    /// 4: a 4-byte integer.
    Int32,
    /// 5: a 6-byte integer.
    Int48,
    /// 6: an 8-byte integer.
    Int64,
    /// 7: an 8-byte IEEE 754 double.
    Float64,
    /// 8: the integer 0, with no body.
    Zero,
    /// 9: the integer 1, with no body.
    One,
    /// A BLOB of this many bytes.
    Blob(usize),
    /// A string of this many bytes.
    Text(usize),
}

/// The largest integer a 6-byte body holds.
const MAX_INT48: u64 = (1 << 47) - 1;

impl SerialType {
    /// The serial type for `code`; `None` for the reserved codes 10 and 11,
    /// and for a BLOB or TEXT too long to address on this target.
    pub fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            0 => SerialType::Null,
            1 => SerialType::Int8,
            2 => SerialType::Int16,
            3 => SerialType::Int24,
            4 => SerialType::Int32,
            5 => SerialType::Int48,
            6 => SerialType::Int64,
            7 => SerialType::Float64,
            8 => SerialType::Zero,
            9 => SerialType::One,
            10 | 11 => return None,
            n => {
                let len = usize::try_from((n - 12) / 2).ok()?;
                if n % 2 == 0 {
                    SerialType::Blob(len)
                } else {
                    SerialType::Text(len)
                }
            }
        })
    }

    /// The code stored in the record header.
    ///
    /// Lengths beyond what a `u64` code can express (about 2^63 bytes,
    /// larger than any slice) saturate rather than wrap.
    pub fn code(self) -> u64 {
        let sized = |len: usize, base: u64| (len as u64).saturating_mul(2).saturating_add(base);
        match self {
            SerialType::Null => 0,
            SerialType::Int8 => 1,
            SerialType::Int16 => 2,
            SerialType::Int24 => 3,
            SerialType::Int32 => 4,
            SerialType::Int48 => 5,
            SerialType::Int64 => 6,
            SerialType::Float64 => 7,
            SerialType::Zero => 8,
            SerialType::One => 9,
            SerialType::Blob(len) => sized(len, 12),
            SerialType::Text(len) => sized(len, 13),
        }
    }

    /// The number of body bytes a column of this type takes.
    pub const fn body_len(self) -> usize {
        match self {
            SerialType::Null | SerialType::Zero | SerialType::One => 0,
            SerialType::Int8 => 1,
            SerialType::Int16 => 2,
            SerialType::Int24 => 3,
            SerialType::Int32 => 4,
            SerialType::Int48 => 6,
            SerialType::Int64 | SerialType::Float64 => 8,
            SerialType::Blob(len) | SerialType::Text(len) => len,
        }
    }

    /// The smallest serial type that holds `value`, as SQLite chooses it.
    ///
    /// The body-less types for 0 and 1 exist only from schema format 4 on,
    /// so for an older `schema_format` they are stored in one byte, as
    /// SQLite does for a file of that format.
    pub const fn for_integer(value: i64, schema_format: u32) -> Self {
        // Negative values need as many bytes as their complement does: the
        // sign bit takes the place of the complement's leading zero.
        let magnitude = if value < 0 { !value } else { value } as u64;
        if magnitude <= 0x7f {
            if schema_format >= 4 && (value == 0 || value == 1) {
                return if value == 0 {
                    SerialType::Zero
                } else {
                    SerialType::One
                };
            }
            SerialType::Int8
        } else if magnitude <= 0x7fff {
            SerialType::Int16
        } else if magnitude <= 0x7f_ffff {
            SerialType::Int24
        } else if magnitude <= 0x7fff_ffff {
            SerialType::Int32
        } else if magnitude <= MAX_INT48 {
            SerialType::Int48
        } else {
            SerialType::Int64
        }
    }
}
