//! The log's bytes, and what reading makes of torn and damaged files.

use boundlite_platform::{FaultPlatform, FaultTarget, IoFault, Platform};

use super::*;
use crate::Error;
use crate::wal::{ByteOrder, Checksum};

const SALT: LogSalt = LogSalt::new(0x1122_3344_5566_7788);

/// A log of transactions `1..=n` at timestamps `10 * tag`; the file's
/// bytes and the offset where each frame ends.
fn written(n: u64) -> (StdVec<u8>, StdVec<usize>) {
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), SALT, ts(5)).unwrap();
    let mut ends = StdVec::new();
    for tag in 1..=n {
        append(&mut log, &txn(tag), ts(10 * tag)).unwrap();
        ends.push(log.len() as usize);
    }
    (bytes_of(&disk), ends)
}

fn bytes_of(disk: &MemoryPlatform) -> StdVec<u8> {
    let mut file = open_log(disk);
    let mut bytes = std::vec![0u8; file.size().unwrap() as usize];
    file.read_exact_at(0, &mut bytes).unwrap();
    bytes
}

fn disk_with(bytes: &[u8]) -> MemoryPlatform {
    let disk = MemoryPlatform::new();
    open_log(&disk).write_at(0, bytes).unwrap();
    disk
}

fn expected(tags: impl IntoIterator<Item = u64>) -> Frames {
    tags.into_iter().map(|t| (10 * t, txn(t))).collect()
}

fn is_corrupt<T: core::fmt::Debug>(result: crate::Result<T>) -> bool {
    matches!(result, Err(Error::Corrupt { .. }))
}

#[test]
fn frames_read_back_as_written() {
    let (bytes, ends) = written(12);
    let (header, frames) = read_all(open_log(&disk_with(&bytes))).unwrap();
    assert_eq!(
        header,
        Some(LogHeader {
            salt: SALT,
            base: ts(5)
        })
    );
    assert_eq!(frames, expected(1..=12));
    assert_eq!(*ends.last().unwrap(), bytes.len());
    assert!(ends.iter().all(|e| e % 8 == 0));
}

#[test]
fn header_bytes_are_as_documented() {
    let header = LogHeader {
        salt: SALT,
        base: ts(0x0102_0304_0506_0708),
    };
    let bytes = header.encode();
    assert_eq!(&bytes[..4], b"BLlg");
    assert_eq!(&bytes[4..8], &[0, 0, 0, 1]);
    assert_eq!(&bytes[8..16], &SALT.get().to_be_bytes());
    assert_eq!(&bytes[16..24], &[1, 2, 3, 4, 5, 6, 7, 8]);
    let sum = Checksum::ZERO.update(ByteOrder::Big, &bytes[..24]);
    assert_eq!(&bytes[24..], &sum.to_bytes());
    assert_eq!(LogHeader::parse(&bytes).unwrap(), header);
}

#[test]
fn frame_bytes_are_as_documented() {
    let (bytes, ends) = written(1);
    let frame = &bytes[LOG_HEADER_SIZE..ends[0]];
    let ops = txn(1);
    // txn(1): two operations.
    assert_eq!(u32::from_be_bytes(frame[4..8].try_into().unwrap()), 2);
    assert_eq!(&frame[8..16], &10u64.to_be_bytes());
    assert_eq!(&frame[16..24], &SALT.get().to_be_bytes());
    let body_len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    let body = &frame[FRAME_HEADER_SIZE..];
    assert_eq!(body.len(), body_len.div_ceil(8) * 8);
    let Op::Update(root, rowid, record) = &ops[0] else {
        panic!("txn(1) starts with an update: {ops:?}");
    };
    assert_eq!(body[0], 2);
    assert_eq!(&body[1..5], &root.to_be_bytes());
    assert_eq!(&body[5..13], &rowid.to_be_bytes());
    assert_eq!(&body[13..17], &(record.len() as u32).to_be_bytes());
    assert_eq!(&body[17..17 + record.len()], &record[..]);
    let Op::Delete(root, rowid) = &ops[1] else {
        panic!("txn(1) ends with a delete: {ops:?}");
    };
    let at = 17 + record.len();
    assert_eq!(body[at], 3);
    assert_eq!(&body[at + 1..at + 5], &root.to_be_bytes());
    assert_eq!(&body[at + 5..at + 13], &rowid.to_be_bytes());
    assert_eq!(body_len, at + 13);
    assert!(body[body_len..].iter().all(|&b| b == 0));
    let header = LogHeader::parse(&bytes).unwrap();
    let sum = Checksum::ZERO
        .update(ByteOrder::Big, &bytes[..24])
        .update(ByteOrder::Big, &frame[..24])
        .update(ByteOrder::Big, body);
    assert_eq!(
        header.checksum(),
        Checksum::ZERO.update(ByteOrder::Big, &bytes[..24])
    );
    assert_eq!(&frame[24..32], &sum.to_bytes());
}

