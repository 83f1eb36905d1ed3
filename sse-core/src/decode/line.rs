//! The line layer: splits an event stream into lines and each line into a comment or a
//! field, borrowing from the caller's bytes. No allocation, no copying.
//!
//! It implements the parts of the WHATWG rules that work on bytes: the optional leading BOM,
//! the three line endings (CRLF, lone CR, lone LF; a CRLF split across two inputs is one line
//! ending) and the colon/space rule of [`parse_line`]. Interpreting the fields is the job of
//! the event layer (`Decoder`, with the `alloc` feature).

use crate::find::{SHORT, find_break, find_break_far, find_byte};
use crate::part::part;

use super::limits::{Limits, LineTooLong};
use super::progress::Progress;

/// The UTF-8 byte order mark, skipped once at the very start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `LineDecoder::bom` once the start of the stream has been decided.
const BOM_DONE: u8 = u8::MAX;

/// One parsed line, borrowed from the caller's input.
///
/// ```
/// use ssekit_core::line::{parse_line, Line};
///
/// assert_eq!(parse_line(b"data: hi"), Line::Field { name: b"data", value: b"hi" });
/// assert_eq!(parse_line(b": ping"), Line::Comment(b" ping"));
/// assert_eq!(parse_line(b""), Line::Blank);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// An empty line: dispatch.
    Blank,
    /// A line starting with ':'; the bytes after the colon (nothing stripped).
    Comment(&'a [u8]),
    /// A field: name before the first colon, value after it with ONE leading space removed
    /// (no colon: whole line is the name, value empty).
    Field {
        /// The field name (bytes before the first colon).
        name: &'a [u8],
        /// The field value (after the colon, minus one leading space).
        value: &'a [u8],
    },
}

/// Splits one line (without its line ending) into a [`Line`], by the WHATWG rules: an empty
/// line is [`Line::Blank`]; a line starting with `:` is a comment; otherwise the name is
/// everything before the first `:` and the value everything after it minus one leading
/// space; a line without `:` is a name with an empty value.
///
/// ```
/// use ssekit_core::line::{parse_line, Line};
///
/// assert_eq!(parse_line(b"data:  a"), Line::Field { name: b"data", value: b" a" });
/// assert_eq!(parse_line(b"data"), Line::Field { name: b"data", value: b"" });
/// assert_eq!(parse_line(b"a:b:c"), Line::Field { name: b"a", value: b"b:c" });
/// ```
#[inline]
pub fn parse_line(line: &[u8]) -> Line<'_> {
    if line.is_empty() {
        return Line::Blank;
    }
    let Some(colon) = find_byte(b':', line) else {
        return Line::Field {
            name: line,
            value: &[],
        };
    };
    let name = part(line, ..colon);
    let after = part(line, colon + 1..);
    if colon == 0 {
        return Line::Comment(after);
    }
    let value = after.strip_prefix(b" ").unwrap_or(after);
    Line::Field { name, value }
}

/// What one [`LineDecoder::scan`] found, in *logical* offsets: offset 0 is the first byte the
/// caller retained from earlier calls, and the new bytes start at offset `retained`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// A complete line at `start..end`; the next line starts at `next` (after the line
    /// ending). The caller drops everything before `next`.
    Line {
        start: usize,
        end: usize,
        next: usize,
    },
    /// No complete line: the caller drops `drop` bytes and keeps the rest.
    Partial { drop: usize },
    /// The current line is longer than the maximum: the caller drops `drop` bytes (all the
    /// bytes examined, retained ones included); the decoder discards the rest of the line.
    TooLong { drop: usize },
}

