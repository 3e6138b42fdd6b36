//! Varints, the checked reader and the database header.

use crate::format::{
    DatabaseHeader, FileFormatVersion, HEADER_SIZE, MAGIC, MAX_VARINT_LEN, PageSize, Reader,
    SQLITE_VERSION_NUMBER, TextEncoding, Varint, read_varint, varint_len, write_varint,
};
use crate::{Error, PageNo};

/// Values on both sides of every varint length boundary.
fn boundary_values() -> impl Iterator<Item = u64> {
    (0..64u32)
        .flat_map(|bit| {
            let p = 1u64 << bit;
            [p - 1, p, p + 1]
        })
        .chain([0x7f, 0x80, 0x3fff, 0x4000, 0x1f_ffff, 0x20_0000])
        .chain([(1 << 56) - 1, 1 << 56, u64::MAX - 1, u64::MAX])
}

#[test]
fn varint_lengths_at_boundaries() {
    let expected = [
        (0, 1),
        (0x7f, 1),
        (0x80, 2),
        (0x3fff, 2),
        (0x4000, 3),
        (0x1f_ffff, 3),
        (0x20_0000, 4),
        ((1 << 28) - 1, 4),
        (1 << 28, 5),
        ((1 << 35) - 1, 5),
        (1 << 35, 6),
        ((1 << 42) - 1, 6),
        (1 << 42, 7),
        ((1 << 49) - 1, 7),
        (1 << 49, 8),
        ((1 << 56) - 1, 8),
        (1 << 56, 9),
        (u64::MAX, 9),
    ];
    for (value, len) in expected {
        assert_eq!(varint_len(value), len, "{value:#x}");
    }
}

#[test]
fn varint_round_trips_at_every_boundary() {
    for value in boundary_values() {
        let mut buf = [0xaa; MAX_VARINT_LEN];
        let len = write_varint(value, &mut buf);
        assert_eq!(len, varint_len(value), "{value:#x}");
        assert_eq!(read_varint(&buf[..len]), Some((value, len)), "{value:#x}");
        // Bytes after the varint are neither read nor written.
        assert!(buf[len..].iter().all(|&b| b == 0xaa), "{value:#x}");
        assert_eq!(read_varint(&buf), Some((value, len)));
        assert_eq!(Varint::new(value).as_bytes(), &buf[..len]);
        // Every byte but the last says another follows; the last of a
        // shorter varint says none does (a ninth byte is all value).
        assert!(buf[..len - 1].iter().all(|&b| b & 0x80 != 0));
        if len < 9 {
            assert_eq!(buf[len - 1] & 0x80, 0);
        }
    }
}

#[test]
fn varint_known_encodings() {
    assert_eq!(Varint::new(0).as_bytes(), [0]);
    assert_eq!(Varint::new(0x7f).as_bytes(), [0x7f]);
    assert_eq!(Varint::new(0x80).as_bytes(), [0x81, 0x00]);
    assert_eq!(Varint::new(0x3fff).as_bytes(), [0xff, 0x7f]);
    assert_eq!(Varint::new(0x4000).as_bytes(), [0x81, 0x80, 0x00]);
    assert_eq!(Varint::new(u64::MAX).as_bytes(), [0xff; 9]);
    assert_eq!(
        Varint::new(1 << 56).as_bytes(),
        [0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]
    );
    // Negative rowids are their two's complement: always nine bytes.
    assert_eq!(Varint::new(-1i64 as u64).as_bytes(), [0xff; 9]);
}

#[test]
fn varint_truncated_is_none() {
    for value in boundary_values() {
        let v = Varint::new(value);
        let bytes = v.as_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(read_varint(&bytes[..cut]), None, "{value:#x} cut at {cut}");
        }
    }
    assert_eq!(read_varint(&[]), None);
    assert_eq!(read_varint(&[0x80; 8]), None);
}

#[test]
fn varint_reads_non_minimal_encodings() {
    assert_eq!(read_varint(&[0x80, 0x01]), Some((1, 2)));
    assert_eq!(read_varint(&[0x80, 0x80, 0x80, 0x00, 0xff]), Some((0, 4)));
    assert_eq!(read_varint(&[0x80; 9]), Some((0x80, 9)));
}

#[test]
fn varint_random_round_trip() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let value = state >> (state % 64);
        let v = Varint::new(value);
        assert_eq!(read_varint(v.as_bytes()), Some((value, varint_len(value))));
    }
}

