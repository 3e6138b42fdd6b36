//! Recovery: what a reopened log keeps, for every kind of damage at every
//! frame.

use super::*;

/// Transactions (tag, pages, database size) of the standard log: 9 frames,
/// commits at frames 2, 3, 6 and 9.
const TXNS: [(u32, &[u32], u32); 4] = [
    (1, &[1, 2], 2),
    (2, &[2], 2),
    (3, &[1, 3, 2], 3),
    (4, &[3, 2, 1], 3),
];
const COMMITS: [u32; 4] = [2, 3, 6, 9];

/// Writes the standard log and returns its bytes.
fn standard_log(disk: &MemoryPlatform) -> StdVec<u8> {
    let mut wal = open_wal(disk);
    for (tag, pages, size) in TXNS {
        commit(&mut wal, tag, pages, size).unwrap();
    }
    assert_eq!(wal.max_frame(), 9);
    disk.file_bytes(WAL).unwrap().to_vec()
}

/// The last commit frame before `frame`.
fn last_commit_before(frame: u32) -> u32 {
    COMMITS
        .iter()
        .copied()
        .filter(|&c| c < frame)
        .max()
        .unwrap_or(0)
}

fn frame_at(n: u32) -> usize {
    FrameNo::new(n).unwrap().offset(PS) as usize
}

/// Opens `bytes` as a log and checks it holds exactly the first `frames`.
fn expect_recovered(bytes: &[u8], frames: u32, what: &str) {
    let disk = MemoryPlatform::new();
    disk.write_file(WAL, bytes).unwrap();
    let mut wal = open_wal(&disk);
    assert_eq!(wal.max_frame(), frames, "{what}");
    assert_eq!(wal.last_frame(), frames, "{what}");
    assert_eq!(wal.index().len(), frames, "{what}");
    let expected_size = TXNS
        .iter()
        .zip(COMMITS)
        .filter(|(_, c)| *c <= frames)
        .map(|((_, _, size), _)| *size)
        .next_back();
    assert_eq!(wal.db_size(), expected_size, "{what}");
    // Every page reads as the last transaction kept wrote it.
    let mut db = open_file(&disk, DB);
    for p in 1..=3 {
        let writer = TXNS
            .iter()
            .zip(COMMITS)
            .filter(|((_, pages, _), c)| *c <= frames && pages.contains(&p))
            .map(|((tag, _, _), _)| *tag)
            .next_back();
        let bytes = read_as_of(&mut wal, &mut db, p, frames);
        match writer {
            Some(tag) => assert_eq!(tag_of(&bytes), (tag, p), "{what}: page {p}"),
            None => assert!(bytes.iter().all(|&b| b == 0), "{what}: page {p}"),
        }
    }
}

#[test]
fn every_committed_frame_is_recovered() {
    let disk = MemoryPlatform::new();
    let bytes = standard_log(&disk);
    expect_recovered(&bytes, 9, "intact");
    let wal = open_wal(&disk);
    assert_eq!(wal.backfilled(), 0);
    assert_eq!(wal.header().unwrap().order, ByteOrder::Big);
}

#[test]
fn recovery_stops_at_the_first_damaged_frame() {
    let disk = MemoryPlatform::new();
    let bytes = standard_log(&disk);
    for n in 1..=9u32 {
        let at = frame_at(n);
        let expected = last_commit_before(n);
        let damaged = |what: &str, change: &dyn Fn(&mut StdVec<u8>)| {
            let mut b = bytes.clone();
            change(&mut b);
            expect_recovered(&b, expected, &std::format!("frame {n}: {what}"));
        };
        damaged("page byte flipped", &|b| b[at + 24 + 200] ^= 1);
        damaged("checksum flipped", &|b| b[at + 21] ^= 1);
        damaged("salt-1 changed", &|b| b[at + 11] ^= 1);
        damaged("salt-2 changed", &|b| b[at + 12] ^= 0x80);
        damaged("page number zeroed", &|b| b[at..at + 4].fill(0));
        damaged("commit size changed", &|b| b[at + 7] ^= 4);
        damaged("torn: tail of the page zeroed", &|b| {
            b[at + 24 + 300..at + 536].fill(0)
        });
        damaged("torn: header lost", &|b| b[at..at + 24].fill(0));
        damaged("cut mid-frame", &|b| b.truncate(at + 100));
        damaged("cut after the frame header", &|b| b.truncate(at + 24));
        damaged("cut before the frame", &|b| b.truncate(at));
    }
}

