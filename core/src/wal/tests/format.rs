//! Checksum vectors, header and frame round trips, and a log SQLite wrote.

use super::*;

fn hex(s: &str) -> StdVec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn checksum_matches_hand_computed_vectors() {
    let bytes = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
    // Big-endian words 1, 2, 3, 4.
    let big = Checksum::ZERO.update(ByteOrder::Big, &bytes);
    assert_eq!(big, Checksum::new(7, 14));
    // The same bytes as little-endian words 1<<24, 2<<24, 3<<24, 4<<24.
    let little = Checksum::ZERO.update(ByteOrder::Little, &bytes);
    assert_eq!(little, Checksum::new(7 << 24, 14 << 24));
    // Chaining two halves equals one pass.
    let chained = Checksum::ZERO
        .update(ByteOrder::Big, &bytes[..8])
        .update(ByteOrder::Big, &bytes[8..]);
    assert_eq!(chained, big);
    // Sums wrap instead of overflowing.
    let max = Checksum::new(u32::MAX, u32::MAX).update(ByteOrder::Big, &[0xff; 8]);
    // s0 = MAX + MAX + MAX = MAX - 2; s1 = MAX + MAX + (MAX - 2) = MAX - 4.
    assert_eq!(max, Checksum::new(u32::MAX - 2, u32::MAX - 4));
    assert_eq!(big.to_bytes(), [0, 0, 0, 7, 0, 0, 0, 14]);
    assert_eq!(Checksum::ZERO.update(ByteOrder::Big, &[]), Checksum::ZERO);
}

fn header(order: ByteOrder, size: u32) -> WalHeader {
    WalHeader {
        order,
        page_size: PageSize::new(size).unwrap(),
        checkpoint_seq: 7,
        salts: Salts {
            salt1: 0x0102_0304,
            salt2: 0xa0b0_c0d0,
        },
    }
}

#[test]
fn headers_round_trip_in_both_orders() {
    for order in [ByteOrder::Big, ByteOrder::Little] {
        for size in [512, 4096, 65536] {
            let h = header(order, size);
            let bytes = h.to_bytes();
            assert_eq!(WalHeader::parse(&bytes).unwrap(), Some(h));
            let magic = if order == ByteOrder::Big {
                MAGIC_BIG_ENDIAN
            } else {
                MAGIC_LITTLE_ENDIAN
            };
            assert_eq!(bytes[..4], magic.to_be_bytes());
            assert_eq!(bytes[4..8], WAL_FORMAT_VERSION.to_be_bytes());
            assert_eq!(bytes[8..12], size.to_be_bytes());
            let sum = Checksum::ZERO.update(order, &bytes[..24]);
            assert_eq!(bytes[24..], sum.to_bytes());
            assert_eq!(h.checksum(), sum);
        }
    }
}

#[test]
fn invalid_headers_mean_no_log() {
    let good = header(ByteOrder::Big, 1024).to_bytes();
    assert_eq!(WalHeader::parse(&good[..31]).unwrap(), None);
    assert_eq!(WalHeader::parse(&[0u8; 32]).unwrap(), None);
    for at in 0..32 {
        let mut bad = good;
        bad[at] ^= 0x10;
        assert_eq!(WalHeader::parse(&bad).unwrap(), None, "byte {at} flipped");
    }
    // A page size that is not one, even with a matching checksum.
    for size in [0u32, 256, 1000, 131_072] {
        let mut bytes = good;
        bytes[8..12].copy_from_slice(&size.to_be_bytes());
        let sum = Checksum::ZERO.update(ByteOrder::Big, &bytes[..24]);
        bytes[24..].copy_from_slice(&sum.to_bytes());
        assert_eq!(WalHeader::parse(&bytes).unwrap(), None, "page size {size}");
    }
}

