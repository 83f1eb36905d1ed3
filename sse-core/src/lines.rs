//! Splitting a value into lines as it is written: the one place where the encoder turns
//! CR, LF and CRLF into one output line per input line.

use crate::sink::Sink;

/// How one kind of line is written: `data` lines and comment lines differ only here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineKind {
    /// Written before the first byte of a non-empty line (`"data: "`, `":"`).
    pub(crate) open: &'static [u8],
    /// Written for an empty line (`"data:\n"`, `":\n"`).
    pub(crate) empty: &'static [u8],
}

pub(crate) const DATA: LineKind = LineKind {
    open: b"data: ",
    empty: b"data:\n",
};

pub(crate) const COMMENT: LineKind = LineKind {
    open: b":",
    empty: b":\n",
};

pub(crate) const EVENT: LineKind = LineKind {
    open: b"event: ",
    empty: b"event:\n",
};

pub(crate) const ID: LineKind = LineKind {
    open: b"id: ",
    empty: b"id:\n",
};

pub(crate) const RETRY: LineKind = LineKind {
    open: b"retry: ",
    empty: b"retry:\n",
};

impl LineKind {
    /// Encoded length of one line of this kind holding `len` bytes (no breaks).
    pub(crate) const fn line_len(self, len: usize) -> usize {
        if len == 0 {
            self.empty.len()
        } else {
            self.open.len() + len + 1
        }
    }

    /// Writes one line of this kind; `value` holds no break.
    #[inline]
    pub(crate) fn write_line<S: Sink>(self, value: &[u8], sink: &mut S) {
        if value.is_empty() {
            sink.put(self.empty);
        } else {
            sink.put(self.open);
            sink.put(value);
            sink.put(b"\n");
        }
    }
}

/// Writes a value, possibly arriving in pieces (JSON output), as lines of one [`LineKind`].
///
/// A CR at the end of one piece followed by an LF at the start of the next is one line
/// break. Empty lines are written as [`LineKind::empty`], so a value that ends with a break
/// ends with an empty line, and an empty value is one empty line.
#[derive(Debug)]
pub(crate) struct LineSplitter {
    kind: LineKind,
    /// `kind.open` has been written for the current line.
    line_open: bool,
    /// The last piece ended with CR: an LF starting the next piece belongs to it.
    after_cr: bool,
}

impl LineSplitter {
    pub(crate) fn new(kind: LineKind) -> Self {
        LineSplitter {
            kind,
            line_open: false,
            after_cr: false,
        }
    }

    /// Writes one piece of the value.
    pub(crate) fn write<S: Sink>(&mut self, mut piece: &[u8], sink: &mut S) {
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = piece.strip_prefix(b"\n") {
                piece = rest;
            }
        }
        while let Some(i) = crate::find::find_break(piece) {
            let (line, rest) = piece.split_at(i);
            self.content(line, sink);
            self.end_line(sink);
            // `rest` starts with the break itself.
            piece = match rest {
                [b'\r', b'\n', tail @ ..] => tail,
                [b'\r'] => {
                    self.after_cr = true;
                    &[]
                }
                [_, tail @ ..] => tail,
                [] => &[],
            };
        }
        self.content(piece, sink);
    }

    /// Ends the value: closes the last line (an empty one if nothing followed the last break).
    pub(crate) fn finish<S: Sink>(mut self, sink: &mut S) {
        self.end_line(sink);
    }

    fn content<S: Sink>(&mut self, bytes: &[u8], sink: &mut S) {
        if bytes.is_empty() {
            return;
        }
        if !self.line_open {
            sink.put(self.kind.open);
            self.line_open = true;
        }
        sink.put(bytes);
    }

    fn end_line<S: Sink>(&mut self, sink: &mut S) {
        if self.line_open {
            sink.put(b"\n");
            self.line_open = false;
        } else {
            sink.put(self.kind.empty);
        }
    }
}

/// Writes a whole value of one kind: one pass over `value`.
pub(crate) fn write_lines<S: Sink>(kind: LineKind, value: &[u8], sink: &mut S) {
    let mut splitter = LineSplitter::new(kind);
    splitter.write(value, sink);
    splitter.finish(sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::SliceSink;

    fn split(kind: LineKind, pieces: &[&[u8]]) -> ([u8; 128], usize) {
        let mut buf = [0u8; 128];
        let mut sink = SliceSink::new(&mut buf);
        let mut s = LineSplitter::new(kind);
        for p in pieces {
            s.write(p, &mut sink);
        }
        s.finish(&mut sink);
        let n = sink.len();
        (buf, n)
    }

    fn check(kind: LineKind, pieces: &[&[u8]], want: &[u8]) {
        let (buf, n) = split(kind, pieces);
        assert_eq!(&buf[..n], want, "pieces {pieces:?}");
    }

    #[test]
    fn every_kind_of_break_makes_a_line() {
        check(
            DATA,
            &[b"a\nb\rc\r\nd"],
            b"data: a\ndata: b\ndata: c\ndata: d\n",
        );
    }

    #[test]
    fn empty_value_and_empty_lines() {
        check(DATA, &[b""], b"data:\n");
        check(DATA, &[b"a\n"], b"data: a\ndata:\n");
        check(DATA, &[b"\n\n"], b"data:\ndata:\ndata:\n");
        check(DATA, &[b"\r\r\n"], b"data:\ndata:\ndata:\n");
        check(COMMENT, &[b""], b":\n");
        check(COMMENT, &[b" x\ny"], b": x\n:y\n");
    }

    #[test]
    fn crlf_split_across_pieces_is_one_break() {
        check(DATA, &[b"a\r", b"\nb"], b"data: a\ndata: b\n");
        check(DATA, &[b"a\r", b"", b"b"], b"data: a\ndata: b\n");
        check(DATA, &[b"a\r", b"\r"], b"data: a\ndata:\ndata:\n");
        check(DATA, &[b"a", b"b", b"\r", b"\n"], b"data: ab\ndata:\n");
    }
}
