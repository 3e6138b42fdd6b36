//! Reading CSV a field at a time, as `sqlite3`'s `.import` reads it
//! (`csv_read_one_field`): fields end at the column separator or at a
//! line end (`\n`, a `\r` before it dropped); a field starting with `"`
//! runs to the matching quote, `""` standing for one quote and line
//! breaks kept; a UTF-8 byte-order mark before the first field is
//! skipped.
//!
//! Invariant: one field is held at a time, in a buffer reused from field
//! to field.

use std::io::{self, BufRead, Bytes};

/// What ended the last field read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The column separator: another field of the record follows.
    Column,
    /// A line end: the record is complete.
    Row,
    /// The end of the input.
    Input,
}

/// A CSV reader over `input`.
pub struct CsvReader<R: BufRead> {
    input: Bytes<R>,
    separator: u8,
    /// The field last read.
    pub field: Vec<u8>,
    /// What ended it.
    pub end: End,
    /// The line the reader stands on (from 1).
    pub line: usize,
    /// Whether a field was read (the byte-order mark is looked for only
    /// before the first).
    started: bool,
    /// Where warnings name the input: the file's name.
    name: String,
}

const QUOTE: u8 = b'"';
const ROW: u8 = b'\n';

impl<R: BufRead> CsvReader<R> {
    /// A reader of `input`, called `name` in warnings, whose fields are
    /// separated by `separator`.
    pub fn new(input: R, name: &str, separator: u8) -> Self {
        CsvReader {
            input: input.bytes(),
            separator,
            field: Vec::new(),
            end: End::Row,
            line: 1,
            started: false,
            name: name.to_string(),
        }
    }

    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        self.input.next().transpose()
    }

    /// Reads the next field into `field`; `false` at the end of the input
    /// before any byte of a field.
    pub fn read_field(&mut self) -> io::Result<bool> {
        self.field.clear();
        let Some(first) = self.next_byte()? else {
            self.end = End::Input;
            return Ok(false);
        };
        if first == QUOTE {
            self.read_quoted()?;
        } else {
            self.read_plain(first)?;
        }
        self.started = true;
        Ok(true)
    }

    /// A field that started with a quote.
    fn read_quoted(&mut self) -> io::Result<()> {
        let start_line = self.line;
        let (mut pc, mut ppc) = (0u8, 0u8);
        loop {
            let c = self.next_byte()?;
            if c == Some(ROW) {
                self.line += 1;
            }
            if c == Some(QUOTE) && pc == QUOTE {
                pc = 0;
                continue;
            }
            let closes = match c {
                None => pc == QUOTE,
                Some(ROW) => pc == QUOTE || (pc == b'\r' && ppc == QUOTE),
                Some(byte) => byte == self.separator && pc == QUOTE,
            };
            if closes {
                // Drop the closing quote and what followed it.
                while let Some(last) = self.field.pop() {
                    if last == QUOTE {
                        break;
                    }
                }
                self.end = match c {
                    None => End::Input,
                    Some(ROW) => End::Row,
                    Some(_) => End::Column,
                };
                return Ok(());
            }
            if pc == QUOTE && c != Some(b'\r') {
                eprintln!("{}:{}: unescaped \" character", self.name, self.line);
            }
            let Some(c) = c else {
                eprintln!("{}:{}: unterminated \"-quoted field", self.name, start_line);
                self.end = End::Input;
                return Ok(());
            };
            self.field.push(c);
            ppc = pc;
            pc = c;
        }
    }

    /// A field that did not start with a quote, `first` its first byte.
    fn read_plain(&mut self, first: u8) -> io::Result<()> {
        let mut c = Some(first);
        // The byte-order mark, read as `sqlite3` reads it.
        if first == 0xef && !self.started {
            self.field.push(first);
            c = self.next_byte()?;
            if c == Some(0xbb) {
                self.field.push(0xbb);
                c = self.next_byte()?;
                if c == Some(0xbf) {
                    self.started = true;
                    self.field.clear();
                    return match self.next_byte()? {
                        None => self.ended(None),
                        Some(QUOTE) => self.read_quoted(),
                        Some(byte) => self.read_plain(byte),
                    };
                }
            }
        }
        while let Some(byte) = c {
            if byte == self.separator || byte == ROW {
                break;
            }
            self.field.push(byte);
            c = self.next_byte()?;
        }
        self.ended(c)
    }

    /// Ends a plain field at `c`.
    fn ended(&mut self, c: Option<u8>) -> io::Result<()> {
        self.end = match c {
            None => End::Input,
            Some(ROW) => {
                self.line += 1;
                if self.field.last() == Some(&b'\r') {
                    self.field.pop();
                }
                End::Row
            }
            Some(_) => End::Column,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{CsvReader, End};

    fn records(text: &str) -> Vec<Vec<String>> {
        let mut reader = CsvReader::new(text.as_bytes(), "test", b',');
        let mut records = Vec::new();
        let mut record = Vec::new();
        while reader.read_field().unwrap() {
            record.push(String::from_utf8(reader.field.clone()).unwrap());
            if reader.end != End::Column {
                records.push(std::mem::take(&mut record));
            }
        }
        records
    }

    #[test]
    fn quoted_fields_keep_separators_quotes_and_line_breaks() {
        assert_eq!(
            records("a,\"b,c\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\n\u{feff}x\n"),
            [
                vec!["a", "b,c"],
                vec!["say \"hi\"", "two\nlines"],
                vec!["\u{feff}x"],
            ]
        );
        assert_eq!(records("\u{feff}a,b\n"), [vec!["a", "b"]]);
    }
}