#[test]
fn an_unknown_format_version_is_refused_not_ignored() {
    let mut bytes = header(ByteOrder::Big, 1024).to_bytes();
    bytes[4..8].copy_from_slice(&3_007_001u32.to_be_bytes());
    // With its checksum broken it is just garbage: no log.
    assert_eq!(WalHeader::parse(&bytes).unwrap(), None);
    let sum = Checksum::ZERO.update(ByteOrder::Big, &bytes[..24]);
    bytes[24..].copy_from_slice(&sum.to_bytes());
    assert!(matches!(WalHeader::parse(&bytes), Err(Error::CantOpen(_))));
}

#[test]
fn each_generation_gets_new_salts_and_sequence() {
    let first = WalHeader::following(&[0u8; 32], page_size());
    assert_eq!(first.order, ByteOrder::Big);
    assert_eq!((first.checkpoint_seq, first.salts.salt1), (1, 1));
    let second = WalHeader::following(&first.to_bytes(), page_size());
    assert_eq!(second.checkpoint_seq, 2);
    assert_eq!(second.salts.salt1, 2);
    assert_ne!(second.salts.salt2, first.salts.salt2);
    // Wrapping, and a header from SQLite (little-endian) is followed by a
    // big-endian one.
    let mut h = header(ByteOrder::Little, 512);
    h.salts.salt1 = u32::MAX;
    h.checkpoint_seq = u32::MAX;
    let next = WalHeader::following(&h.to_bytes(), page_size());
    assert_eq!((next.checkpoint_seq, next.salts.salt1), (0, 0));
    assert_eq!(next.order, ByteOrder::Big);
    // A torn header seeds other salts than the header it was replacing.
    let mut torn = second.to_bytes();
    torn[30] ^= 1;
    let after_torn = WalHeader::following(&torn, page_size());
    let after_whole = WalHeader::following(&second.to_bytes(), page_size());
    assert_eq!(after_torn.salts.salt1, after_whole.salts.salt1);
    assert_ne!(after_torn.salts.salt2, after_whole.salts.salt2);
}

#[test]
fn frames_seal_and_check() {
    for order in [ByteOrder::Big, ByteOrder::Little] {
        let h = header(order, 512);
        let data = content(3, 9);
        let sealed = FrameHeader::seal(&h, h.checksum(), page(9), 12, &data);
        assert!(sealed.is_commit());
        let bytes = sealed.to_bytes();
        assert_eq!(bytes[..4], 9u32.to_be_bytes());
        assert_eq!(bytes[4..8], 12u32.to_be_bytes());
        assert_eq!(bytes[8..12], h.salts.salt1.to_be_bytes());
        assert_eq!(bytes[12..16], h.salts.salt2.to_be_bytes());
        let expected = h.checksum().update(order, &bytes[..8]).update(order, &data);
        assert_eq!(bytes[16..], expected.to_bytes());
        assert_eq!(
            FrameHeader::check(&h, h.checksum(), &bytes, &data),
            Some(sealed)
        );

        // Anything changed breaks the frame.
        let mut other = data.clone();
        other[300] ^= 1;
        assert_eq!(FrameHeader::check(&h, h.checksum(), &bytes, &other), None);
        assert_eq!(FrameHeader::check(&h, Checksum::ZERO, &bytes, &data), None);
        for at in 0..24 {
            let mut b = bytes;
            b[at] ^= 0x40;
            assert_eq!(
                FrameHeader::check(&h, h.checksum(), &b, &data),
                None,
                "byte {at}"
            );
        }
        let mut salted = h;
        salted.salts.salt2 ^= 1;
        assert_eq!(
            FrameHeader::check(&salted, h.checksum(), &bytes, &data),
            None
        );
        // Page 0 is never valid, whatever its checksum.
        let mut zero = bytes;
        zero[..4].fill(0);
        let sum = h.checksum().update(order, &zero[..8]).update(order, &data);
        zero[16..].copy_from_slice(&sum.to_bytes());
        assert_eq!(FrameHeader::check(&h, h.checksum(), &zero, &data), None);
    }
}