#[test]
fn an_empty_file_is_an_empty_log_that_gets_a_header() {
    let disk = MemoryPlatform::new();
    let (header, frames) = read_all(open_log(&disk)).unwrap();
    assert_eq!((header, frames.len()), (None, 0));
    let reader = LogReader::open(open_log(&disk), Global).unwrap();
    let mut log = reader.into_writer(SALT, ts(3)).unwrap();
    assert!(log.is_empty());
    append(&mut log, &txn(1), ts(10)).unwrap();
    drop(log);
    let (header, frames) = read_all(open_log(&disk)).unwrap();
    assert_eq!(
        header,
        Some(LogHeader {
            salt: SALT,
            base: ts(3)
        })
    );
    assert_eq!(frames, expected([1]));
}

#[test]
fn a_damaged_or_short_header_fails_closed() {
    let (bytes, _) = written(2);
    for at in 0..LOG_HEADER_SIZE {
        for bit in [0x01u8, 0x80] {
            let mut damaged = bytes.clone();
            damaged[at] ^= bit;
            let disk = disk_with(&damaged);
            let opened = LogReader::open(open_log(&disk), Global);
            assert!(is_corrupt(opened.map(|_| ())), "byte {at} bit {bit:#x}");
        }
    }
    for len in 1..LOG_HEADER_SIZE {
        let disk = disk_with(&bytes[..len]);
        let opened = LogReader::open(open_log(&disk), Global);
        assert!(is_corrupt(opened.map(|_| ())), "{len} bytes");
    }
    let disk = disk_with(&bytes[..7]);
    let error = LogReader::open(open_log(&disk), Global)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        std::format!("{error}"),
        "database disk image is malformed: the MVCC log header is damaged"
    );
}

#[test]
fn a_log_cut_anywhere_keeps_exactly_the_whole_frames() {
    let (bytes, ends) = written(6);
    for len in LOG_HEADER_SIZE..=bytes.len() {
        let disk = disk_with(&bytes[..len]);
        let whole = ends.iter().filter(|&&e| e <= len).count() as u64;
        let (_, frames) = read_all(open_log(&disk)).unwrap();
        assert_eq!(frames, expected(1..=whole), "cut at {len}");
        // The torn tail is cut off and the log goes on after it.
        let mut reader = LogReader::open(open_log(&disk), Global).unwrap();
        while reader.next_frame().unwrap().is_some() {}
        let mut log = reader.into_writer(SALT, ts(0)).unwrap();
        append(&mut log, &txn(99), ts(1000)).unwrap();
        drop(log);
        let (_, frames) = read_all(open_log(&disk)).unwrap();
        let mut want = expected(1..=whole);
        want.push((1000, txn(99)));
        assert_eq!(frames, want, "cut at {len}, then appended");
    }
}

#[test]
fn a_damaged_frame_ends_the_log_before_it() {
    let (bytes, ends) = written(5);
    let (start, end) = (ends[1], ends[2]);
    for at in start..end {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let (_, frames) = read_all(open_log(&disk_with(&damaged))).unwrap();
        assert_eq!(frames, expected(1..=2), "byte {at}");
    }
}

/// A frame with a checksum that holds over `body` and `head`, after the
/// header of `bytes` (a log of no frames).
fn forged(head: [u8; 24], body: &[u8]) -> StdVec<u8> {
    let header = LogHeader {
        salt: SALT,
        base: ts(5),
    };
    let mut out = header.encode().to_vec();
    let sum = header
        .checksum()
        .update(ByteOrder::Big, &head)
        .update(ByteOrder::Big, body);
    out.extend_from_slice(&head);
    out.extend_from_slice(&sum.to_bytes());
    out.extend_from_slice(body);
    out
}

fn frame_head(body_len: u32, ops: u32, commit: u64) -> [u8; 24] {
    let mut head = [0u8; 24];
    head[..4].copy_from_slice(&body_len.to_be_bytes());
    head[4..8].copy_from_slice(&ops.to_be_bytes());
    head[8..16].copy_from_slice(&commit.to_be_bytes());
    head[16..24].copy_from_slice(&SALT.get().to_be_bytes());
    head
}

