//! [`LogReader`]: reads a log back at open (recovery): the header, then
//! each whole committed frame in order, up to a torn tail.

use boundlite_platform::File;

use super::frame::{FRAME_HEADER_SIZE, FrameOps};
use super::header::{LOG_HEADER_SIZE, LogHeader, LogSalt, u32_at, u64_at};
use super::writer::LogWriter;
use super::{checksum, padded};
use crate::alloc::{Allocator, Vec};
use crate::mvcc::Timestamp;
use crate::wal::Checksum;
use crate::{Error, Result};

/// One committed transaction read from the log.
#[derive(Debug, Clone, Copy)]
pub struct LogFrame<'a> {
    /// Its commit timestamp.
    pub commit: Timestamp,
    body: &'a [u8],
    ops: u32,
}

impl<'a> LogFrame<'a> {
    /// Its operations, in the order they were logged. They were parsed
    /// whole when the frame was read, so none is `Err`.
    pub fn ops(&self) -> FrameOps<'a> {
        FrameOps::new(self.body, self.ops)
    }

    /// The number of operations.
    pub fn op_count(&self) -> u32 {
        self.ops
    }
}

/// A frame whose checksum holds, as [`LogReader::read_frame`] found it.
struct Found {
    commit: Timestamp,
    ops: u32,
    /// Bytes of its body before the padding.
    body_len: usize,
    /// Its checksum, which the next frame chains from.
    chain: Checksum,
    /// Bytes it takes in the file.
    len: u64,
}

/// A log being read from its start. [`next_frame`](Self::next_frame)
/// returns the committed frames in order; then
/// [`into_writer`](Self::into_writer) appends after the last one.
pub struct LogReader<F: File, A: Allocator> {
    file: F,
    /// `None` for an empty file.
    header: Option<LogHeader>,
    size: u64,
    /// Where the next frame would start.
    offset: u64,
    chain: Checksum,
    last: Timestamp,
    /// The last frame read: its header and padded body.
    buffer: Vec<u8, A>,
    /// Whether a frame that does not pass ended the log.
    ended: bool,
}

impl<F: File, A: Allocator> LogReader<F, A> {
    /// Opens the log in `file`: reads and checks its header (`Corrupt` when
    /// it is damaged; an empty file is an empty log). Frames are read into
    /// a buffer from `alloc`.
    pub fn open(mut file: F, alloc: A) -> Result<Self> {
        let size = file.size()?;
        let header = if size == 0 {
            None
        } else {
            let mut bytes = [0u8; LOG_HEADER_SIZE];
            if size < LOG_HEADER_SIZE as u64 {
                return Err(Error::corrupt_file("the MVCC log header is damaged"));
            }
            file.read_exact_at(0, &mut bytes)?;
            Some(LogHeader::parse(&bytes)?)
        };
        let (chain, last) = match header {
            Some(h) => (h.checksum(), h.base),
            None => (Checksum::ZERO, Timestamp::ZERO),
        };
        Ok(LogReader {
            file,
            header,
            size,
            offset: LOG_HEADER_SIZE as u64,
            chain,
            last,
            buffer: Vec::new_in(alloc),
            ended: header.is_none(),
        })
    }

    /// The log's header; `None` for an empty file.
    pub fn header(&self) -> Option<LogHeader> {
        self.header
    }

    /// The next committed frame, or `None` at the end of the log (its
    /// last frame, or a torn one). `Corrupt` for a frame whose checksum
    /// holds but whose content breaks the format.
    pub fn next_frame(&mut self) -> Result<Option<LogFrame<'_>>> {
        let Some(header) = self.header else {
            return Ok(None);
        };
        if self.ended {
            return Ok(None);
        }
        let Some(found) = self.read_frame(header.salt)? else {
            self.ended = true;
            return Ok(None);
        };
        let Found {
            commit,
            ops,
            body_len,
            chain,
            len,
        } = found;
        const BAD: Error = Error::corrupt_file("an MVCC log frame breaks the format");
        if commit <= self.last || commit > Timestamp::MAX {
            return Err(BAD);
        }
        let body = self
            .buffer
            .get(FRAME_HEADER_SIZE..FRAME_HEADER_SIZE + body_len)
            .ok_or(BAD)?;
        let mut parsed = FrameOps::new(body, ops);
        for op in parsed.by_ref() {
            op?;
        }
        let padding = self.buffer.get(FRAME_HEADER_SIZE + body_len..).ok_or(BAD)?;
        if !parsed.rest_is_padding() || padding.iter().any(|&b| b != 0) {
            return Err(BAD);
        }
        self.offset += len;
        self.chain = chain;
        self.last = commit;
        Ok(Some(LogFrame { commit, body, ops }))
    }

    /// Reads the frame at `offset` into the buffer; `None` when no whole frame of this generation with a matching
    /// checksum starts there.
    fn read_frame(&mut self, salt: LogSalt) -> Result<Option<Found>> {
        let room = self.size.saturating_sub(self.offset);
        if room < FRAME_HEADER_SIZE as u64 {
            return Ok(None);
        }
        let mut head = [0u8; FRAME_HEADER_SIZE];
        self.file.read_exact_at(self.offset, &mut head)?;
        let (Some(body_len), Some(ops), Some(commit), Some(frame_salt), Some(s0), Some(s1)) = (
            u32_at(&head, 0),
            u32_at(&head, 4),
            u64_at(&head, 8),
            u64_at(&head, 16),
            u32_at(&head, 24),
            u32_at(&head, 28),
        ) else {
            return Ok(None);
        };
        if frame_salt != salt.get() {
            return Ok(None);
        }
        let padded_len = padded(u64::from(body_len));
        let len = FRAME_HEADER_SIZE as u64 + padded_len;
        if len > room {
            return Ok(None);
        }
        let padded_len = usize::try_from(padded_len).map_err(|_| Error::OutOfMemory)?;
        self.buffer.clear();
        self.buffer.try_resize(FRAME_HEADER_SIZE + padded_len, 0)?;
        let Some(body) = self.buffer.get_mut(FRAME_HEADER_SIZE..) else {
            return Ok(None);
        };
        self.file
            .read_exact_at(self.offset + FRAME_HEADER_SIZE as u64, body)?;
        let sum = checksum(
            checksum(self.chain, head.get(..24).unwrap_or(&[])),
            self.buffer.get(FRAME_HEADER_SIZE..).unwrap_or(&[]),
        );
        if sum != Checksum::new(s0, s1) {
            return Ok(None);
        }
        Ok(Some(Found {
            commit: Timestamp::new(commit),
            ops,
            body_len: body_len as usize,
            chain: sum,
            len,
        }))
    }

    /// Ends reading and opens the log for appending after the last frame
    /// read: bytes past it (a torn tail, or frames after one) are truncated
    /// and synced away first. An empty file gets a header with `salt` and
    /// `base`. Frames not read yet are dropped too: read them all first.
    pub fn into_writer(self, salt: LogSalt, base: Timestamp) -> Result<LogWriter<F>> {
        let Some(header) = self.header else {
            return LogWriter::create(self.file, salt, base);
        };
        let mut file = self.file;
        if self.size > self.offset {
            file.truncate(self.offset)?;
            file.sync()?;
        }
        Ok(LogWriter::resume(
            file,
            header,
            self.offset,
            self.chain,
            self.last,
        ))
    }
}