/// An incremental, zero-copy splitter of an event stream into [`Line`]s.
///
/// The caller owns the buffer: it passes its unconsumed bytes, drops as many as
/// [`decode`](Self::decode) says, and calls again with what it kept followed by new bytes.
///
/// ```
/// use ssekit_core::Progress;
/// use ssekit_core::line::{Line, LineDecoder};
///
/// let stream = b"data: a\r\n: hi\r\n\r\n";
/// let mut dec = LineDecoder::new();
/// let mut lines = Vec::new();
/// let mut pos = 0;
/// // The bytes arrive 5 at a time; the caller keeps `stream[pos..arrived]`.
/// for arrived in (5..stream.len()).step_by(5).chain([stream.len()]) {
///     loop {
///         let Progress { consumed, item } = dec.decode(&stream[pos..arrived]);
///         pos += consumed;
///         match item {
///             Some(line) => lines.push(format!("{:?}", line.expect("short lines"))),
///             None => break,
///         }
///     }
/// }
/// assert_eq!(lines.len(), 3);
/// assert_eq!(lines[0], format!("{:?}", Line::Field { name: b"data", value: b"a" }));
/// assert_eq!(lines[1], format!("{:?}", Line::Comment(b" hi")));
/// assert_eq!(lines[2], format!("{:?}", Line::Blank));
/// ```
#[derive(Debug, Clone)]
pub struct LineDecoder {
    /// The longest accepted line, in bytes.
    max: usize,
    /// Bytes of the current line the caller kept from earlier calls (all examined already).
    retained: usize,
    /// BOM bytes matched so far at the start of the stream (0..=2), or `BOM_DONE`.
    bom: u8,
    /// The last line ended with a CR at the end of the input: skip an LF that starts the next.
    skip_lf: bool,
    /// An over-long line is being discarded up to its line ending.
    discarding: bool,
    /// The last line found was longer than the word-at-a-time head of the line-break search:
    /// the next search goes straight to `memchr2` (long lines tend to follow long lines).
    last_line_long: bool,
    /// Bytes examined so far (for the linear-time tests; only counted in their builds).
    #[cfg(any(test, fuzzing))]
    examined: u64,
}

impl Default for LineDecoder {
    /// Same as [`LineDecoder::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl LineDecoder {
    /// A decoder for a new stream, accepting lines of up to
    /// [`Limits::DEFAULT_MAX_LINE_LEN`] bytes.
    pub const fn new() -> Self {
        Self::with_max(Limits::DEFAULT_MAX_LINE_LEN)
    }

    /// Accepts lines of up to `max` bytes (not counting the line ending) instead.
    #[must_use]
    pub const fn with_max_line_len(self, max: usize) -> Self {
        Self { max, ..self }
    }

    /// The longest accepted line, in bytes.
    pub const fn max_line_len(&self) -> usize {
        self.max
    }

    const fn with_max(max: usize) -> Self {
        Self {
            max,
            retained: 0,
            bom: 0,
            skip_lf: false,
            discarding: false,
            last_line_long: false,
            #[cfg(any(test, fuzzing))]
            examined: 0,
        }
    }

    /// Forgets all stream state, for a new stream (a leading BOM is skipped again). Keeps
    /// the maximum line length.
    pub fn reset(&mut self) {
        *self = Self {
            #[cfg(any(test, fuzzing))]
            examined: self.examined,
            ..Self::with_max(self.max)
        };
    }