#[test]
fn a_frame_whose_checksum_holds_over_bad_content_is_corrupt() {
    // A delete of root 2, rowid 1, padded to 16 bytes.
    let mut delete = std::vec![3u8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1];
    delete.resize(16, 0);
    let good = forged(frame_head(13, 1, 6), &delete);
    let (_, frames) = read_all(open_log(&disk_with(&good))).unwrap();
    assert_eq!(frames, std::vec![(6, std::vec![Op::Delete(2, 1)])]);
    let mut bad_kind = delete.clone();
    bad_kind[0] = 9;
    let mut root_zero = delete.clone();
    root_zero[4] = 0;
    let mut dirty_padding = delete.clone();
    dirty_padding[15] = 1;
    let cases = [
        ("unknown kind", forged(frame_head(13, 1, 6), &bad_kind)),
        ("root page 0", forged(frame_head(13, 1, 6), &root_zero)),
        (
            "padding not zero",
            forged(frame_head(13, 1, 6), &dirty_padding),
        ),
        (
            "more operations than the body",
            forged(frame_head(13, 2, 6), &delete),
        ),
        (
            "fewer operations than the body",
            forged(frame_head(13, 0, 6), &delete),
        ),
        (
            "body shorter than its operation",
            forged(frame_head(9, 1, 6), &delete),
        ),
        (
            "timestamp at the base",
            forged(frame_head(13, 1, 5), &delete),
        ),
    ];
    for (what, bytes) in cases {
        let read = read_all(open_log(&disk_with(&bytes)));
        assert!(is_corrupt(read), "{what}");
    }
}

#[test]
fn a_frame_never_acknowledged_stays_dead_behind_a_rewritten_one() {
    let (mut bytes, ends) = written(3);
    // Frame 2 torn at its last byte; frame 3 landed whole after it.
    bytes[ends[1] - 1] ^= 0xff;
    let disk = disk_with(&bytes);
    let mut reader = LogReader::open(open_log(&disk), Global).unwrap();
    while reader.next_frame().unwrap().is_some() {}
    let mut log = reader.into_writer(SALT, ts(0)).unwrap();
    // The same transaction at the same timestamp: the same bytes as the
    // torn frame's, which frame 3 chains from.
    append(&mut log, &txn(2), ts(20)).unwrap();
    drop(log);
    let (_, frames) = read_all(open_log(&disk)).unwrap();
    assert_eq!(frames, expected(1..=2));
}

#[test]
fn appends_need_rising_timestamps_and_a_reset_starts_a_generation() {
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), SALT, ts(5)).unwrap();
    assert!(matches!(
        append(&mut log, &txn(1), ts(5)),
        Err(Error::Misuse(_))
    ));
    append(&mut log, &txn(1), ts(10)).unwrap();
    append(&mut log, &txn(2), ts(20)).unwrap();
    assert_eq!(log.last_commit(), ts(20));
    assert!(matches!(
        log.reset(SALT.after(1), ts(19)),
        Err(Error::Misuse(_))
    ));
    let salt = SALT.after(42);
    assert_ne!(salt, SALT);
    log.reset(salt, ts(20)).unwrap();
    assert!(log.is_empty());
    append(&mut log, &txn(3), ts(30)).unwrap();
    drop(log);
    let (header, frames) = read_all(open_log(&disk)).unwrap();
    assert_eq!(header, Some(LogHeader { salt, base: ts(20) }));
    assert_eq!(frames, expected([3]));
}

#[test]
fn an_empty_frame_is_a_commit_of_nothing() {
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), SALT, ts(0)).unwrap();
    append(&mut log, &[], ts(1)).unwrap();
    drop(log);
    let (_, frames) = read_all(open_log(&disk)).unwrap();
    assert_eq!(frames, std::vec![(1, StdVec::new())]);
}

