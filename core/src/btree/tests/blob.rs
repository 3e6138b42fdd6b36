//! Byte ranges of a stored payload read in place ([`read_range`]): every
//! range of payloads around the spill thresholds, and every way the
//! chain under a range can be broken.

use super::*;
use crate::alloc::{FaultAlloc, FaultPlan, Global};
use crate::btree::blob::{ChainPages, PayloadPlace, read_range};
use crate::btree::page::BTreePage;

/// A database holding one table leaf (page 2) with one row of `size`
/// bytes, the row's payload bytes, and where they are stored.
fn one_row(page_size: usize, usable: usize, size: usize) -> (TestDb, StdVec<u8>, PayloadPlace) {
    let mut db = TestDb::new(page_size, usable);
    let leaf = db.reserve();
    let payload: StdVec<u8> = (0..size).map(|i| (i * 13 + i / 509) as u8).collect();
    let cell = db.table_leaf_cell(1, &payload);
    let bytes = db.build_page(leaf, PageKind::TableLeaf, &[cell], 0);
    db.set(leaf, bytes);
    let place = {
        let page = BTreePage::parse(db.page(no(2)).unwrap(), no(2), usable as u32).unwrap();
        PayloadPlace::of(page.cell(0).unwrap().payload().unwrap(), no(2)).unwrap()
    };
    (db, payload, place)
}

fn range(db: &TestDb, place: &PayloadPlace, offset: usize, len: usize) -> Result<StdVec<u8>> {
    let mut out = vec![0xeeu8; len];
    read_range(db, place, offset, &mut out, None::<&mut ChainPages<Global>>)?;
    Ok(out)
}

#[test]
fn every_range_reads_the_payloads_bytes() {
    for (page_size, usable) in [(512, 512), (1024, 1000)] {
        let chunk = usable - 4;
        let max = usable - 35;
        for size in [0, 1, max, max + 1, max + chunk, max + 3 * chunk + 17] {
            let (db, payload, place) = one_row(page_size, usable, size);
            let step = (size / 37).max(1);
            for offset in (0..=size).step_by(step) {
                for len in [0, 1, 3, chunk - 1, chunk, chunk + 1, size - offset] {
                    if offset + len > size {
                        continue;
                    }
                    let got = range(&db, &place, offset, len).unwrap();
                    assert_eq!(got, &payload[offset..offset + len], "{size} {offset} {len}");
                }
            }
        }
    }
}

#[test]
fn a_range_past_the_payload_is_misuse() {
    let (db, _, place) = one_row(512, 512, 3000);
    for (offset, len) in [(2999, 2), (3001, 0), (usize::MAX, 1)] {
        assert!(matches!(
            range(&db, &place, offset, len),
            Err(Error::Misuse(_))
        ));
    }
}

#[test]
fn a_broken_chain_under_the_range_is_corrupt() {
    let (mut db, _, place) = one_row(512, 512, 3000);
    let last = db.pages.len() as u32;
    // Cut after the first overflow page: any range past the local
    // bytes finds it, whether it lies before the cut or after.
    db.bytes_mut(3)[..4].copy_from_slice(&[0; 4]);
    assert!(range(&db, &place, 0, 10).is_ok());
    assert_corrupt(range(&db, &place, 0, 600), 3);
    assert_corrupt(range(&db, &place, 2990, 10), 3);
    // A loop, a self-link, a link to page 1 or past the end.
    for link in [3u32, 1, 1000] {
        db.bytes_mut(3)[..4].copy_from_slice(&link.to_be_bytes());
        assert_corrupt(range(&db, &place, 2990, 10), 3);
    }
    // A loop 3 -> 4 -> 3 ..., even under a range near its start.
    db.bytes_mut(3)[..4].copy_from_slice(&4u32.to_be_bytes());
    db.bytes_mut(4)[..4].copy_from_slice(&3u32.to_be_bytes());
    for offset in [500, 2990] {
        assert!(matches!(
            range(&db, &place, offset, 10),
            Err(Error::Corrupt { .. })
        ));
    }
    // The last page linking on.
    let (mut db, _, place) = one_row(512, 512, 3000);
    db.bytes_mut(last)[..4].copy_from_slice(&3u32.to_be_bytes());
    assert_corrupt(range(&db, &place, 600, 10), last);
    // Local bytes that run past the page.
    let (db, _, mut place) = one_row(512, 512, 100);
    place.local_offset = 500;
    assert_corrupt(range(&db, &place, 0, 100), 2);
    assert!(last > 3);
}

#[test]
fn a_learned_chain_serves_later_ranges_of_its_payload_only() {
    let (mut db, payload, place) = one_row(512, 512, 5000);
    let mut chain = ChainPages::new_in(Global);
    let mut out = vec![0u8; 700];
    read_range(&db, &place, 4000, &mut out, Some(&mut chain)).unwrap();
    assert_eq!(out, &payload[4000..4700]);
    // Learned: a broken link no longer matters to it (nothing reads the
    // links), which is why its caller must know the chain did not change.
    db.bytes_mut(3)[..4].copy_from_slice(&[0; 4]);
    for (offset, len) in [(0, 5000), (1, 1), (4999, 1), (600, 2000)] {
        let mut out = vec![0u8; len];
        read_range(&db, &place, offset, &mut out, Some(&mut chain)).unwrap();
        assert_eq!(out, &payload[offset..offset + len]);
    }
    // Another payload (another size here) walks, and finds the break.
    let mut other = place;
    other.size -= 1;
    assert_corrupt(read_range(&db, &other, 4000, &mut out, Some(&mut chain)), 3);
    // Learning that cannot allocate leaves the walk as it is.
    let (db, payload, place) = one_row(512, 512, 5000);
    let fault = FaultAlloc::new(Global);
    fault.arm(FaultPlan::From(1));
    let mut chain = ChainPages::new_in(&fault);
    read_range(&db, &place, 100, &mut out, Some(&mut chain)).unwrap();
    assert_eq!(out, &payload[100..800]);
}

#[test]
fn a_chain_longer_than_the_learned_limit_is_walked_and_holds_bounded_memory() {
    use crate::alloc::Arena;
    use crate::btree::blob::MAX_LEARNED_PAGES;
    // 4,200 overflow pages of 508 bytes.
    let size = (MAX_LEARNED_PAGES + 104) * 508;
    let (db, payload, place) = one_row(512, 512, size);
    let mut buffer = vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut chain = ChainPages::new_in(&arena);
    for offset in [size - 700, 100, size / 2] {
        let mut out = vec![0u8; 700];
        read_range(&db, &place, offset, &mut out, Some(&mut chain)).unwrap();
        assert_eq!(out, &payload[offset..offset + 700]);
        assert!(
            arena.stats().in_use <= MAX_LEARNED_PAGES * 4,
            "{} bytes held",
            arena.stats().in_use
        );
    }
}