#[test]
fn a_partial_frame_after_the_last_is_ignored() {
    let disk = MemoryPlatform::new();
    let mut bytes = standard_log(&disk);
    bytes.extend_from_slice(&[0xab; 300]);
    expect_recovered(&bytes, 9, "trailing bytes");
}

#[test]
fn frames_after_the_last_commit_are_ignored() {
    let disk = MemoryPlatform::new();
    standard_log(&disk);
    let mut wal = open_wal(&disk);
    let spill = content(5, 1);
    wal.append_uncommitted([(page(1), spill.as_slice()), (page(2), spill.as_slice())])
        .unwrap();
    assert_eq!((wal.max_frame(), wal.last_frame()), (9, 11));
    drop(wal);
    let bytes = disk.file_bytes(WAL).unwrap().to_vec();
    assert_eq!(bytes.len(), frame_at(12));
    expect_recovered(&bytes, 9, "uncommitted tail");
    // The next append overwrites the dead tail from frame 10.
    let mut wal = open_wal(&disk);
    commit(&mut wal, 6, &[3], 3).unwrap();
    drop(wal);
    let wal = open_wal(&disk);
    assert_eq!(wal.max_frame(), 10);
    assert_eq!(wal.find(page(3), 10).unwrap(), FrameNo::new(10));
}

#[test]
fn a_log_without_a_valid_header_is_empty() {
    let disk = MemoryPlatform::new();
    let bytes = standard_log(&disk);
    let cases: [(&str, StdVec<u8>); 5] = [
        ("empty file", StdVec::new()),
        ("shorter than a header", bytes[..20].to_vec()),
        ("header checksum flipped", {
            let mut b = bytes.clone();
            b[27] ^= 1;
            b
        }),
        ("bad magic", {
            let mut b = bytes.clone();
            b[3] = 0x84;
            b
        }),
        ("header zeroed", {
            let mut b = bytes.clone();
            b[..32].fill(0);
            b
        }),
    ];
    for (what, b) in cases {
        expect_recovered(&b, 0, what);
    }
}

#[test]
fn a_log_of_another_page_size_is_empty_and_gets_overwritten() {
    let disk = MemoryPlatform::new();
    let old = standard_log(&disk);
    let file = open_file(&disk, WAL);
    let mut wal = Wal::open(file, PageSize::new(1024).unwrap(), Global).unwrap();
    assert_eq!((wal.max_frame(), wal.db_size()), (0, None));
    let data = std::vec![7u8; 1024];
    wal.append([(page(1), data.as_slice())], 1).unwrap();
    drop(wal);
    let header = WalHeader::parse(&disk.file_bytes(WAL).unwrap())
        .unwrap()
        .unwrap();
    let previous = WalHeader::parse(&old).unwrap().unwrap();
    assert_eq!(header.page_size.get(), 1024);
    assert_eq!(header.salts.salt1, previous.salts.salt1.wrapping_add(1));
    let file = open_file(&disk, WAL);
    assert_eq!(
        Wal::open(file, PageSize::new(1024).unwrap(), Global)
            .unwrap()
            .max_frame(),
        1
    );
}

#[test]
fn a_log_of_an_unknown_version_is_refused() {
    let disk = MemoryPlatform::new();
    let mut bytes = standard_log(&disk);
    bytes[4..8].copy_from_slice(&3_008_000u32.to_be_bytes());
    let sum = Checksum::ZERO.update(ByteOrder::Big, &bytes[..24]);
    bytes[24..32].copy_from_slice(&sum.to_bytes());
    disk.write_file(WAL, &bytes).unwrap();
    let file = open_file(&disk, WAL);
    assert!(matches!(
        Wal::open(file, page_size(), Global),
        Err(Error::CantOpen(_))
    ));
    let mut file = open_file(&disk, WAL);
    assert!(WalHeader::read_from(&mut file).is_err());
}

#[test]
fn the_header_can_be_read_alone() {
    let disk = MemoryPlatform::new();
    standard_log(&disk);
    let mut file = open_file(&disk, WAL);
    let header = WalHeader::read_from(&mut file).unwrap().unwrap();
    assert_eq!(header.page_size, page_size());
    let mut empty = open_file(&disk, "none-wal");
    assert_eq!(WalHeader::read_from(&mut empty).unwrap(), None);
}
