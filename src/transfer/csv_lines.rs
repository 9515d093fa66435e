//! Physical line numbers for CSV records, for the importer's `FILE:LINE` messages.
//!
//! The csv crate's `Position::line` counts the `\n` bytes consumed when a record begins. With
//! `\r\n` endings (Excel, Python's `csv` module) it ends a record at the `\r` and consumes the
//! `\n` only with the next one, so every record of such a file is reported a line early. Its
//! byte offsets are exact, though: a record starts at the first byte at or after its offset
//! that is not a line terminator (the reader skips blank lines). [`LineCounting`] reads the
//! file through and notes where each line's first such byte is, so an offset gives the line.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

/// Where lines begin their content, for the offsets still to be asked about.
#[derive(Debug)]
pub struct LineIndex {
    /// `(offset of the line's first byte that is not `\r` or `\n`, line number)`, in file
    /// order; entries before the last asked-about offset are dropped, so this holds about one
    /// read buffer's worth.
    starts: VecDeque<(u64, u64)>,
    offset: u64,
    line: u64,
    line_noted: bool,
}

impl Default for LineIndex {
    fn default() -> Self {
        Self {
            starts: VecDeque::new(),
            offset: 0,
            line: 1,
            line_noted: false,
        }
    }
}

impl LineIndex {
    fn scan(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match byte {
                b'\n' => {
                    self.line += 1;
                    self.line_noted = false;
                }
                b'\r' => {}
                _ if !self.line_noted => {
                    self.starts.push_back((self.offset, self.line));
                    self.line_noted = true;
                }
                _ => {}
            }
            self.offset += 1;
        }
    }

    /// The line on which the record the csv crate placed at `offset` starts. Offsets must be
    /// asked about in increasing order, as records come.
    pub fn line_of(&mut self, offset: u64) -> u64 {
        while self.starts.front().is_some_and(|&(at, _)| at < offset) {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |&(_, line)| line)
    }
}

/// A reader that fills a shared [`LineIndex`] as the csv reader pulls bytes through it.
#[derive(Debug)]
pub struct LineCounting<R> {
    inner: R,
    index: Arc<Mutex<LineIndex>>,
}

impl<R> LineCounting<R> {
    pub fn new(inner: R) -> (Self, Arc<Mutex<LineIndex>>) {
        let index = Arc::new(Mutex::new(LineIndex::default()));
        let reader = Self {
            inner,
            index: Arc::clone(&index),
        };
        (reader, index)
    }
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.index
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .scan(&buf[..n]);
        Ok(n)
    }
}

/// The line of the record at this csv position (0 where the crate gave none).
pub fn line_of(index: &Mutex<LineIndex>, position: Option<&csv::Position>) -> u64 {
    position.map_or(0, |p| {
        index
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .line_of(p.byte())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line each record of `text` starts on, as the importer reports it.
    fn record_lines(text: &str) -> Vec<u64> {
        let (reader, index) = LineCounting::new(text.as_bytes());
        let mut csv = csv::ReaderBuilder::new().from_reader(reader);
        csv.records()
            .map(|record| line_of(&index, record.unwrap().position()))
            .collect()
    }

    #[test]
    fn records_start_on_their_physical_line_whatever_the_line_endings() {
        let lf = "name,city\nA,Oslo\n\nB,\"Two\nline\ncell\"\nC,Paris\n";
        assert_eq!(record_lines(lf), [2, 4, 7]);
        assert_eq!(record_lines(&lf.replace('\n', "\r\n")), [2, 4, 7]);
        // No final line ending, and a quoted cell holding CRLF and blank lines.
        assert_eq!(record_lines("name\r\n\"a\r\n\r\nb\"\r\nc"), [2, 5]);
    }

    #[test]
    fn the_crate_alone_counts_crlf_records_a_line_early() {
        // Why this module exists: if this starts to pass with the crate's own count, the
        // index can go.
        let mut csv = csv::ReaderBuilder::new().from_reader("name\r\nA\r\nB\r\n".as_bytes());
        let lines: Vec<u64> = csv
            .records()
            .map(|r| r.unwrap().position().map_or(0, csv::Position::line))
            .collect();
        assert_eq!(lines, [1, 2]);
    }
}
