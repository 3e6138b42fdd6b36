//! [`write_checkpoint`]: a checkpoint's rows written into their table
//! B-trees through a write transaction, so that they commit through the
//! pager and the WAL as any other change, all or nothing.

use boundlite_platform::Platform;

use super::store::CheckpointRows;
use crate::alloc::Allocator;
use crate::{Result, WriteTransaction};

/// Stores each row of `rows` in its table (replacing the row of its rowid)
/// or deletes it, in `txn`; returns how many rows it wrote. The caller
/// records the checkpoint's boundary in the same transaction and commits
/// it; an error rolls `txn` back whole, as any failed change does.
pub fn write_checkpoint<P: Platform, A: Allocator + Clone, B: Allocator>(
    txn: &WriteTransaction<'_, P, A>,
    rows: CheckpointRows<'_, B>,
) -> Result<usize> {
    let mut written = 0;
    for row in rows {
        match row.record {
            Some(record) => txn.insert_row(row.root, row.rowid, record)?,
            None => {
                txn.delete_row(row.root, row.rowid)?;
            }
        }
        written += 1;
    }
    Ok(written)
}
