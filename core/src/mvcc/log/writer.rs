//! [`LogWriter`]: appends committed transactions to the log, one synced
//! frame each (whole, or a step at a time: [`LogWriter::append_step`]),
//! and starts the next generation after a checkpoint.

use boundlite_platform::File;

use super::checksum;
use super::frame::{FRAME_HEADER_SIZE, FrameBuffer, FrameShape, LogOp};
use super::header::{LOG_HEADER_SIZE, LogHeader, LogSalt, put};
use crate::alloc::Allocator;
use crate::mvcc::Timestamp;
use crate::wal::Checksum;
use crate::{Error, Result};

/// Whether the file is in the generation `header` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    /// It is: appends chain from `chain`.
    Settled,
    /// A reset to this header failed part way: the file's header is
    /// unknown, and the next append or reset starts the generation again
    /// before anything chains from it.
    Unsettled(LogHeader),
    /// The file is truncated to nothing and synced for this header, which
    /// is not written yet ([`LogWriter::empty`]): the next append or
    /// [`LogWriter::settle_pending`] writes it first.
    Emptied(LogHeader),
}

/// A frame written a step at a time, past the writer's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Partial {
    commit: Timestamp,
    shape: FrameShape,
    /// Pieces of its body written.
    pieces: u32,
    /// Its checksum, once its header is written.
    sum: Option<Checksum>,
}

/// How far one [`LogWriter::append_step`] took a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Piece `n` (from 1) of the body is written.
    Piece(u32),
    /// The header is written after the whole body.
    Header,
    /// The file is synced: the frame is appended.
    Synced,
}

/// The log open for appending: where the next frame goes and what it
/// chains from.
///
/// Invariant: the file holds the header and exactly the frames appended
/// (or recovered) up to `end`, each synced; `chain` is the last one's
/// checksum (the header's before any) and `last` its commit timestamp
/// (the header's base before any). While `partial` is `Some`, the bytes
/// past `end` are that frame's, written so far, and nothing else appends
/// or resets the log.
pub struct LogWriter<F: File> {
    file: F,
    generation: Generation,
    header: LogHeader,
    end: u64,
    chain: Checksum,
    last: Timestamp,
    partial: Option<Partial>,
}

impl<F: File> LogWriter<F> {
    /// Starts a log in `file`, whatever it held: truncated to nothing and
    /// synced, then a header with `salt` and `base`, synced.
    pub fn create(file: F, salt: LogSalt, base: Timestamp) -> Result<Self> {
        let header = LogHeader { salt, base };
        let mut writer = LogWriter {
            file,
            generation: Generation::Settled,
            header,
            end: LOG_HEADER_SIZE as u64,
            chain: header.checksum(),
            last: base,
            partial: None,
        };
        writer.start(header)?;
        Ok(writer)
    }

    /// A writer that continues a recovered log: its file already holds
    /// `header` and the valid frames up to `end`, and nothing past it.
    pub(super) fn resume(
        file: F,
        header: LogHeader,
        end: u64,
        chain: Checksum,
        last: Timestamp,
    ) -> Self {
        LogWriter {
            file,
            generation: Generation::Settled,
            header,
            end,
            chain,
            last,
            partial: None,
        }
    }

    /// Truncates to nothing, syncs, writes `header` and syncs. The first
    /// sync kills the previous generation's frames before the header that
    /// would precede them exists (see the module's invariants).
    fn start(&mut self, header: LogHeader) -> Result<()> {
        self.file.truncate(0)?;
        self.file.sync()?;
        self.file.write_at(0, &header.encode())?;
        self.file.sync()?;
        Ok(())
    }

