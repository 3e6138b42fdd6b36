//! A version's begin and end in one word each: every state reads back
//! as it was written, at the edges of the 63 bits, and what the words
//! cannot hold is refused rather than stored as something else; the
//! sizes the row array's entries rely on.

use super::super::rows::Row;
use super::super::version::{Begin, ChangeKind, Commit, End, Version};
use super::*;

const TOP: u64 = 1 << 63;

fn pending(txn: u64) -> Result<Version<Global>> {
    Version::pending(TxnId::new(txn), ChangeKind::Insert, None)
}

#[test]
fn each_state_of_a_version_reads_back_as_written() {
    for txn in [1, 2, TOP - 1] {
        for at in [Timestamp::ZERO, Timestamp::new(txn), Timestamp::MAX] {
            let mut v = pending(txn).unwrap();
            assert_eq!(v.begin(), Begin::Pending(TxnId::new(txn)));
            assert_eq!(v.end(), End::Open);
            assert!(v.pending_in(TxnId::new(txn)));
            let commit = Commit::new(at).unwrap();
            v.commit(commit);
            assert_eq!(v.begin(), Begin::Committed(at));
            assert!(!v.pending_in(TxnId::new(txn)));
            assert_eq!(v.end(), End::Open);
            v.end_at(commit);
            assert_eq!(v.end(), End::Committed(at));
            assert_eq!(v.begin(), Begin::Committed(at));
        }
    }
}

#[test]
fn what_the_words_cannot_hold_is_refused() {
    assert!(matches!(pending(TOP), Err(Error::Misuse(_))));
    assert!(matches!(pending(u64::MAX), Err(Error::Misuse(_))));
    assert_eq!(Commit::new(Timestamp::new(TOP)), None);
    assert_eq!(Commit::new(Timestamp::new(u64::MAX)), None);

    // The store gives no id past 2^63 - 1 ...
    let mut s = store();
    s.next_txn = TOP - 1;
    let last = s.begin().unwrap();
    s.write(last, root(T), id(1), Change::Insert(b"x")).unwrap();
    assert_eq!(commit(&mut s, last).unwrap(), Some(Timestamp::new(1)));
    assert!(matches!(s.begin(), Err(Error::Full)));
    // ... and replays no commit past the clock's last.
    let mut s = store();
    let op = || {
        [Ok(LogOp::Delete {
            root: root(T),
            rowid: id(1),
        })]
    };
    assert!(matches!(
        s.replay(Timestamp::new(TOP), op()),
        Err(Error::Corrupt { .. })
    ));
    assert_eq!(s.versions(), 0);
    s.replay(Timestamp::MAX, op()).unwrap();
    let r = s.begin().unwrap();
    assert_eq!(s.read(r, root(T), id(1)).unwrap(), Seen::Deleted);
}

/// A pinned row costs its table's array one entry: its rowid and its
/// one version in place, the version two words, a boxed record (no
/// capacity word) and its kind, with no tag word for the row's enum.
/// The engine's allocators are references, one word in each box.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_row_of_one_version_takes_seven_words() {
    use core::mem::size_of;
    type Ref = &'static Counting<Global>;
    assert_eq!(size_of::<Version<Ref>>(), 48);
    assert_eq!(size_of::<Row<Ref>>(), 56);
    assert_eq!(size_of::<Version<Global>>(), 40);
    assert_eq!(size_of::<Row<Global>>(), 48);
}