#[test]
fn reader_reads_big_endian_integers() {
    let bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09];
    let r = Reader::new(&bytes, None);
    assert_eq!(r.u8(8).unwrap(), 9);
    assert_eq!(r.u16(0).unwrap(), 0x0102);
    assert_eq!(r.u24(1).unwrap(), 0x02_0304);
    assert_eq!(r.u32(5).unwrap(), 0x0607_0809);
    assert_eq!(r.u48(0).unwrap(), 0x0102_0304_0506);
    assert_eq!(r.u64(1).unwrap(), 0x0203_0405_0607_0809);
    assert_eq!(r.slice(2, 3).unwrap(), [3, 4, 5]);
    assert_eq!(r.slice(9, 0).unwrap(), [0u8; 0]);
    assert_eq!(r.tail(7).unwrap(), [8, 9]);
    assert_eq!(r.array::<2>(3).unwrap(), [4, 5]);
    assert_eq!(r.sub(4, 2).unwrap().bytes(), [5, 6]);
    assert_eq!((r.len(), r.is_empty()), (9, false));
}

#[test]
fn reader_sign_extends_every_width() {
    for len in 1..=8usize {
        let bits = 8 * len as u32;
        let max = (1i128 << (bits - 1)) - 1;
        let min = -(1i128 << (bits - 1));
        for value in [0, 1, -1, max, min, max - 1, min + 1] {
            let bytes = (value as i64).to_be_bytes();
            let r = Reader::new(&bytes[8 - len..], None);
            assert_eq!(i128::from(r.int(0, len).unwrap()), value, "{len} bytes");
        }
    }
    let r = Reader::new(&[0; 16], None);
    assert!(matches!(r.int(0, 0), Err(Error::Misuse(_))));
    assert!(matches!(r.int(0, 9), Err(Error::Misuse(_))));
}

#[test]
fn reader_out_of_range_is_corrupt_on_its_page() {
    let page = PageNo::new(7).unwrap();
    let bytes = [0u8; 4];
    let r = Reader::for_page(&bytes, page);
    let is_corrupt = |e: Error| matches!(e, Error::Corrupt { page: Some(p), .. } if p == page);
    assert!(is_corrupt(r.u8(4).unwrap_err()));
    assert!(is_corrupt(r.u16(3).unwrap_err()));
    assert!(is_corrupt(r.u24(2).unwrap_err()));
    assert!(is_corrupt(r.u32(1).unwrap_err()));
    assert!(is_corrupt(r.u48(0).unwrap_err()));
    assert!(is_corrupt(r.u64(0).unwrap_err()));
    assert!(is_corrupt(r.slice(usize::MAX, 2).unwrap_err()));
    assert!(is_corrupt(r.slice(2, usize::MAX).unwrap_err()));
    assert!(is_corrupt(r.tail(5).unwrap_err()));
    assert!(is_corrupt(r.sub(3, 2).unwrap_err()));
    assert!(is_corrupt(
        Reader::for_page(&[0x80, 0x80], page).varint(0).unwrap_err()
    ));
    assert!(is_corrupt(r.varint(4).unwrap_err()));
    assert_eq!(r.varint(3).unwrap(), (0, 1));
    assert_eq!(r.page(), Some(page));
}

/// A header whose every field holds a distinct, recognisable value.
fn busy_header() -> DatabaseHeader {
    DatabaseHeader {
        page_size: PageSize::new(8192).unwrap(),
        write_version: FileFormatVersion::Wal,
        read_version: FileFormatVersion::Wal,
        reserved_bytes: 12,
        change_counter: 0x0102_0304,
        database_size: 0x0506_0708,
        first_freelist_trunk: PageNo::new(0x090a_0b0c),
        freelist_count: 0x0d0e_0f10,
        schema_cookie: 0x1112_1314,
        schema_format: 3,
        default_cache_size: -2000,
        largest_root_page: PageNo::new(0x1516_1718),
        text_encoding: Some(TextEncoding::Utf16be),
        user_version: -7,
        incremental_vacuum: true,
        application_id: 0x1f20_2122,
        version_valid_for: 0x2324_2526,
        sqlite_version: 3_045_001,
    }
}

#[test]
fn header_fields_sit_at_their_offsets() {
    let bytes = busy_header().to_bytes();
    assert_eq!(bytes[..16], MAGIC);
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(bytes[16..18], [0x20, 0x00]);
    assert_eq!(bytes[18..24], [2, 2, 12, 64, 32, 32]);
    let words = [
        (24, 0x0102_0304),
        (28, 0x0506_0708),
        (32, 0x090a_0b0c),
        (36, 0x0d0e_0f10),
        (40, 0x1112_1314),
        (44, 3),
        (48, -2000i32 as u32),
        (52, 0x1516_1718),
        (56, 3),
        (60, -7i32 as u32),
        (64, 1),
        (68, 0x1f20_2122),
        (92, 0x2324_2526),
        (96, 3_045_001),
    ];
    for (offset, value) in words {
        assert_eq!(word(offset), value, "offset {offset}");
    }
    assert!(bytes[72..92].iter().all(|&b| b == 0));
}