    /// Appends the frame of `ops` as the transaction committed at
    /// `commit` and syncs: once this returns `Ok` the transaction
    /// survives any crash. `commit` must be above every timestamp in the
    /// log (`Misuse` otherwise). The body is encoded into `buffer` and
    /// written a piece at a time, then the frame's header with the
    /// checksum chained over every piece, then the file is synced; `ops`
    /// is walked twice, first to measure the frame. On an error the
    /// writer stays where it was, the bytes written past its end are cut
    /// off as far as the file allows, and the next append writes over
    /// them; whether a crash before then keeps that frame is not known,
    /// as for a WAL commit whose sync failed. `Busy` while a frame is
    /// written a step at a time.
    pub fn append<'a, A: Allocator>(
        &mut self,
        ops: impl Iterator<Item = LogOp<'a>> + Clone,
        commit: Timestamp,
        buffer: &mut FrameBuffer<A>,
    ) -> Result<()> {
        if self.partial.is_some() {
            return Err(Error::Busy);
        }
        self.settle_pending()?;
        if commit <= self.last {
            return Err(Error::Misuse(
                "an MVCC commit timestamp does not follow the log's last",
            ));
        }
        let shape = FrameShape::of(ops.clone())?;
        let head = shape.head(commit, self.header.salt);
        let (start, file) = (self.end, &mut self.file);
        let body = start + FRAME_HEADER_SIZE as u64;
        let written = buffer
            .encode(ops, shape, checksum(self.chain, &head), |at, piece| {
                Ok(file.write_at(body + at, piece)?)
            })
            .and_then(|sum| {
                let mut header = [0u8; FRAME_HEADER_SIZE];
                put(&mut header, 0, &head);
                put(&mut header, 24, &sum.to_bytes());
                file.write_at(start, &header)?;
                file.sync()?;
                Ok(sum)
            });
        match written {
            Ok(sum) => {
                self.end = body + shape.padded_len();
                self.chain = sum;
                self.last = commit;
                Ok(())
            }
            Err(e) => {
                // Best effort: the error reported is the write's or sync's.
                let _ = self.file.truncate(self.end);
                Err(e)
            }
        }
    }

    /// [`append`](Self::append) a step at a time: each call writes the
    /// next piece of the frame's body, then its header, then syncs, and
    /// says which it did; the same bytes reach the file. Every call gives
    /// the same `ops` and `commit` until the sync (`Misuse` otherwise).
    /// Each step encodes the body again from its start and writes only
    /// its own piece, so a frame of `n` pieces costs `n` encodings and no
    /// memory past the one buffer. An error, or
    /// [`abandon_frame`](Self::abandon_frame), cuts the file back to the
    /// writer's end.
    pub fn append_step<'a, A: Allocator>(
        &mut self,
        ops: impl Iterator<Item = LogOp<'a>> + Clone,
        commit: Timestamp,
        buffer: &mut FrameBuffer<A>,
    ) -> Result<Appended> {
        let partial = match self.partial {
            Some(p) if p.commit == commit => p,
            Some(_) => {
                return Err(Error::Misuse(
                    "another MVCC commit's frame is being written",
                ));
            }
            None => {
                self.settle_pending()?;
                if commit <= self.last {
                    return Err(Error::Misuse(
                        "an MVCC commit timestamp does not follow the log's last",
                    ));
                }
                Partial {
                    commit,
                    shape: FrameShape::of(ops.clone())?,
                    pieces: 0,
                    sum: None,
                }
            }
        };
        match self.step(ops, partial, buffer) {
            Ok(appended) => Ok(appended),
            Err(e) => {
                self.partial = None;
                // Best effort: the error reported is the write's or sync's.
                let _ = self.file.truncate(self.end);
                Err(e)
            }
        }
    }

    /// Takes `partial` one step on (see [`append_step`](Self::append_step)).
    fn step<'a, A: Allocator>(
        &mut self,
        ops: impl Iterator<Item = LogOp<'a>> + Clone,
        partial: Partial,
        buffer: &mut FrameBuffer<A>,
    ) -> Result<Appended> {
        let shape = partial.shape;
        if FrameShape::of(ops.clone())? != shape {
            return Err(Error::Misuse(
                "an MVCC log frame's operations changed while it was written",
            ));
        }
        let body = self.end + FRAME_HEADER_SIZE as u64;
        if let Some(sum) = partial.sum {
            self.file.sync()?;
            self.partial = None;
            self.end = body + shape.padded_len();
            self.chain = sum;
            self.last = partial.commit;
            return Ok(Appended::Synced);
        }
        let head = shape.head(partial.commit, self.header.salt);
        let (file, target) = (&mut self.file, partial.pieces);
        let mut at_piece = 0u32;
        let sum = buffer.encode(ops, shape, checksum(self.chain, &head), |at, piece| {
            if at_piece == target {
                file.write_at(body + at, piece)?;
            }
            at_piece += 1;
            Ok(())
        })?;
        if target < at_piece {
            self.partial = Some(Partial {
                pieces: target + 1,
                ..partial
            });
            return Ok(Appended::Piece(target + 1));
        }
        let mut header = [0u8; FRAME_HEADER_SIZE];
        put(&mut header, 0, &head);
        put(&mut header, 24, &sum.to_bytes());
        self.file.write_at(self.end, &header)?;
        self.partial = Some(Partial {
            sum: Some(sum),
            ..partial
        });
        Ok(Appended::Header)
    }

    /// Gives up the frame [`append_step`](Self::append_step) is writing:
    /// the file is cut back to the writer's end and synced, so that no
    /// crash brings the frame back. Nothing to do when none is written.
    /// On an error the writer still stands at its end and the next
    /// append writes over the frame, as after a failed append.
    pub fn abandon_frame(&mut self) -> Result<()> {
        if self.partial.take().is_none() {
            return Ok(());
        }
        self.file.truncate(self.end)?;
        self.file.sync()?;
        Ok(())
    }

    /// The commit timestamp of the frame being written a step at a time.
    pub fn writing(&self) -> Option<Timestamp> {
        self.partial.map(|p| p.commit)
    }

    /// Starts the next generation after a checkpoint that made every frame
    /// up to `base` durable in the database: the log is emptied and gets a
    /// header with `salt` (see [`LogSalt::after`]) and `base`. On an error
    /// the file is in no known generation, and the next append starts this
    /// one again first (the database holds every frame up to `base`
    /// whatever the log holds, so that is safe at any later time). `Busy`
    /// while a frame is written a step at a time.
    pub fn reset(&mut self, salt: LogSalt, base: Timestamp) -> Result<()> {
        self.empty(salt, base)?;
        self.settle_pending()
    }

    /// The first half of [`reset`](Self::reset): the log is truncated to
    /// nothing and synced, and the next generation's header (`salt`,
    /// `base`) is left for [`settle_pending`](Self::settle_pending) or the
    /// next append to write. An empty file is an empty log, so a crash
    /// between the two loses nothing the database does not hold. `Busy`
    /// while a frame is written a step at a time.
    pub fn empty(&mut self, salt: LogSalt, base: Timestamp) -> Result<()> {
        if self.partial.is_some() {
            return Err(Error::Busy);
        }
        if self.generation == Generation::Settled && base < self.last {
            return Err(Error::Misuse(
                "an MVCC log reset below the log's last commit",
            ));
        }
        let header = LogHeader { salt, base };
        self.generation = Generation::Unsettled(header);
        self.file.truncate(0)?;
        self.file.sync()?;
        self.generation = Generation::Emptied(header);
        Ok(())
    }

    /// Finishes a reset left part way (by an error, or by
    /// [`empty`](Self::empty)): nothing to do when the log is in the
    /// generation its header names.
    pub fn settle_pending(&mut self) -> Result<()> {
        match self.generation {
            Generation::Settled => Ok(()),
            Generation::Unsettled(header) => self.settle(header),
            Generation::Emptied(header) => {
                // Until the header is synced the file is in no known
                // generation: a failure leaves the reset to start again.
                self.generation = Generation::Unsettled(header);
                self.file.write_at(0, &header.encode())?;
                self.file.sync()?;
                self.settled(header);
                Ok(())
            }
        }
    }

    /// Starts the generation `header` names; until that succeeds no
    /// append may chain from anything.
    fn settle(&mut self, header: LogHeader) -> Result<()> {
        self.generation = Generation::Unsettled(header);
        self.start(header)?;
        self.settled(header);
        Ok(())
    }

    /// The file holds `header` alone, synced: appends chain from it.
    fn settled(&mut self, header: LogHeader) {
        self.generation = Generation::Settled;
        self.header = header;
        self.end = LOG_HEADER_SIZE as u64;
        self.chain = header.checksum();
        self.last = header.base;
    }

    /// The log's header.
    pub fn header(&self) -> LogHeader {
        self.header
    }

    /// Bytes of the log: the header and its frames.
    pub fn len(&self) -> u64 {
        self.end
    }

    /// Whether the log holds no frame.
    pub fn is_empty(&self) -> bool {
        self.end == LOG_HEADER_SIZE as u64
    }

    /// The last commit in the log (its base when it holds none).
    pub fn last_commit(&self) -> Timestamp {
        self.last
    }

    /// The log's file.
    pub fn into_file(self) -> F {
        self.file
    }
}
