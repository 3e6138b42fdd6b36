//! The record format: how a row or an index key is stored as bytes.
//!
//! A record is a header of serial types ([`SerialType`]) followed by the
//! columns' bodies. [`RecordRef`] reads one in place, validating it once and
//! then decoding columns on demand into borrowed [`ValueRef`]s;
//! [`encode_into`] writes one into a caller's buffer exactly as SQLite
//! would; [`RecordStream`] produces the same bytes a range at a time, for
//! a record too big to hold whole (with [`Field::Zeros`], SQLite's
//! `zeroblob`, never held at all); [`locate_column`] finds one column from
//! a record's header alone; [`compare_records`] orders index keys as SQLite does, and
//! [`UnpackedKey`] and [`compare_payload`] order a stored record against a
//! search key without parsing the record first (a B-tree search's probe).
//!
//! Invariants: decoding never allocates and never panics, whatever the
//! bytes; any malformed record is `Error::Corrupt`. Encoding then decoding
//! gives back the same values, except that a NaN REAL becomes NULL, as in
//! SQLite.

mod compare;
mod decode;
mod encode;
mod serial;
mod stream;
mod unpacked;
mod value;

#[cfg(test)]
mod tests;

pub use compare::{
    Collation, KeyColumn, SortOrder, compare_record_with_values, compare_records, compare_values,
};
pub(crate) use decode::leading_value;
pub use decode::{Columns, RecordRef};
pub use encode::{encode_into, encode_into_with, encoded_len, encoded_len_with};
pub use serial::SerialType;
pub use stream::{ColumnPlace, Field, RecordStream, fields_len, locate_column};
pub use unpacked::{UNPACKED_COLUMNS, UnpackedKey, compare_payload};
pub use value::{ValueRef, ValueType};
