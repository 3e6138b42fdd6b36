//! The typed header fields that have rules of their own: [`PageSize`],
//! [`FileFormatVersion`] and [`TextEncoding`]. Each can only hold a value
//! the file format allows, and knows its on-disk encoding.

/// A page size: a power of two from 512 to 65536 bytes, nothing else.
///
/// On disk it is a big-endian `u16` at offset 16, where 65536, which does
/// not fit, is written as 1.
///
/// ```
/// use boundlite::format::PageSize;
///
/// assert_eq!(PageSize::new(4096).map(PageSize::get), Some(4096));
/// assert_eq!(PageSize::new(3000), None);
/// assert_eq!(PageSize::MAX.to_header_field(), 1);
/// assert_eq!(PageSize::from_header_field(1), Some(PageSize::MAX));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(u32);

impl PageSize {
    /// The smallest page size, 512 bytes.
    pub const MIN: PageSize = PageSize(512);
    /// The largest page size, 65536 bytes.
    pub const MAX: PageSize = PageSize(65536);
    /// SQLite's default page size, 4096 bytes.
    pub const DEFAULT: PageSize = PageSize(4096);

    /// `bytes` as a page size, if it is a power of two in 512..=65536.
    pub const fn new(bytes: u32) -> Option<PageSize> {
        if bytes.is_power_of_two() && bytes >= Self::MIN.0 && bytes <= Self::MAX.0 {
            Some(PageSize(bytes))
        } else {
            None
        }
    }

    /// The size in bytes.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The page size stored as `raw` at header offset 16 (1 means 65536).
    pub const fn from_header_field(raw: u16) -> Option<PageSize> {
        if raw == 1 {
            Some(Self::MAX)
        } else {
            Self::new(raw as u32)
        }
    }

    /// The value stored at header offset 16.
    pub const fn to_header_field(self) -> u16 {
        if self.0 == Self::MAX.0 {
            1
        } else {
            // Every other valid size is at most 32768.
            self.0 as u16
        }
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The file format read and write versions (header offsets 18 and 19):
/// which journal the file expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FileFormatVersion {
    /// 1: rollback journal (SQLite's "legacy" mode).
    Legacy = 1,
    /// 2: write-ahead log; a reader must look for the `-wal` file.
    Wal = 2,
    /// 255, as the write version only: this engine's MVCC mode
    /// (`docs/mvcc.md`), whose committed rows may still be in the logical
    /// log `<db>-log`. SQLite opens such a file read-only, as it does any
    /// write version above 2, so it never writes behind the log's back.
    Mvcc = 255,
}

impl FileFormatVersion {
    /// The version for the byte stored in the header, if it is 1, 2 or
    /// 255. SQLite refuses a read version above 2: the header parser
    /// refuses [`Mvcc`](Self::Mvcc) there.
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(FileFormatVersion::Legacy),
            2 => Some(FileFormatVersion::Wal),
            255 => Some(FileFormatVersion::Mvcc),
            _ => None,
        }
    }
}

/// The text encoding of every string in the database (header offset 56).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TextEncoding {
    /// 1: UTF-8.
    Utf8 = 1,
    /// 2: UTF-16, little-endian.
    Utf16le = 2,
    /// 3: UTF-16, big-endian.
    Utf16be = 3,
}

impl TextEncoding {
    /// The encoding for the value stored in the header, if it is 1, 2 or 3.
    pub const fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(TextEncoding::Utf8),
            2 => Some(TextEncoding::Utf16le),
            3 => Some(TextEncoding::Utf16be),
            _ => None,
        }
    }
}
