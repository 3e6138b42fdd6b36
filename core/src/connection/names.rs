//! [`Names`]: the names of a statement's result columns, as SQLite's
//! `sqlite3_column_name` gives them, kept in two buffers the statement
//! reuses from run to run; [`ColumnNames`], an iterator over them.
//!
//! Invariant: `ends` holds, per column, where its name ends in `text`,
//! ascending; a run's names are written over the last run's, so a warm
//! statement allocates nothing for them.

use crate::Result;
use crate::alloc::{Allocator, String, Vec};

/// A statement's result column names.
pub(crate) struct Names<A: Allocator> {
    text: String<A>,
    ends: Vec<usize, A>,
}

impl<A: Allocator + Clone> Names<A> {
    pub(crate) fn new(alloc: A) -> Self {
        Names {
            text: String::new_in(alloc.clone()),
            ends: Vec::new_in(alloc),
        }
    }

    /// Forgets the names, to write a run's.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Adds the next column's name, written by `write` into the text.
    pub(crate) fn push_with(
        &mut self,
        write: impl FnOnce(&mut String<A>) -> Result<()>,
    ) -> Result<()> {
        self.ends.try_reserve(1)?;
        write(&mut self.text)?;
        self.ends.try_push(self.text.len())?;
        Ok(())
    }

    /// Adds the next column's name.
    pub(crate) fn push(&mut self, name: &str) -> Result<()> {
        self.push_with(|text| Ok(text.try_push_str(name)?))
    }

    /// Makes the names exactly `names`.
    pub(crate) fn set(&mut self, names: &[&str]) -> Result<()> {
        self.clear();
        names.iter().try_for_each(|name| self.push(name))
    }
}

impl<A: Allocator> Names<A> {
    /// How many columns are named.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The name of column `i` (from 0).
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The names in order.
    pub(crate) fn iter(&self) -> ColumnNames<'_> {
        ColumnNames {
            text: &self.text,
            ends: &self.ends,
            start: 0,
        }
    }
}

/// The names of a statement's or a row's result columns, in order (see
/// [`Statement::column_names`](super::Statement::column_names)).
#[derive(Clone)]
pub struct ColumnNames<'n> {
    text: &'n str,
    ends: &'n [usize],
    start: usize,
}

impl<'n> Iterator for ColumnNames<'n> {
    type Item = &'n str;

    fn next(&mut self) -> Option<&'n str> {
        let (&end, rest) = self.ends.split_first()?;
        let name = self.text.get(self.start..end)?;
        self.ends = rest;
        self.start = end;
        Some(name)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl ExactSizeIterator for ColumnNames<'_> {}