#[test]
fn a_failed_append_leaves_the_log_as_it_was() {
    for target in [FaultTarget::Write, FaultTarget::Sync] {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        let file = (&fault).open(LOG, OpenMode::Create).unwrap();
        let mut log = LogWriter::create(file, SALT, ts(0)).unwrap();
        append(&mut log, &txn(1), ts(10)).unwrap();
        let len = log.len();
        fault.arm(IoFault::Once { target, n: 1 });
        let failed = append(&mut log, &txn(2), ts(20));
        assert!(matches!(failed, Err(Error::Io(_))), "{target:?}");
        assert_eq!((log.len(), log.last_commit()), (len, ts(10)));
        append(&mut log, &txn(3), ts(20)).unwrap();
        drop(log);
        drop(fault);
        let (_, frames) = read_all(open_log(&disk)).unwrap();
        assert_eq!(frames, std::vec![(10, txn(1)), (20, txn(3))], "{target:?}");
    }
}

#[test]
fn an_append_after_a_failed_reset_starts_the_generation_first() {
    // The reset writes twice (its truncation is no write) and syncs twice.
    for (target, n) in [
        (FaultTarget::Sync, 1),
        (FaultTarget::Write, 1),
        (FaultTarget::Sync, 2),
    ] {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        let file = (&fault).open(LOG, OpenMode::Create).unwrap();
        let mut log = LogWriter::create(file, SALT, ts(0)).unwrap();
        append(&mut log, &txn(1), ts(10)).unwrap();
        let salt = SALT.after(7);
        fault.arm(IoFault::Once { target, n });
        let failed = log.reset(salt, ts(10));
        assert!(matches!(failed, Err(Error::Io(_))), "{target:?} {n}");
        // A second failure reaches the append's caller as an I/O error.
        fault.arm(IoFault::Once { target, n: 1 });
        let failed = append(&mut log, &txn(2), ts(20));
        assert!(matches!(failed, Err(Error::Io(_))), "{target:?} {n}");
        append(&mut log, &txn(3), ts(20)).unwrap();
        drop(log);
        drop(fault);
        let (header, frames) = read_all(open_log(&disk)).unwrap();
        assert_eq!(
            header,
            Some(LogHeader { salt, base: ts(10) }),
            "{target:?} {n}"
        );
        assert_eq!(frames, std::vec![(20, txn(3))], "{target:?} {n}");
    }
}

#[test]
fn an_emptied_log_reads_as_empty_and_gets_its_header_before_anything_chains() {
    // Settled by the next append, by `settle_pending`, and by either after
    // the header's write failed.
    for (settle_first, fail_header) in [(false, false), (true, false), (false, true), (true, true)]
    {
        let case = (settle_first, fail_header);
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        let file = (&fault).open(LOG, OpenMode::Create).unwrap();
        let mut log = LogWriter::create(file, SALT, ts(0)).unwrap();
        append(&mut log, &txn(1), ts(10)).unwrap();
        let salt = SALT.after(7);
        log.empty(salt, ts(10)).unwrap();
        assert_eq!(disk.file_bytes(LOG).unwrap().len(), 0, "{case:?}");
        if fail_header {
            fault.arm(IoFault::Once {
                target: FaultTarget::Write,
                n: 1,
            });
            assert!(
                matches!(log.settle_pending(), Err(Error::Io(_))),
                "{case:?}"
            );
        }
        if settle_first {
            log.settle_pending().unwrap();
        }
        append(&mut log, &txn(2), ts(20)).unwrap();
        log.settle_pending().unwrap();
        drop(log);
        drop(fault);
        let (header, frames) = read_all(open_log(&disk)).unwrap();
        assert_eq!(header, Some(LogHeader { salt, base: ts(10) }), "{case:?}");
        assert_eq!(frames, std::vec![(20, txn(2))], "{case:?}");
    }
}

#[test]
fn damaged_logs_read_as_a_prefix_or_fail_as_corrupt() {
    let (bytes, ends) = written(8);
    let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
    let (mut prefixes, mut corrupt) = (0, 0);
    for round in 0..3000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(damaged.len() as u64) as usize;
            damaged[at] = rng.below(256) as u8;
        }
        if round % 3 == 0 {
            damaged.truncate(rng.below(bytes.len() as u64 + 1) as usize);
        }
        let disk = disk_with(&damaged);
        match read_all(open_log(&disk)) {
            Ok((_, frames)) => {
                // Whatever is read is a prefix of what was written.
                assert_eq!(frames, expected(1..=frames.len() as u64), "round {round}");
                assert!(frames.len() <= ends.len());
                prefixes += 1;
            }
            Err(Error::Corrupt { .. }) => corrupt += 1,
            Err(e) => panic!("round {round}: {e:?}"),
        }
    }
    assert!(
        prefixes > 1000 && corrupt > 30,
        "{prefixes} prefixes, {corrupt} corrupt"
    );
}
