//! Tests of the page, cell, payload and overflow readers on pages built by
//! hand, well formed and corrupt; [`TestDb`] also serves the cursor tests.
// Test scaffolding allocates with std's infallible collections; the code
// under test still only uses boundlite_alloc.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod blob;
mod overflow;
mod page;
mod payload;
mod save_position;

use std::vec;
use std::vec::Vec as StdVec;

use crate::btree::page::{PageKind, header_offset};
use crate::btree::payload::{PayloadKind, overflow_content_size};
use crate::btree::source::PageSource;
use crate::format::Varint;
use crate::{Error, PageNo, Result};

/// A database of pages built by hand. Page 1 is left blank: trees start at
/// page 2 unless a test places one on page 1.
pub(crate) struct TestDb {
    pub page_size: usize,
    pub usable: usize,
    pub pages: StdVec<StdVec<u8>>,
}

impl TestDb {
    pub fn new(page_size: usize, usable: usize) -> Self {
        TestDb {
            page_size,
            usable,
            pages: vec![vec![0; page_size]],
        }
    }

    /// A fresh zeroed page; its number.
    pub fn reserve(&mut self) -> u32 {
        self.pages.push(vec![0; self.page_size]);
        self.pages.len() as u32
    }

    pub fn set(&mut self, no: u32, bytes: StdVec<u8>) {
        assert_eq!(bytes.len(), self.page_size);
        self.pages[no as usize - 1] = bytes;
    }

    pub fn bytes_mut(&mut self, no: u32) -> &mut [u8] {
        &mut self.pages[no as usize - 1]
    }

    /// Adds a page holding `cells`; its number.
    pub fn add(&mut self, kind: PageKind, cells: &[StdVec<u8>], right: u32) -> u32 {
        let no = self.reserve();
        let bytes = self.build_page(no, kind, cells, right);
        self.set(no, bytes);
        no
    }

    /// The bytes of page `no` holding `cells`, packed at the end of the
    /// usable area in order (the first cell highest).
    pub fn build_page(
        &self,
        no: u32,
        kind: PageKind,
        cells: &[StdVec<u8>],
        right: u32,
    ) -> StdVec<u8> {
        let mut bytes = vec![0; self.page_size];
        let header = header_offset(PageNo::new(no).unwrap());
        let pointers = header + kind.header_len();
        let mut content = self.usable;
        for (i, cell) in cells.iter().enumerate() {
            content -= cell.len().max(4);
            bytes[content..content + cell.len()].copy_from_slice(cell);
            let at = pointers + 2 * i;
            bytes[at..at + 2].copy_from_slice(&(content as u16).to_be_bytes());
        }
        assert!(
            pointers + 2 * cells.len() <= content,
            "cells overflow page {no}"
        );
        bytes[header] = kind.to_byte();
        bytes[header + 3..header + 5].copy_from_slice(&(cells.len() as u16).to_be_bytes());
        bytes[header + 5..header + 7].copy_from_slice(&(content as u16).to_be_bytes());
        if !kind.is_leaf() {
            bytes[header + 8..header + 12].copy_from_slice(&right.to_be_bytes());
        }
        bytes
    }

    /// The local part of `payload` as a cell stores it, spilling the rest
    /// to overflow pages added to the database (plus the link to them).
    pub fn spill(&mut self, kind: PayloadKind, payload: &[u8]) -> StdVec<u8> {
        let usable = self.usable as u32;
        let local = kind.local_size(usable, payload.len() as u32) as usize;
        let mut out = payload[..local].to_vec();
        if local == payload.len() {
            return out;
        }
        let chunk = overflow_content_size(usable) as usize;
        let chunks: StdVec<&[u8]> = payload[local..].chunks(chunk).collect();
        let numbers: StdVec<u32> = chunks.iter().map(|_| self.reserve()).collect();
        for (i, part) in chunks.iter().enumerate() {
            let next = numbers.get(i + 1).copied().unwrap_or(0);
            let bytes = self.bytes_mut(numbers[i]);
            bytes[..4].copy_from_slice(&next.to_be_bytes());
            bytes[4..4 + part.len()].copy_from_slice(part);
        }
        out.extend_from_slice(&numbers[0].to_be_bytes());
        out
    }

    pub fn table_leaf_cell(&mut self, rowid: i64, payload: &[u8]) -> StdVec<u8> {
        let mut cell = varint(payload.len() as u64);
        cell.extend_from_slice(&varint(rowid as u64));
        cell.extend(self.spill(PayloadKind::Table, payload));
        cell
    }

