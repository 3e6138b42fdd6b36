//! Tests of the logical log: its bytes, recovery from torn and damaged
//! files, power cuts at every write and sync, and OOM sweeps. Shared
//! helpers here.
// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod crash;
mod format;
mod oom;

use std::vec::Vec as StdVec;

use boundlite_platform::{File, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::mvcc::Timestamp;
use crate::{PageNo, RowId};

/// Frames as the tests keep them: commit timestamp and operations.
type Frames = StdVec<(u64, StdVec<Op>)>;

const LOG: &str = "test.db-log";

/// An operation as the tests keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Insert(u32, i64, StdVec<u8>),
    Update(u32, i64, StdVec<u8>),
    Delete(u32, i64),
}

impl Op {
    fn of(op: LogOp<'_>) -> Op {
        match op {
            LogOp::Insert {
                root,
                rowid,
                record,
            } => Op::Insert(root.get(), rowid.get(), record.to_vec()),
            LogOp::Update {
                root,
                rowid,
                record,
            } => Op::Update(root.get(), rowid.get(), record.to_vec()),
            LogOp::Delete { root, rowid } => Op::Delete(root.get(), rowid.get()),
        }
    }

    fn log_op(&self) -> LogOp<'_> {
        let page = |r: u32| PageNo::new(r).unwrap();
        match self {
            Op::Insert(root, rowid, record) => LogOp::Insert {
                root: page(*root),
                rowid: RowId::new(*rowid),
                record,
            },
            Op::Update(root, rowid, record) => LogOp::Update {
                root: page(*root),
                rowid: RowId::new(*rowid),
                record,
            },
            Op::Delete(root, rowid) => LogOp::Delete {
                root: page(*root),
                rowid: RowId::new(*rowid),
            },
        }
    }
}

/// The operations of transaction `tag` of the workloads: a few rows of
/// records whose lengths make frames straddle 512-byte sectors, and in
/// transactions 9, 19, ... one row whose record spans pieces (see
/// [`FRAME_PIECE_SIZE`]), so their frames are written in several.
fn txn(tag: u64) -> StdVec<Op> {
    let n = 1 + (tag % 4) as i64;
    let mut ops: StdVec<Op> = (0..n)
        .map(|i| {
            let rowid = (tag as i64 * 7 + i * 3) % 11 - 2;
            let root = 2 + (i as u32 % 2);
            let len = ((tag as usize * 97 + i as usize * 53) % 600) + 1;
            let record: StdVec<u8> = (0..len).map(|b| (b as u64 ^ tag) as u8).collect();
            match (tag + i as u64) % 3 {
                0 => Op::Insert(root, rowid, record),
                1 => Op::Update(root, rowid, record),
                _ => Op::Delete(root, rowid),
            }
        })
        .collect();
    if tag % 10 == 9 {
        let len = 2 * FRAME_PIECE_SIZE + 13 * tag as usize;
        let record = (0..len).map(|b| ((b as u64 * 31) ^ tag) as u8).collect();
        ops.push(Op::Insert(4, 1_000 + tag as i64, record));
    }
    ops
}

/// Appends the frame of `ops` committed at `commit` through a buffer of
/// its own.
fn append<F: File>(log: &mut LogWriter<F>, ops: &[Op], commit: Timestamp) -> crate::Result<()> {
    log.append(
        ops.iter().map(Op::log_op),
        commit,
        &mut FrameBuffer::new_in(Global),
    )
}

fn open_log(disk: &MemoryPlatform) -> boundlite_platform::MemoryFile<'_> {
    disk.open(LOG, OpenMode::Create).unwrap()
}

/// Every frame of the log on `disk`: its commit timestamp and operations.
fn read_all<F: File>(file: F) -> crate::Result<(Option<LogHeader>, Frames)> {
    let mut reader = LogReader::open(file, Global)?;
    let mut frames = StdVec::new();
    while let Some(frame) = reader.next_frame()? {
        let ops = frame.ops().map(|op| Op::of(op.unwrap())).collect();
        frames.push((frame.commit.get(), ops));
    }
    Ok((reader.header(), frames))
}

fn ts(n: u64) -> Timestamp {
    Timestamp::new(n)
}