    /// How many input bytes the decoder has examined, for tests that prove linear time.
    /// Only in tests and fuzzing builds (`cargo fuzz` sets `--cfg fuzzing`): not API.
    #[cfg(any(test, fuzzing))]
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }

    /// Bytes of the current line the caller kept from earlier calls: where the new bytes
    /// start in the logical offsets of [`scan`](Self::scan).
    #[cfg(feature = "alloc")]
    #[inline]
    pub(crate) fn retained(&self) -> usize {
        self.retained
    }

    /// Decodes the next line from `input`, the caller's unconsumed bytes.
    ///
    /// Returns [`Progress`]: the caller drops the first `consumed` bytes of `input` and keeps
    /// the rest for the next call, to which it appends newly received bytes.
    ///
    /// - `item: Some(Ok(line))`: `line` is borrowed from `input[..consumed]`; `consumed`
    ///   includes the line ending (and any bytes skipped before the line).
    /// - `item: None`: no complete line yet. `consumed` counts only bytes that need not be kept
    ///   (a skipped BOM, the LF of a CRLF whose CR ended the previous input, the rest of a
    ///   discarded over-long line). The decoder remembers how far it has scanned the kept
    ///   bytes and never examines them again, so the total work is O(total input) even when
    ///   the input grows one byte at a time.
    ///
    /// Line endings are CRLF, lone CR and lone LF. A CR at the end of `input` ends the line
    /// at once; an LF starting the next input is then skipped (a CRLF split across calls is
    /// one line ending). One leading BOM (`EF BB BF`) is skipped at the very start of the
    /// stream, even when split across calls; a partial BOM followed by other bytes, or a
    /// second BOM, is ordinary content.
    ///
    /// `item: Some(Err(LineTooLong))` when the current line is longer than the maximum
    /// (whether or not its ending has arrived). Then nothing is consumed and the decoder switches to
    /// discarding that line: call `decode` again with the same bytes (plus any new ones); it
    /// consumes the rest of the line up to and including its line ending, without
    /// examining again the bytes already examined, and then goes on normally (possibly
    /// returning the next line in the same call).
    ///
    /// If the caller breaks the contract (passes fewer bytes than it kept), the result is
    /// unspecified, but `decode` never panics.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Progress<Result<Line<'a>, LineTooLong>> {
        if self.retained > input.len() {
            self.retained = input.len();
        }
        let new = part(input, self.retained..);
        match self.scan(new) {
            Scan::Line { start, end, next } => {
                let line = parse_line(part(input, start..end));
                Progress::found(next, Ok(line))
            }
            Scan::Partial { drop } => Progress::partial(drop),
            Scan::TooLong { drop } => {
                // The caller drops nothing this time: treat the examined bytes as kept, so
                // the next call consumes them without examining them again.
                self.retained = drop;
                Progress::found(0, Err(LineTooLong { max: self.max }))
            }
        }
    }

    /// The engine shared by [`decode`](Self::decode) and the event layer: looks for the end of
    /// the current line in `new`, the bytes following the `retained` ones the caller kept.
    #[inline]
    pub(crate) fn scan(&mut self, new: &[u8]) -> Scan {
        let base = self.retained;
        // Index in `new` of the next byte to examine, and logical start of the current line.
        let mut pos = 0;
        let mut start = 0;

        if self.skip_lf && !new.is_empty() {
            // `retained` is 0 here: the previous line ended at the end of the input.
            self.skip_lf = false;
            self.examine(1);
            if new.first() == Some(&b'\n') {
                pos = 1;
                start = base + 1;
            }
        }

        if self.bom != BOM_DONE {
            // Only at the start of the stream; the kept bytes are the BOM prefix seen so far.
            let want = part(BOM, usize::from(self.bom)..);
            let avail = part(new, pos..);
            let n = want.len().min(avail.len());
            self.examine(n as u64);
            if part(avail, ..n) != part(want, ..n) {
                self.bom = BOM_DONE; // Ordinary content, examined again below.
            } else if n == want.len() {
                self.bom = BOM_DONE;
                pos += n;
                start = base + pos;
            } else {
                // A BOM prefix so far: keep it, undecided (at most 2 bytes).
                self.bom = u8::try_from(base + n).unwrap_or(BOM_DONE);
                self.retained = base + n;
                return Scan::Partial { drop: 0 };
            }
        }

        if self.discarding {
            // The rest of a line longer than the maximum: its end is likely far.
            let hay = part(new, pos..);
            match find_break_far(hay) {
                None => {
                    self.examine(hay.len() as u64);
                    self.retained = 0;
                    return Scan::Partial {
                        drop: base + new.len(),
                    };
                }
                Some(i) => {
                    self.examine(i as u64 + 1);
                    self.discarding = false;
                    pos = self.after_line_end(new, pos + i);
                    start = base + pos;
                }
            }
        }

        // Bytes of the current line already examined, and how many more may be looked at
        // before the line is known to be too long.
        let so_far = base + pos - start;
        let budget = self.max.saturating_add(1).saturating_sub(so_far);
        let hay = part(new, pos..new.len().min(pos.saturating_add(budget)));
        let found = if self.last_line_long {
            find_break_far(hay)
        } else {
            find_break(hay)
        };
        match found {
            Some(i) => {
                self.examine(i as u64 + 1);
                self.last_line_long = so_far + i > SHORT;
                let eol = pos + i;
                let next = self.after_line_end(new, eol);
                self.retained = 0;
                Scan::Line {
                    start,
                    end: base + eol,
                    next: base + next,
                }
            }
            None => {
                self.examine(hay.len() as u64);
                let len = so_far + hay.len();
                if len > self.max {
                    self.discarding = true;
                    self.retained = 0;
                    Scan::TooLong {
                        drop: base + pos + hay.len(),
                    }
                } else {
                    self.retained = len;
                    Scan::Partial { drop: start }
                }
            }
        }
    }

    /// Counts `n` bytes examined, in the builds of the linear-time tests (a no-op otherwise:
    /// one memory write less per line).
    #[inline(always)]
    fn examine(&mut self, n: u64) {
        #[cfg(any(test, fuzzing))]
        {
            self.examined += n;
        }
        #[cfg(not(any(test, fuzzing)))]
        let _ = n;
    }

    /// Given the index of a CR or LF in `new`, returns the index just past the line ending,
    /// arming `skip_lf` when a CR is the last byte.
    #[inline]
    fn after_line_end(&mut self, new: &[u8], eol: usize) -> usize {
        if new.get(eol) != Some(&b'\r') {
            return eol + 1;
        }
        match new.get(eol + 1) {
            Some(&b) => {
                self.examine(1);
                if b == b'\n' { eol + 2 } else { eol + 1 }
            }
            None => {
                self.skip_lf = true;
                eol + 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;
    use std::string::String;
    use std::vec::Vec;

    use super::*;

    /// Feeds `input` as it arrives in chunks of `chunk` bytes, keeping unconsumed bytes as
    /// a real caller would (a window over `input`), and renders every result.
    fn run(dec: &mut LineDecoder, input: &[u8], chunk: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut arrived = 0;
        while arrived < input.len() {
            arrived = (arrived + chunk).min(input.len());
            loop {
                let kept = &input[pos..arrived];
                let Progress { consumed, item } = dec.decode(kept);
                assert!(consumed <= kept.len());
                pos += consumed;
                match item {
                    Some(Ok(line)) => out.push(format!("{line:?}")),
                    Some(Err(e)) => out.push(format!("{e:?}")),
                    None => break,
                }
            }
        }
        out
    }

    fn all_chunkings(input: &[u8], max: usize) -> Vec<String> {
        let whole = run(
            &mut LineDecoder::new().with_max_line_len(max),
            input,
            input.len().max(1),
        );
        for chunk in 1..=input.len() {
            let got = run(&mut LineDecoder::new().with_max_line_len(max), input, chunk);
            assert_eq!(got, whole, "chunk size {chunk}");
        }
        whole
    }

    fn field(name: &[u8], value: &[u8]) -> String {
        format!("{:?}", Line::Field { name, value })
    }

    const BLANK: &str = "Blank";

    #[test]
    fn parse_line_rules() {
        assert_eq!(parse_line(b""), Line::Blank);
        assert_eq!(parse_line(b":"), Line::Comment(b""));
        assert_eq!(parse_line(b":: x"), Line::Comment(b": x"));
        assert_eq!(
            parse_line(b"data"),
            Line::Field {
                name: b"data",
                value: b""
            }
        );
        assert_eq!(
            parse_line(b"data:"),
            Line::Field {
                name: b"data",
                value: b""
            }
        );
        assert_eq!(
            parse_line(b"data: "),
            Line::Field {
                name: b"data",
                value: b""
            }
        );
        assert_eq!(
            parse_line(b"data:a"),
            Line::Field {
                name: b"data",
                value: b"a"
            }
        );
        assert_eq!(
            parse_line(b"data:  a"),
            Line::Field {
                name: b"data",
                value: b" a"
            }
        );
        assert_eq!(
            parse_line(b"data :a"),
            Line::Field {
                name: b"data ",
                value: b"a"
            }
        );
    }

    #[test]
    fn line_endings() {
        let got = all_chunkings(b"a:1\rb:2\nc:3\r\n\r\n\n\r", 100);
        let want = [
            field(b"a", b"1"),
            field(b"b", b"2"),
            field(b"c", b"3"),
            BLANK.into(),
            BLANK.into(),
        ];
        assert_eq!(got[..5], want);
        assert_eq!(got.len(), 6); // the final lone CR ends a blank line too
    }

    #[test]
    fn long_and_short_lines_alternate() {
        // Lines around the word-at-a-time head of the search (after a long line, the next
        // search goes straight to memchr), each ending in any of the three line ends.
        let lens = [100, 0, 3, 70, 65, 64, 63, 1, 200, 64, 65, 0];
        let ends: [&[u8]; 3] = [b"\n", b"\r\n", b"\r"];
        let mut input = Vec::new();
        let mut want = Vec::new();
        for (i, &len) in lens.iter().enumerate() {
            let line = std::vec![b'x'; len];
            input.extend_from_slice(&line);
            input.extend_from_slice(ends[i % 3]);
            want.push(format!("{:?}", parse_line(&line)));
        }
        assert_eq!(all_chunkings(&input, 1000), want);
        // Which lines count as long: those past the 64-byte head of the search.
        let mut dec = LineDecoder::new();
        for (len, long) in [(64, false), (65, true), (0, false)] {
            let mut line = std::vec![b'x'; len];
            line.push(b'\n');
            assert!(dec.decode(&line).item.is_some());
            assert_eq!(dec.last_line_long, long, "after a line of {len} bytes");
        }
    }

    #[test]
    fn crlf_split_across_calls_is_one_line_end() {
        let mut dec = LineDecoder::new();
        assert_eq!(dec.decode(b"a\r"), Progress::found(2, Ok(parse_line(b"a"))));
        assert_eq!(dec.decode(b"\n"), Progress::partial(1));
        assert_eq!(dec.decode(b"\n"), Progress::found(1, Ok(Line::Blank)));
        // A CR then something else: the CR was a line end on its own.
        assert_eq!(dec.decode(b"b\r"), Progress::found(2, Ok(parse_line(b"b"))));
        assert_eq!(dec.decode(b"c\n"), Progress::found(2, Ok(parse_line(b"c"))));
    }

    #[test]
    fn bom_skipped_once_even_split() {
        assert_eq!(
            all_chunkings(b"\xEF\xBB\xBFa:1\n", 100),
            [field(b"a", b"1")]
        );
        let mut dec = LineDecoder::new();
        assert_eq!(dec.decode(b"\xEF"), Progress::partial(0));
        assert_eq!(dec.decode(b"\xEF\xBB"), Progress::partial(0));
        assert_eq!(dec.decode(b"\xEF\xBB\xBF"), Progress::partial(3));
        assert_eq!(dec.decode(b"x\n"), Progress::found(2, Ok(parse_line(b"x"))));
        // A second BOM is content.
        let got = all_chunkings(b"\xEF\xBB\xBF\xEF\xBB\xBFa\n", 100);
        assert_eq!(got, [field(b"\xEF\xBB\xBFa", b"")]);
    }

    #[test]
    fn partial_bom_is_content() {
        assert_eq!(
            all_chunkings(b"\xEF\xBBa\n", 100),
            [field(b"\xEF\xBBa", b"")]
        );
        assert_eq!(all_chunkings(b"\xEF\n", 100), [field(b"\xEF", b"")]);
        assert_eq!(
            all_chunkings(b"x\xEF\xBB\xBF\n", 100),
            [field(b"x\xEF\xBB\xBF", b"")]
        );
    }

    #[test]
    fn partial_consumes_only_skippable_bytes() {
        let mut dec = LineDecoder::new();
        assert_eq!(dec.decode(b"data: a"), Progress::partial(0));
        assert_eq!(dec.decode(b"data: ab"), Progress::partial(0));
        assert_eq!(
            dec.decode(b"data: ab\n"),
            Progress::found(9, Ok(parse_line(b"data: ab")))
        );
    }

    #[test]
    fn never_rescans() {
        let mut dec = LineDecoder::new();
        let input = [b'x'; 1000];
        for end in 0..input.len() {
            assert_eq!(dec.decode(&input[..end]), Progress::partial(0));
        }
        assert!(dec.bytes_examined() <= 1000, "{}", dec.bytes_examined());
    }

    #[test]
    fn too_long_line_is_discarded_then_recovers() {
        let input = b"a:12345\nbbbbbbbbbbbb\r\nc:1\n";
        let got = all_chunkings(input, 7);
        let err = format!("{:?}", LineTooLong { max: 7 });
        assert_eq!(got, [field(b"a", b"12345"), err, field(b"c", b"1")]);
        // The exact maximum is accepted.
        assert_eq!(all_chunkings(b"1234567\n", 7), [field(b"1234567", b"")]);
        assert_eq!(all_chunkings(b"12345678\n", 7).len(), 1);
    }

    #[test]
    fn error_consumes_nothing_then_skips() {
        let mut dec = LineDecoder::new().with_max_line_len(3);
        assert_eq!(
            dec.decode(b"abcdef"),
            Progress::found(0, Err(LineTooLong { max: 3 }))
        );
        assert_eq!(dec.decode(b"abcdef"), Progress::partial(6));
        assert_eq!(
            dec.decode(b"gh\rx\n"),
            Progress::found(5, Ok(parse_line(b"x")))
        );
        // A CR ending the discarded line at the end of the input, LF next time.
        assert_eq!(
            dec.decode(b"abcdef\r"),
            Progress::found(0, Err(LineTooLong { max: 3 }))
        );
        assert_eq!(dec.decode(b"abcdef\r"), Progress::partial(7));
        assert_eq!(
            dec.decode(b"\ny\n"),
            Progress::found(3, Ok(parse_line(b"y")))
        );
    }

    #[test]
    fn zero_max_accepts_only_blank_lines() {
        let got = all_chunkings(b"\na\n\n", 0);
        assert_eq!(
            got,
            [
                BLANK.into(),
                format!("{:?}", LineTooLong { max: 0 }),
                BLANK.into()
            ]
        );
    }

    #[test]
    fn contract_violation_does_not_panic() {
        let mut dec = LineDecoder::new();
        assert_eq!(dec.decode(b"abc"), Progress::partial(0));
        assert_eq!(dec.decode(b"a"), Progress::partial(0));
        assert_eq!(dec.decode(b""), Progress::partial(0));
        assert!(dec.decode(b"\n").item.is_some_and(|line| line.is_ok()));
    }

    #[test]
    fn reset_restarts_the_stream() {
        let mut dec = LineDecoder::new();
        assert!(dec.decode(b"\xEF\xBB\xBFa\r").item.is_some());
        dec.reset();
        assert_eq!(
            dec.decode(b"\xEF\xBB\xBF\n"),
            Progress::found(4, Ok(Line::Blank))
        );
    }
}
