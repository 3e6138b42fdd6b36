//! The 100-byte database header at the start of page 1.
//!
//! [`DatabaseHeader`] holds every field of the header as SQLite's
//! file-format document defines it, in typed form. [`DatabaseHeader::parse`]
//! accepts the headers SQLite opens for reading and writing, and this
//! engine's MVCC mode (write version 255, which SQLite opens read-only;
//! any other write version above 2 is refused), and
//! [`DatabaseHeader::write`] produces the bytes SQLite would write for the
//! same fields, so `write(parse(bytes)) == bytes` for every header SQLite
//! writes. Invariants held by the types:
//!
//! - the page size is a power of two in 512..=65536 ([`PageSize`]), and the
//!   reserved bytes leave at least 480 usable bytes per page;
//! - the read version is 1 (rollback journal) or 2 (WAL); the write
//!   version is one of those or 255 (MVCC mode, over a WAL);
//! - the payload fractions are 64, 32, 32 and bytes 72..92 are zero (both
//!   are checked on read and implied on write, so they have no field);
//! - the schema format is 0..=4 and the text encoding is 0..=3, where 0 in
//!   either means "not recorded yet", as in a file SQLite created before
//!   its first `CREATE`.
//!
//! Parsing does not reject what is well formed but unsupported (UTF-16 text,
//! auto-vacuum): [`DatabaseHeader::refuse_unsupported`] does that, so tools
//! can still describe such a file.
//!
//! ```
//! use boundlite::format::{DatabaseHeader, PageSize, HEADER_SIZE};
//!
//! let header = DatabaseHeader::new_database(PageSize::new(4096).unwrap());
//! let mut bytes = [0u8; HEADER_SIZE];
//! header.write(&mut bytes);
//! assert_eq!(&bytes[..16], b"SQLite format 3\0");
//! assert_eq!(DatabaseHeader::parse(&bytes)?, header);
//! header.refuse_unsupported()?;
//! assert_eq!(header.page_count(4096)?, 1);
//! # Ok::<(), boundlite::Error>(())
//! ```

use crate::format::reader::Reader;
use crate::{Error, PageNo, Result};

use crate::format::header_fields::{FileFormatVersion, PageSize, TextEncoding};

/// Size of the database header in bytes.
pub const HEADER_SIZE: usize = 100;

/// The magic string every database file starts with.
pub const MAGIC: [u8; 16] = *b"SQLite format 3\0";

/// The SQLite release whose file format this engine writes (3.46.0),
/// recorded at offset 96 by every commit, as SQLite records its own
/// `SQLITE_VERSION_NUMBER`. Its only use is diagnostic: SQLite itself never
/// reads it back.
pub const SQLITE_VERSION_NUMBER: u32 = 3_046_000;

/// The schema format this engine writes: 4, which allows descending indexes
/// and the serial types 8 and 9 for the integers 0 and 1.
pub const SCHEMA_FORMAT: u32 = 4;

/// The highest schema format number SQLite defines.
const MAX_SCHEMA_FORMAT: u32 = 4;

/// SQLite refuses pages whose usable part is smaller than this.
const MIN_USABLE_SIZE: u32 = 480;

/// The payload fractions at offsets 21, 22 and 23: fixed since SQLite 3.0.
const PAYLOAD_FRACTIONS: [u8; 3] = [64, 32, 32];

/// Every field of the database header. Offsets are those of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseHeader {
    /// Offset 16: the page size.
    pub page_size: PageSize,
    /// Offset 18: the file format write version.
    pub write_version: FileFormatVersion,
    /// Offset 19: the file format read version.
    pub read_version: FileFormatVersion,
    /// Offset 20: bytes at the end of every page set aside for extensions.
    pub reserved_bytes: u8,
    /// Offset 24: incremented by every commit in rollback-journal mode.
    pub change_counter: u32,
    /// Offset 28: the database size in pages, trusted only when
    /// [`in_header_size_is_valid`](Self::in_header_size_is_valid).
    pub database_size: u32,
    /// Offset 32: the first freelist trunk page, if the freelist is not empty.
    pub first_freelist_trunk: Option<PageNo>,
    /// Offset 36: the total number of freelist pages (trunks and leaves).
    pub freelist_count: u32,
    /// Offset 40: incremented whenever the schema changes.
    pub schema_cookie: u32,
    /// Offset 44: the schema format number, 0..=4 (0: no schema written yet).
    pub schema_format: u32,
    /// Offset 48: the suggested page cache size (`PRAGMA default_cache_size`).
    pub default_cache_size: i32,
    /// Offset 52: the largest root page in auto-vacuum mode; `None` when
    /// auto-vacuum is off.
    pub largest_root_page: Option<PageNo>,
    /// Offset 56: the text encoding; `None` when not recorded yet (0 on
    /// disk), which SQLite reads as UTF-8.
    pub text_encoding: Option<TextEncoding>,
    /// Offset 60: `PRAGMA user_version`.
    pub user_version: i32,
    /// Offset 64: incremental-vacuum mode (written as 1 or 0).
    pub incremental_vacuum: bool,
    /// Offset 68: `PRAGMA application_id`.
    pub application_id: i32,
    /// Offset 92: the change counter at the time of the commit that last
    /// wrote [`database_size`](Self::database_size).
    pub version_valid_for: u32,
    /// Offset 96: the `SQLITE_VERSION_NUMBER` of the library that last
    /// committed to the file.
    pub sqlite_version: u32,
}

