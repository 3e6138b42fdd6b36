//! The SQLite file format's fixed layouts: the 100-byte database header,
//! varints, and checked readers over page bytes.
//!
//! Everything here is a pure function of bytes: no I/O, no allocation. Bytes
//! read from a file are untrusted, so every read goes through [`Reader`],
//! whose out-of-range reads are `Error::Corrupt` naming the page, never a
//! panic. What this module writes is byte-for-byte what SQLite writes for
//! the same values.

mod header;
mod header_fields;
mod reader;
mod varint;

#[cfg(test)]
mod tests;

pub use header::{DatabaseHeader, HEADER_SIZE, MAGIC, SCHEMA_FORMAT, SQLITE_VERSION_NUMBER};
pub use header_fields::{FileFormatVersion, PageSize, TextEncoding};
pub use reader::Reader;
pub use varint::{MAX_VARINT_LEN, Varint, read_varint, varint_len, write_varint};
