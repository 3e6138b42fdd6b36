//! [`UndoSpill`]: the older part of a statement's undo log, in a
//! temporary file once the log outgrew its memory budget, so that one
//! statement inside a large transaction can still be undone alone
//! whatever it changed.
//!
//! The log spills whole: before it records a change past its budget,
//! every entry it holds (with the records, keys and key columns they
//! copy) is written to the file as one *segment* and the log is emptied.
//! Undoing takes the entries in memory first (the newest), then reads the
//! segments back newest first, one at a time, into the emptied log.
//!
//! A segment is the entries oldest first, as `UndoLog::encode` writes
//! them (a tag byte, the root page, then the rowid, or a length-prefixed
//! record, or a length-prefixed key and its key columns a byte each, all
//! big-endian), followed by its length in 8 bytes, so that the file is
//! read backwards from its end.
//!
//! Invariants: `end` is the end of the last whole segment; a spill that
//! fails leaves the log as it was and its partial segment past `end`,
//! where the next one overwrites it. Memory: one page-sized write buffer,
//! and while undoing one segment at a time (at most the budget and one
//! entry), besides the log it is decoded into.

use boundlite_platform::{ErrorKind, File, Platform};

use super::undo::{UndoLog, damaged};
use crate::alloc::{Allocator, Vec};
use crate::{Error, Result};

/// The write buffer's size: writes reach the file a page at a time.
const CHUNK: usize = 4096;

/// The spilled segments of one statement's undo log.
pub(super) struct UndoSpill<F, A: Allocator> {
    file: F,
    /// The end of the last whole segment.
    end: u64,
    /// Bytes on their way to the file, or the segment read back.
    buffer: Vec<u8, A>,
}

impl<F: File, A: Allocator + Clone> UndoSpill<F, A> {
    /// An empty spill in a temporary file of `platform`.
    pub fn open<P: Platform<File = F>>(platform: &P, alloc: &A) -> Result<Self> {
        let file = platform.open_temp().map_err(|e| match e.kind() {
            ErrorKind::Unsupported => Error::Sql(
                "the statement's undo log does not fit in sort_memory and the platform has no temporary files",
            ),
            _ => Error::from(e),
        })?;
        Ok(UndoSpill {
            file,
            end: 0,
            buffer: Vec::try_with_capacity_in(CHUNK, alloc.clone())?,
        })
    }

    /// Writes every entry of `log` as a segment, then empties `log`. On
    /// error `log` and the segments written before are as they were.
    pub fn push(&mut self, log: &mut UndoLog<A>) -> Result<()> {
        let mut at = self.end;
        self.buffer.clear();
        let (file, buffer) = (&mut self.file, &mut self.buffer);
        log.encode(|bytes| {
            if buffer.len() + bytes.len() > CHUNK && !buffer.is_empty() {
                file.write_at(at, buffer)?;
                at += buffer.len() as u64;
                buffer.clear();
            }
            if bytes.len() > CHUNK {
                // A record longer than the buffer goes straight through.
                file.write_at(at, bytes)?;
                at += bytes.len() as u64;
                return Ok(());
            }
            buffer.try_extend_from_slice(bytes)?;
            Ok(())
        })?;
        let length = at + self.buffer.len() as u64 - self.end;
        self.buffer.try_extend_from_slice(&length.to_be_bytes())?;
        self.file.write_at(at, &self.buffer)?;
        self.end = at + self.buffer.len() as u64;
        self.buffer.clear();
        log.clear();
        Ok(())
    }

    /// Replaces `log`'s content by the newest segment and forgets it;
    /// `false` when no segment is left.
    pub fn pop(&mut self, log: &mut UndoLog<A>) -> Result<bool> {
        if self.end == 0 {
            return Ok(false);
        }
        let mut trailer = [0u8; 8];
        let trailer_at = self.end.checked_sub(8).ok_or_else(damaged)?;
        read(&mut self.file, trailer_at, &mut trailer)?;
        let length = u64::from_be_bytes(trailer);
        let start = trailer_at.checked_sub(length).ok_or_else(damaged)?;
        let length = usize::try_from(length).map_err(|_| damaged())?;
        self.buffer.clear();
        self.buffer.try_resize(length, 0)?;
        read(&mut self.file, start, &mut self.buffer)?;
        log.decode(&self.buffer)?;
        self.buffer.clear();
        self.end = start;
        Ok(true)
    }
}

fn read<F: File>(file: &mut F, at: u64, buf: &mut [u8]) -> Result<()> {
    match file.read_exact_at(at, buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(damaged()),
        Err(e) => Err(e.into()),
    }
}