#[test]
fn header_round_trips() {
    let header = busy_header();
    let bytes = header.to_bytes();
    assert_eq!(DatabaseHeader::parse(&bytes).unwrap(), header);
    // A whole page 1 parses the same as its first 100 bytes.
    let mut page = [0x5a; 512];
    page[..HEADER_SIZE].copy_from_slice(&bytes);
    assert_eq!(DatabaseHeader::parse(&page).unwrap(), header);
    for shift in 9..=16 {
        let size = PageSize::new(1 << shift).unwrap();
        let fresh = DatabaseHeader::new_database(size);
        let bytes = fresh.to_bytes();
        assert_eq!(DatabaseHeader::parse(&bytes).unwrap(), fresh);
        let raw = u16::from_be_bytes([bytes[16], bytes[17]]);
        assert_eq!(raw, if shift == 16 { 1 } else { 1 << shift });
    }
}

#[test]
fn new_database_has_sqlite_defaults() {
    let h = DatabaseHeader::new_database(PageSize::DEFAULT);
    assert_eq!(h.write_version, FileFormatVersion::Legacy);
    assert_eq!(h.read_version, FileFormatVersion::Legacy);
    assert_eq!(
        (h.change_counter, h.version_valid_for, h.database_size),
        (1, 1, 1)
    );
    assert_eq!(
        (h.schema_format, h.text_encoding),
        (4, Some(TextEncoding::Utf8))
    );
    assert_eq!((h.first_freelist_trunk, h.freelist_count), (None, 0));
    assert_eq!(h.sqlite_version, SQLITE_VERSION_NUMBER);
    assert_eq!(h.usable_size(), 4096);
    assert!(h.in_header_size_is_valid());
    h.refuse_unsupported().unwrap();
}

fn parse_with(edit: impl FnOnce(&mut [u8; HEADER_SIZE])) -> Result<DatabaseHeader, Error> {
    let mut bytes = DatabaseHeader::new_database(PageSize::DEFAULT).to_bytes();
    edit(&mut bytes);
    DatabaseHeader::parse(&bytes)
}

fn is_not_a_database(r: Result<DatabaseHeader, Error>) -> bool {
    matches!(r, Err(Error::NotADatabase(_)))
}

fn is_corrupt_page_1(r: Result<DatabaseHeader, Error>) -> bool {
    matches!(
        r,
        Err(Error::Corrupt {
            page: Some(PageNo::ONE),
            ..
        })
    )
}

#[test]
fn header_rejects_bad_magic_and_short_input() {
    assert!(is_not_a_database(parse_with(|b| b[0] = b's')));
    assert!(is_not_a_database(parse_with(|b| b[15] = b'\n')));
    assert!(is_not_a_database(DatabaseHeader::parse(b"SQLite format 2")));
    assert!(is_not_a_database(DatabaseHeader::parse(b"PK\x03\x04")));
    let bytes = DatabaseHeader::new_database(PageSize::DEFAULT).to_bytes();
    for cut in [0, 10, 16, 50, 99] {
        assert!(
            is_corrupt_page_1(DatabaseHeader::parse(&bytes[..cut])),
            "{cut}"
        );
    }
}

#[test]
fn header_rejects_invalid_page_sizes() {
    for raw in [0u16, 2, 256, 511, 513, 3000, 4095, 0xffff] {
        let r = parse_with(|b| b[16..18].copy_from_slice(&raw.to_be_bytes()));
        assert!(is_not_a_database(r), "{raw}");
    }
    for shift in 9..=15 {
        let r = parse_with(|b| b[16..18].copy_from_slice(&(1u16 << shift).to_be_bytes()));
        assert_eq!(r.unwrap().page_size.get(), 1 << shift);
    }
    assert_eq!(
        parse_with(|b| b[16..18].copy_from_slice(&[0, 1]))
            .unwrap()
            .page_size
            .get(),
        65536
    );
    assert_eq!(PageSize::new(0), None);
    assert_eq!(PageSize::new(131_072), None);
    assert_eq!(PageSize::new(256), None);
}

#[test]
fn header_rejects_versions_other_than_1_and_2_but_mvcc_write_version_255_over_wal() {
    for v in [0u8, 3, 254] {
        assert!(is_not_a_database(parse_with(|b| b[18] = v)), "write {v}");
        assert!(is_not_a_database(parse_with(|b| b[19] = v)), "read {v}");
    }
    assert!(is_not_a_database(parse_with(|b| b[19] = 255)), "read 255");
    assert!(
        is_not_a_database(parse_with(|b| b[18..20].copy_from_slice(&[255, 1]))),
        "MVCC over a rollback journal"
    );
    let h = parse_with(|b| b[18..20].copy_from_slice(&[2, 2])).unwrap();
    assert_eq!(
        (h.write_version, h.read_version),
        (FileFormatVersion::Wal, FileFormatVersion::Wal)
    );
    let h = parse_with(|b| b[18..20].copy_from_slice(&[255, 2])).unwrap();
    assert_eq!(
        (h.write_version, h.read_version),
        (FileFormatVersion::Mvcc, FileFormatVersion::Wal)
    );
}