    pub fn table_interior_cell(left: u32, rowid: i64) -> StdVec<u8> {
        let mut cell = left.to_be_bytes().to_vec();
        cell.extend_from_slice(&varint(rowid as u64));
        cell
    }

    /// An index cell; interior when `left` is given.
    pub fn index_cell(&mut self, left: Option<u32>, payload: &[u8]) -> StdVec<u8> {
        let mut cell = left.map(|l| l.to_be_bytes().to_vec()).unwrap_or_default();
        cell.extend_from_slice(&varint(payload.len() as u64));
        cell.extend(self.spill(PayloadKind::Index, payload));
        cell
    }

    /// A table B-tree of `rows` (sorted by rowid): `per_leaf` rows per
    /// leaf, up to `fanout` children per interior page. Its root.
    pub fn table_tree(
        &mut self,
        rows: &[(i64, StdVec<u8>)],
        per_leaf: usize,
        fanout: usize,
    ) -> u32 {
        if rows.is_empty() {
            return self.add(PageKind::TableLeaf, &[], 0);
        }
        let mut level: StdVec<(u32, i64)> = rows
            .chunks(per_leaf)
            .map(|chunk| {
                let cells: StdVec<_> = chunk
                    .iter()
                    .map(|(id, p)| self.table_leaf_cell(*id, p))
                    .collect();
                (
                    self.add(PageKind::TableLeaf, &cells, 0),
                    chunk.last().unwrap().0,
                )
            })
            .collect();
        while level.len() > 1 {
            level = groups(&level, fanout)
                .into_iter()
                .map(|group| {
                    let (last, key) = *group.last().unwrap();
                    let cells: StdVec<_> = group[..group.len() - 1]
                        .iter()
                        .map(|(child, key)| Self::table_interior_cell(*child, *key))
                        .collect();
                    (self.add(PageKind::TableInterior, &cells, last), key)
                })
                .collect();
        }
        level[0].0
    }

    /// An index B-tree of `entries` (sorted): leaves of up to `per_leaf`
    /// entries, interior pages of `fanout` children. Its root.
    pub fn index_tree(&mut self, entries: &[StdVec<u8>], per_leaf: usize, fanout: usize) -> u32 {
        assert!(per_leaf >= 2 * fanout);
        if entries.len() <= per_leaf {
            let cells: StdVec<_> = entries.iter().map(|e| self.index_cell(None, e)).collect();
            return self.add(PageKind::IndexLeaf, &cells, 0);
        }
        let per_child = (entries.len() - (fanout - 1)) / fanout;
        let mut cells = StdVec::new();
        let mut at = 0;
        for _ in 0..fanout - 1 {
            let child = self.index_tree(&entries[at..at + per_child], per_leaf, fanout);
            cells.push(self.index_cell(Some(child), &entries[at + per_child]));
            at += per_child + 1;
        }
        let right = self.index_tree(&entries[at..], per_leaf, fanout);
        self.add(PageKind::IndexInterior, &cells, right)
    }
}

/// `items` in groups of `size`, a lone last item joining the group before
/// it (a page other than the root must have a cell).
fn groups<T: Copy>(items: &[T], size: usize) -> StdVec<StdVec<T>> {
    let mut out: StdVec<StdVec<T>> = items.chunks(size).map(<[T]>::to_vec).collect();
    if out.len() > 1 && out.last().unwrap().len() == 1 {
        let lone = out.pop().unwrap();
        out.last_mut().unwrap().extend(lone);
    }
    out
}

pub(crate) fn varint(value: u64) -> StdVec<u8> {
    Varint::new(value).as_bytes().to_vec()
}

pub(crate) fn no(n: u32) -> PageNo {
    PageNo::new(n).unwrap()
}

/// Asserts `result` is `Corrupt` on page `page`.
#[track_caller]
pub(crate) fn assert_corrupt<T: core::fmt::Debug>(result: Result<T>, page: u32) {
    match result {
        Err(Error::Corrupt { page: Some(p), .. }) if p.get() == page => {}
        other => panic!("expected Corrupt on page {page}, got {other:?}"),
    }
}

impl PageSource for TestDb {
    type Page<'s> = &'s [u8];

    fn page(&self, no: PageNo) -> Result<&[u8]> {
        self.pages
            .get(no.get() as usize - 1)
            .map(StdVec::as_slice)
            .ok_or(Error::corrupt(
                no,
                "page number past the end of the database",
            ))
    }

    fn usable_size(&self) -> u32 {
        self.usable as u32
    }

    fn page_count(&self) -> u32 {
        self.pages.len() as u32
    }
}
