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
use crate::alloc::{Allocator, Global};
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

    fn add<A: Allocator>(&self, frame: &mut FrameBuilder<A>) -> crate::Result<()> {
        let page = |r: u32| PageNo::new(r).unwrap();
        match self {
            Op::Insert(root, rowid, record) => {
                frame.insert(page(*root), RowId::new(*rowid), record)
            }
            Op::Update(root, rowid, record) => {
                frame.update(page(*root), RowId::new(*rowid), record)
            }
            Op::Delete(root, rowid) => frame.delete(page(*root), RowId::new(*rowid)),
        }
    }
}

/// The operations of transaction `tag` of the workloads: a few rows of
/// records whose lengths make frames straddle 512-byte sectors.
fn txn(tag: u64) -> StdVec<Op> {
    let n = 1 + (tag % 4) as i64;
    (0..n)
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
        .collect()
}

fn frame_of(ops: &[Op]) -> FrameBuilder<Global> {
    let mut frame = FrameBuilder::new_in(Global);
    for op in ops {
        op.add(&mut frame).unwrap();
    }
    frame
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