#[test]
fn frame_numbers_locate_frames() {
    let f = FrameNo::new(3).unwrap();
    assert_eq!(f.offset(512), 32 + 2 * 536);
    assert_eq!(f.data_offset(512), 32 + 2 * 536 + 24);
    assert_eq!(FrameNo::ONE.offset(65536), 32);
    assert_eq!(FrameNo::new(0), None);
    assert_eq!(FrameNo::new(u32::MAX).unwrap().next(), None);
    assert_eq!(core::mem::size_of::<Option<FrameNo>>(), 4);
}

/// The header and first two frames of a log SQLite 3.40 wrote on a
/// little-endian machine (`PRAGMA page_size=512; PRAGMA journal_mode=WAL;
/// CREATE TABLE t(x)`): page bytes not listed are zero.
fn sqlite_log() -> (StdVec<u8>, [StdVec<u8>; 2], [StdVec<u8>; 2]) {
    let header = hex("377f0682002de2180000020000000000b27d5a44cffc36ae192580c57f365539");
    let frame_headers = [
        hex("0000000100000000b27d5a44cffc36aecbc3815c5f644dd9"),
        hex("0000000200000002b27d5a44cffc36aec481b240225a3e26"),
    ];
    let mut one = std::vec![0u8; 512];
    for (at, bytes) in [
        (
            0,
            "53514c69746520666f726d617420330002000202004020200000000200000002",
        ),
        (43, "0100000004"),
        (59, "01"),
        (95, "02002e63010d0000000101df0001df"),
        (
            479,
            "1f0106170f0f012f7461626c65747402435245415445205441424c452074287829",
        ),
    ] {
        let bytes = hex(bytes);
        one[at..at + bytes.len()].copy_from_slice(&bytes);
    }
    let mut two = std::vec![0u8; 512];
    two[..6].copy_from_slice(&hex("0d0000000002"));
    (header, frame_headers, [one, two])
}

#[test]
fn a_log_sqlite_wrote_checks_and_reseals_byte_for_byte() {
    let (header, frames, pages) = sqlite_log();
    let h = WalHeader::parse(&header).unwrap().unwrap();
    assert_eq!(h.order, ByteOrder::Little);
    assert_eq!(h.page_size.get(), 512);
    assert_eq!(h.to_bytes()[..], header[..]);
    let mut running = h.checksum();
    for (i, (bytes, data)) in frames.iter().zip(&pages).enumerate() {
        let bytes: &[u8; 24] = bytes.as_slice().try_into().unwrap();
        let checked = FrameHeader::check(&h, running, bytes, data).unwrap();
        assert_eq!(checked.page.get(), i as u32 + 1);
        let resealed = FrameHeader::seal(&h, running, checked.page, checked.db_size, data);
        assert_eq!(&resealed.to_bytes(), bytes);
        running = checked.checksum;
    }
}

#[test]
fn a_log_sqlite_wrote_is_recovered() {
    let (header, frames, pages) = sqlite_log();
    let mut file = header.clone();
    for (h, p) in frames.iter().zip(&pages) {
        file.extend_from_slice(h);
        file.extend_from_slice(p);
    }
    let disk = MemoryPlatform::new();
    disk.write_file(WAL, &file).unwrap();
    let mut wal = open_wal(&disk);
    assert_eq!((wal.max_frame(), wal.db_size()), (2, Some(2)));
    let mut buf = [0u8; 512];
    assert!(wal.read_version(page(1), 2, &mut buf).unwrap());
    assert_eq!(buf[..], pages[0][..]);
    // Appending continues the little-endian chain, under SQLite's salts.
    commit(&mut wal, 1, &[2], 2).unwrap();
    drop(wal);
    let wal = open_wal(&disk);
    assert_eq!(wal.max_frame(), 3);
    assert_eq!(wal.header().unwrap().order, ByteOrder::Little);
    assert_eq!(disk.file_bytes(WAL).unwrap()[..32], header[..]);
}