#[test]
fn header_rejects_bad_fixed_fields() {
    for (offset, value) in [(21, 63u8), (22, 0), (23, 64)] {
        assert!(
            is_corrupt_page_1(parse_with(|b| b[offset] = value)),
            "{offset}"
        );
    }
    for offset in 72..92 {
        assert!(is_corrupt_page_1(parse_with(|b| b[offset] = 1)), "{offset}");
    }
    assert!(is_corrupt_page_1(parse_with(|b| b[59] = 4)));
    assert!(is_not_a_database(parse_with(|b| b[47] = 5)));
    assert!(is_not_a_database(parse_with(|b| b[44] = 1)));
}

#[test]
fn header_checks_usable_size() {
    let at_512 = |reserved: u8| {
        parse_with(|b| {
            b[16..18].copy_from_slice(&512u16.to_be_bytes());
            b[20] = reserved;
        })
    };
    assert_eq!(at_512(32).unwrap().usable_size(), 480);
    assert!(is_not_a_database(at_512(33)));
    assert_eq!(
        parse_with(|b| b[20] = 255).unwrap().usable_size(),
        4096 - 255
    );
}

#[test]
fn header_accepts_fields_not_recorded_yet() {
    let h = parse_with(|b| {
        b[44..48].fill(0);
        b[56..60].fill(0);
    })
    .unwrap();
    assert_eq!((h.schema_format, h.text_encoding), (0, None));
    h.refuse_unsupported().unwrap();
    assert_eq!(DatabaseHeader::parse(&h.to_bytes()).unwrap(), h);
}

#[test]
fn refuse_unsupported_names_the_reason() {
    let base = DatabaseHeader::new_database(PageSize::DEFAULT);
    let refused = |h: DatabaseHeader| match h.refuse_unsupported() {
        Err(Error::NotADatabase(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    for encoding in [TextEncoding::Utf16le, TextEncoding::Utf16be] {
        let h = DatabaseHeader {
            text_encoding: Some(encoding),
            ..base
        };
        assert!(refused(h).contains("UTF-16"));
    }
    let h = DatabaseHeader {
        largest_root_page: PageNo::new(3),
        ..base
    };
    assert!(refused(h).contains("auto-vacuum"));
    let h = DatabaseHeader {
        incremental_vacuum: true,
        ..base
    };
    assert!(refused(h).contains("auto-vacuum"));
}

#[test]
fn database_size_follows_the_validity_rule() {
    let mut h = DatabaseHeader::new_database(PageSize::new(1024).unwrap());
    h.database_size = 3;
    // Valid: counter 1 equals version-valid-for 1.
    assert_eq!(h.page_count(3 * 1024).unwrap(), 3);
    assert_eq!(h.page_count(10 * 1024).unwrap(), 3);
    // Larger than the file: truncated.
    assert!(matches!(h.page_count(2 * 1024), Err(Error::Corrupt { .. })));
    // A legacy writer bumped the counter only: the file size decides, and
    // a partial last page counts.
    h.change_counter = 2;
    assert!(!h.in_header_size_is_valid());
    assert_eq!(h.page_count(5 * 1024).unwrap(), 5);
    assert_eq!(h.page_count(5 * 1024 + 1).unwrap(), 6);
    assert_eq!(h.page_count(0).unwrap(), 0);
    // Zero is never valid.
    h.change_counter = 1;
    h.database_size = 0;
    assert_eq!(h.page_count(2 * 1024).unwrap(), 2);
    // More pages than a u32 counts.
    assert!(matches!(
        h.page_count(u64::MAX),
        Err(Error::Corrupt { page: None, .. })
    ));
}

#[test]
fn record_commit_keeps_the_size_valid() {
    let mut h = DatabaseHeader::new_database(PageSize::DEFAULT);
    h.sqlite_version = 3_008_000;
    h.record_commit(9);
    assert_eq!(
        (h.change_counter, h.version_valid_for, h.database_size),
        (2, 2, 9)
    );
    assert_eq!(h.sqlite_version, SQLITE_VERSION_NUMBER);
    assert!(h.in_header_size_is_valid());
    h.change_counter = u32::MAX;
    h.record_commit(9);
    assert_eq!((h.change_counter, h.version_valid_for), (0, 0));
}