impl DatabaseHeader {
    /// The header of a database holding only an empty schema table on page
    /// 1, as this engine writes it: SQLite's defaults for a fresh file with
    /// the schema format and text encoding already recorded (SQLite records
    /// them at the first `CREATE`), in rollback-journal mode as SQLite
    /// creates every file; a WAL writer sets both versions to
    /// [`FileFormatVersion::Wal`].
    pub const fn new_database(page_size: PageSize) -> Self {
        DatabaseHeader {
            page_size,
            write_version: FileFormatVersion::Legacy,
            read_version: FileFormatVersion::Legacy,
            reserved_bytes: 0,
            change_counter: 1,
            database_size: 1,
            first_freelist_trunk: None,
            freelist_count: 0,
            schema_cookie: 0,
            schema_format: SCHEMA_FORMAT,
            default_cache_size: 0,
            largest_root_page: None,
            text_encoding: Some(TextEncoding::Utf8),
            user_version: 0,
            incremental_vacuum: false,
            application_id: 0,
            version_valid_for: 1,
            sqlite_version: SQLITE_VERSION_NUMBER,
        }
    }

    /// Parses and validates the first [`HEADER_SIZE`] bytes of `bytes`.
    ///
    /// A file that does not start with the magic string, or whose page size,
    /// versions or usable size SQLite would refuse, is
    /// [`Error::NotADatabase`]; a header that is recognisably SQLite's but
    /// breaks a fixed rule (payload fractions, reserved bytes, out-of-range
    /// schema format or encoding) is [`Error::Corrupt`] on page 1. An empty
    /// file is a database with no pages yet, not a header: callers check
    /// the file size before asking for a header.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let r = Reader::for_page(bytes, PageNo::ONE);
        let prefix = bytes.get(..MAGIC.len()).unwrap_or(bytes);
        if MAGIC.get(..prefix.len()) != Some(prefix) {
            return Err(Error::NotADatabase(
                "the file does not start with the SQLite magic string",
            ));
        }
        if bytes.len() < HEADER_SIZE {
            return Err(r.corrupt("the file ends inside the 100-byte database header"));
        }
        let page_size = PageSize::from_header_field(r.u16(16)?).ok_or(Error::NotADatabase(
            "the page size is not a power of two between 512 and 65536",
        ))?;
        let write_version = FileFormatVersion::from_byte(r.u8(18)?).ok_or(Error::NotADatabase(
            "the file format write version is neither 1 (rollback), 2 (WAL) nor 255 (MVCC)",
        ))?;
        let read_version = FileFormatVersion::from_byte(r.u8(19)?)
            .filter(|v| *v != FileFormatVersion::Mvcc)
            .ok_or(Error::NotADatabase(
                "the file format read version is neither 1 (rollback) nor 2 (WAL)",
            ))?;
        if write_version == FileFormatVersion::Mvcc && read_version != FileFormatVersion::Wal {
            return Err(Error::NotADatabase(
                "an MVCC-mode file (write version 255) must have read version 2 (WAL)",
            ));
        }
        let reserved_bytes = r.u8(20)?;
        if page_size.get() - u32::from(reserved_bytes) < MIN_USABLE_SIZE {
            return Err(Error::NotADatabase(
                "the reserved bytes leave fewer than 480 usable bytes per page",
            ));
        }
        if r.array::<3>(21)? != PAYLOAD_FRACTIONS {
            return Err(r.corrupt("the payload fractions at offsets 21..24 are not 64, 32, 32"));
        }
        if r.slice(72, 20)?.iter().any(|&b| b != 0) {
            return Err(r.corrupt("the reserved header bytes 72..92 are not zero"));
        }
        let schema_format = r.u32(44)?;
        if schema_format > MAX_SCHEMA_FORMAT {
            return Err(Error::NotADatabase("the schema format number is above 4"));
        }
        let text_encoding = match r.u32(56)? {
            0 => None,
            code => Some(
                TextEncoding::from_code(code)
                    .ok_or(r.corrupt("the text encoding is not 1, 2 or 3"))?,
            ),
        };
        Ok(DatabaseHeader {
            page_size,
            write_version,
            read_version,
            reserved_bytes,
            change_counter: r.u32(24)?,
            database_size: r.u32(28)?,
            first_freelist_trunk: PageNo::new(r.u32(32)?),
            freelist_count: r.u32(36)?,
            schema_cookie: r.u32(40)?,
            schema_format,
            default_cache_size: r.u32(48)? as i32,
            largest_root_page: PageNo::new(r.u32(52)?),
            text_encoding,
            user_version: r.u32(60)? as i32,
            incremental_vacuum: r.u32(64)? != 0,
            application_id: r.u32(68)? as i32,
            version_valid_for: r.u32(92)?,
            sqlite_version: r.u32(96)?,
        })
    }

    /// Writes the header as SQLite lays it out.
    pub fn write(&self, out: &mut [u8; HEADER_SIZE]) {
        let page = |p: Option<PageNo>| p.map_or(0, PageNo::get);
        *out = [0; HEADER_SIZE];
        put(out, 0, &MAGIC);
        put(out, 16, &self.page_size.to_header_field().to_be_bytes());
        put(
            out,
            18,
            &[self.write_version as u8, self.read_version as u8],
        );
        put(out, 20, &[self.reserved_bytes]);
        put(out, 21, &PAYLOAD_FRACTIONS);
        let words: [(usize, u32); 14] = [
            (24, self.change_counter),
            (28, self.database_size),
            (32, page(self.first_freelist_trunk)),
            (36, self.freelist_count),
            (40, self.schema_cookie),
            (44, self.schema_format),
            (48, self.default_cache_size as u32),
            (52, page(self.largest_root_page)),
            (56, self.text_encoding.map_or(0, |e| e as u32)),
            (60, self.user_version as u32),
            (64, u32::from(self.incremental_vacuum)),
            (68, self.application_id as u32),
            (92, self.version_valid_for),
            (96, self.sqlite_version),
        ];
        for (offset, value) in words {
            put(out, offset, &value.to_be_bytes());
        }
    }

    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut out = [0; HEADER_SIZE];
        self.write(&mut out);
        out
    }

    /// Refuses, with [`Error::NotADatabase`] and the reason, a database this
    /// engine would misread or break: UTF-16 text, auto-vacuum or
    /// incremental-vacuum mode (whose pointer-map pages the B-tree layer
    /// does not maintain).
    pub fn refuse_unsupported(&self) -> Result<()> {
        match self.text_encoding {
            Some(TextEncoding::Utf16le | TextEncoding::Utf16be) => {
                return Err(Error::NotADatabase(
                    "UTF-16 databases are not supported (the text encoding is not UTF-8)",
                ));
            }
            Some(TextEncoding::Utf8) | None => {}
        }
        if self.largest_root_page.is_some() || self.incremental_vacuum {
            return Err(Error::NotADatabase(
                "auto-vacuum databases are not supported (run VACUUM with auto_vacuum=NONE)",
            ));
        }
        Ok(())
    }

    /// Bytes per page available to B-tree content: the page size less the
    /// reserved bytes.
    pub const fn usable_size(&self) -> u32 {
        // `parse` guarantees at least 480 usable bytes; a header built by
        // hand with more reserved bytes than page bytes still saturates.
        self.page_size
            .get()
            .saturating_sub(self.reserved_bytes as u32)
    }

    /// Whether [`database_size`](Self::database_size) can be trusted: it is
    /// non-zero and the change counter equals the version-valid-for number.
    /// A legacy SQLite (before 3.7.0) that committed leaves them unequal.
    pub const fn in_header_size_is_valid(&self) -> bool {
        self.database_size != 0 && self.change_counter == self.version_valid_for
    }

    /// The database size in pages for a database of `file_size` bytes:
    /// the in-header size when valid, otherwise the file size in pages
    /// (a partial last page counts), as SQLite decides it. `file_size` is
    /// the database's size as the journal sees it: the main file's length,
    /// or in WAL mode the size the log's last commit records, in bytes.
    ///
    /// A valid in-header size larger than the file is `Corrupt`: the file
    /// was truncated.
    pub fn page_count(&self, file_size: u64) -> Result<u32> {
        let page_size = u64::from(self.page_size.get());
        let file_pages = u32::try_from(file_size.div_ceil(page_size))
            .map_err(|_| Error::corrupt_file("the file holds more than 2^32 - 1 pages"))?;
        if !self.in_header_size_is_valid() {
            return Ok(file_pages);
        }
        if self.database_size > file_pages {
            return Err(Error::corrupt(
                PageNo::ONE,
                "the in-header database size is larger than the file",
            ));
        }
        Ok(self.database_size)
    }

    /// Updates the fields a rollback-journal commit changes, as SQLite does:
    /// the change counter goes up by one (wrapping), the in-header size
    /// becomes `page_count` and is marked valid, and the version number
    /// becomes this engine's.
    pub fn record_commit(&mut self, page_count: u32) {
        self.change_counter = self.change_counter.wrapping_add(1);
        self.version_valid_for = self.change_counter;
        self.database_size = page_count;
        self.sqlite_version = SQLITE_VERSION_NUMBER;
    }
}

/// Copies `bytes` into the header at `offset`. Every caller passes a fixed
/// offset inside the header (the round-trip tests cover each one), so the
/// range always exists.
fn put(out: &mut [u8; HEADER_SIZE], offset: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(offset..offset + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}
