//! Overflow chains: assembled whole, and every way a chain can be broken.

use super::*;
use crate::alloc::{FaultAlloc, FaultPlan, Global, Vec};
use crate::btree::cell::Payload;
use crate::btree::overflow::{OverflowChain, read_payload};
use crate::btree::page::BTreePage;

/// A database holding one table leaf (page 2) with one row of `size`
/// bytes; the row's payload bytes.
fn one_row(page_size: usize, usable: usize, size: usize) -> (TestDb, StdVec<u8>) {
    let mut db = TestDb::new(page_size, usable);
    let leaf = db.reserve();
    let payload: StdVec<u8> = (0..size).map(|i| (i * 7 + i / 251) as u8).collect();
    let cell = db.table_leaf_cell(1, &payload);
    let bytes = db.build_page(leaf, PageKind::TableLeaf, &[cell], 0);
    db.set(leaf, bytes);
    (db, payload)
}

fn payload_of(db: &TestDb) -> Payload<'_> {
    let page = BTreePage::parse(db.page(no(2)).unwrap(), no(2), db.usable as u32).unwrap();
    *page.cell(0).unwrap().payload().unwrap()
}

fn read(db: &TestDb) -> Result<StdVec<u8>> {
    let mut out = Vec::new();
    read_payload(db, no(2), &payload_of(db), &mut out)?;
    Ok(out.as_slice().to_vec())
}

#[test]
fn payloads_of_every_size_around_the_thresholds_read_back() {
    for (page_size, usable) in [(512, 512), (1024, 1000), (4096, 4096), (65536, 65536)] {
        let chunk = usable - 4;
        let max = usable - 35;
        let sizes = (0..=4).flat_map(|pages| {
            let base = max + pages * chunk;
            [0, 1, base - 1, base, base + 1, base + 2, base + chunk / 2]
        });
        for size in sizes {
            let (db, payload) = one_row(page_size, usable, size);
            assert_eq!(read(&db).unwrap(), payload, "page {page_size} size {size}");
        }
    }
}

#[test]
fn the_buffer_is_reused() {
    let (db, payload) = one_row(512, 512, 3000);
    let mut out = Vec::new();
    read_payload(&db, no(2), &payload_of(&db), &mut out).unwrap();
    let capacity = out.capacity();
    read_payload(&db, no(2), &payload_of(&db), &mut out).unwrap();
    assert_eq!((out.as_slice(), out.capacity()), (&payload[..], capacity));
}

#[test]
fn running_out_of_memory_leaves_the_buffer_empty() {
    let (db, _) = one_row(512, 512, 3000);
    let fault = FaultAlloc::new(Global);
    let mut out = Vec::new_in(&fault);
    fault.arm(FaultPlan::From(1));
    assert_eq!(
        read_payload(&db, no(2), &payload_of(&db), &mut out),
        Err(Error::OutOfMemory)
    );
    assert!(out.is_empty());
}

#[test]
fn a_chain_that_ends_early_is_corrupt() {
    let (mut db, _) = one_row(512, 512, 3000);
    // Pages 3.. hold the chain; cut it after the first page.
    db.bytes_mut(3)[..4].copy_from_slice(&[0; 4]);
    assert_corrupt(read(&db), 3);
}

#[test]
fn a_chain_longer_than_its_payload_is_corrupt() {
    let (mut db, _) = one_row(512, 512, 3000);
    let last = db.pages.len() as u32;
    db.bytes_mut(last)[..4].copy_from_slice(&3u32.to_be_bytes());
    assert_corrupt(read(&db), last);
}

#[test]
fn a_chain_that_loops_is_corrupt_not_endless() {
    let (mut db, _) = one_row(512, 512, 3000);
    // 3 -> 4 -> 3 -> 4 ...: detected once the payload's page count is used.
    db.bytes_mut(4)[..4].copy_from_slice(&3u32.to_be_bytes());
    assert!(matches!(read(&db), Err(Error::Corrupt { .. })));
    // A page linking to itself, and a link to page 1.
    db.bytes_mut(3)[..4].copy_from_slice(&3u32.to_be_bytes());
    assert_corrupt(read(&db), 3);
    db.bytes_mut(3)[..4].copy_from_slice(&1u32.to_be_bytes());
    assert_corrupt(read(&db), 3);
}

#[test]
fn links_past_the_database_are_corrupt() {
    let (mut db, _) = one_row(512, 512, 3000);
    db.bytes_mut(3)[..4].copy_from_slice(&1000u32.to_be_bytes());
    assert_corrupt(read(&db), 3);
    // The cell's own first link.
    let local = payload_of(&db).local().len();
    let offset = payload_of(&db).local_offset() + local;
    db.bytes_mut(2)[offset..offset + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_corrupt(read(&db), 2);
}

#[test]
fn a_payload_larger_than_the_database_fails_before_allocating() {
    let (mut db, _) = one_row(512, 512, 3000);
    // Claim a 1 GiB payload, keeping the cell parseable: size, rowid, the
    // local bytes such a payload has, then a link to page 3.
    let local = PayloadKind::Table.local_size(512, 1 << 30) as usize;
    let mut cell = varint(1 << 30);
    cell.push(1);
    cell.extend(std::iter::repeat_n(0, local));
    cell.extend_from_slice(&3u32.to_be_bytes());
    let start = 512 - cell.len();
    let bytes = db.bytes_mut(2);
    bytes[start..].copy_from_slice(&cell);
    bytes[8..10].copy_from_slice(&(start as u16).to_be_bytes());
    bytes[5..7].copy_from_slice(&(start as u16).to_be_bytes());
    let fault = FaultAlloc::new(Global);
    fault.arm(FaultPlan::From(1));
    let mut out = Vec::new_in(&fault);
    assert_corrupt(read_payload(&db, no(2), &payload_of(&db), &mut out), 2);
    assert_eq!(fault.seen(), 0);
}

#[test]
fn the_chain_can_be_walked_page_by_page() {
    let (db, payload) = one_row(1024, 1000, 2500);
    let cell = payload_of(&db);
    let mut chain = OverflowChain::new(&cell, no(2), 1000, db.page_count()).unwrap();
    let mut assembled = cell.local().to_vec();
    let mut pages = 0;
    while let Some(next) = chain.next_page() {
        assembled.extend_from_slice(chain.read(db.page(next).unwrap()).unwrap());
        pages += 1;
    }
    assert_eq!(assembled, payload);
    // Local K = 100 + 2400 % 996 = 508 leaves 1992 bytes: two full pages.
    assert_eq!((cell.local().len(), pages), (508, 2));
    assert!(matches!(chain.read(&[0; 1024]), Err(Error::Misuse(_))));
}

#[test]
fn inconsistent_payloads_built_by_hand_are_misuse() {
    let local = [0u8; 10];
    let spills_without_link = Payload::new(20, &local, 0, None);
    let link_without_spill = Payload::new(10, &local, 0, Some(no(3)));
    let local_too_long = Payload::new(5, &local, 0, None);
    for payload in [spills_without_link, link_without_spill, local_too_long] {
        assert!(matches!(
            OverflowChain::new(&payload, no(2), 512, 10),
            Err(Error::Misuse(_))
        ));
    }
}
