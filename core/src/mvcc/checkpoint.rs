//! [`write_checkpoint`]: a checkpoint's rows written into their table
//! B-trees through a write transaction, so that they commit through the
//! pager and the WAL as any other change, all or nothing; and
//! [`IndexKeeper`], what keeps the tables' index B-trees in step with
//! them (the store holds table rows only: the schema says which entries a
//! row has).

use boundlite_platform::Platform;

use super::store::CheckpointRows;
use crate::alloc::Allocator;
use crate::{PageNo, Result, RowId, WriteTransaction};

/// Keeps a table's index entries in step with the rows a checkpoint
/// writes into it.
pub trait IndexKeeper<P: Platform, A: Allocator + Clone> {
    /// Before row `rowid` of the table at `root` is replaced or deleted:
    /// removes the entries the row `txn` holds has, if it holds one.
    fn unindex(
        &mut self,
        txn: &WriteTransaction<'_, P, A>,
        root: PageNo,
        rowid: RowId,
    ) -> Result<()>;

    /// After row `rowid` of the table at `root` is stored as `record`:
    /// adds its entries.
    fn index(
        &mut self,
        txn: &WriteTransaction<'_, P, A>,
        root: PageNo,
        rowid: RowId,
        record: &[u8],
    ) -> Result<()>;
}

/// The keeper of tables without indexes: it does nothing.
pub struct NoIndexes;

impl<P: Platform, A: Allocator + Clone> IndexKeeper<P, A> for NoIndexes {
    fn unindex(&mut self, _: &WriteTransaction<'_, P, A>, _: PageNo, _: RowId) -> Result<()> {
        Ok(())
    }

    fn index(
        &mut self,
        _: &WriteTransaction<'_, P, A>,
        _: PageNo,
        _: RowId,
        _: &[u8],
    ) -> Result<()> {
        Ok(())
    }
}

/// Stores each row of `rows` in its table (replacing the row of its rowid)
/// or deletes it, in `txn`, with `indexes` keeping their entries in step;
/// returns how many rows it wrote. The caller records the checkpoint's
/// boundary in the same transaction and commits it; an error rolls `txn`
/// back whole, as any failed change does.
pub fn write_checkpoint<P: Platform, A: Allocator + Clone, B: Allocator>(
    txn: &WriteTransaction<'_, P, A>,
    rows: CheckpointRows<'_, B>,
    indexes: &mut impl IndexKeeper<P, A>,
) -> Result<usize> {
    let mut written = 0;
    for row in rows {
        indexes.unindex(txn, row.root, row.rowid)?;
        match row.record {
            Some(record) => {
                txn.insert_row(row.root, row.rowid, record)?;
                indexes.index(txn, row.root, row.rowid, record)?;
            }
            None => {
                txn.delete_row(row.root, row.rowid)?;
            }
        }
        written += 1;
    }
    Ok(written)
}
