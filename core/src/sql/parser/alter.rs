//! `ALTER TABLE`: `RENAME TO`, `RENAME [COLUMN]`, `ADD [COLUMN]` and
//! `DROP [COLUMN]`, as SQLite's grammar has them.

use super::{Parser, Result};
use crate::alloc::Allocator;
use crate::sql::ast::{AlterAction, AlterTable, Stmt};
use crate::sql::keyword::Keyword;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// `ALTER TABLE name action`
    pub(super) fn alter(&mut self) -> Result<Stmt<'a, A>> {
        self.require(Keyword::Alter)?;
        self.require(Keyword::Table)?;
        let table = self.qualified_name()?;
        let action = match self.peek.keyword() {
            Some(Keyword::Rename) => {
                self.advance();
                if self.eat(Keyword::To) {
                    AlterAction::RenameTable(self.name()?)
                } else {
                    self.eat(Keyword::Column);
                    let old = self.name()?;
                    self.require(Keyword::To)?;
                    let new = self.name()?;
                    AlterAction::RenameColumn { old, new }
                }
            }
            Some(Keyword::Add) => {
                self.advance();
                self.eat(Keyword::Column);
                let start = self.peek.offset;
                let column = self.column_def()?;
                let text = self.sql.get(start..self.prev_end).unwrap_or("");
                AlterAction::AddColumn { column, text }
            }
            Some(Keyword::Drop) => {
                self.advance();
                self.eat(Keyword::Column);
                AlterAction::DropColumn(self.name()?)
            }
            _ => return Err(self.syntax_error()),
        };
        let alter = AlterTable { table, action };
        Ok(Stmt::AlterTable(self.boxed(alter)?))
    }
}
