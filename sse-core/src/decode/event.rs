//! The event layer: turns the lines of an event stream into dispatched events, following
//! the WHATWG rules for interpreting an event stream.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::feed::{Items, ItemsRef};
use super::limits::{DecodeError, Limit, Limits};
use super::line::{Line, LineDecoder, Scan, parse_line};
use super::message::{
    DEFAULT_TYPE, Decoded, DecodedRef, MessageEvent, MessageEventRef, push_lossy,
};
use super::progress::Progress;
use super::utf8_pieces::Utf8Pieces;
use crate::part::part;
use crate::utf8::utf8;

/// Data at least this long is handed over in the decoder's own buffer instead of copied.
const TAKE_DATA_AT: usize = 4096;

/// A piece of a data line that spans inputs at least this long is decoded as text as it
/// arrives (the event's data is then assembled as a `String`; see `Decoder::data_text`).
const TEXT_AT: usize = 1024;

/// What one step of the decoder found, before it is handed out owned ([`Decoded`]) or
/// borrowed ([`DecodedRef`]). What it is about is in the decoder: an event and a comment in
/// its buffers, a retry time in `reconnection`, an error in `error`. (One byte: a step's
/// result comes back in registers.)
#[derive(Clone, Copy)]
pub(super) enum Found {
    Event,
    /// An event whose data was decoded as it arrived: it is in `data_text`.
    TextEvent,
    Retry,
    Comment,
    Error,
}

/// The outcome of one step: nothing yet, or something found.
pub(super) type Step = Option<Found>;

/// An incremental decoder of an event stream into [`Decoded`] items.
///
/// Feed it the bytes in any chunks, as they arrive; it keeps what it needs. Complete lines
/// are processed straight from the input; only a trailing partial line is copied: a `data`
/// line's value into the data buffer, where the rest of the line joins it as it arrives (a
/// long data line spanning chunks is copied once; when it arrives in pieces of 1 KiB or
/// more, they are decoded as UTF-8 as they arrive, and the event is handed over as the
/// `String` they were decoded into, without a second pass), any other line into a buffer
/// bounded by [`Limits::max_line_len`]. Its buffers are reused from event to event,
/// so after warm-up an event costs at most one allocation (the [`MessageEvent`]'s, none
/// for one of up to 56 bytes of text) through [`feed`](Self::feed) or
/// [`decode`](Self::decode), and none through
/// [`feed_ref`](Self::feed_ref) or [`decode_ref`](Self::decode_ref).
///
/// ```
/// use std::time::Duration;
/// use ssekit_core::{Decoded, Decoder};
///
/// let chunks: [&[u8]; 3] = [b"retry: 3000\nid: 4", b"2\r\ndata: a\r", b"\ndata: b\n\n"];
/// let mut decoder = Decoder::new();
/// let mut items = Vec::new();
/// for chunk in chunks {
///     for item in decoder.feed(chunk) {
///         items.push(item.expect("within limits"));
///     }
/// }
/// assert_eq!(items.len(), 2);
/// assert_eq!(items[0], Decoded::Retry(Duration::from_millis(3000)));
/// let Decoded::Event(event) = &items[1] else { panic!("an event") };
/// assert_eq!((event.event_type(), event.data(), event.last_event_id()), ("message", "a\nb", "42"));
/// assert_eq!(decoder.last_event_id(), "42");
/// assert!(!decoder.finish());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    /// The line layer.
    lines: LineDecoder,
    /// The bytes of the current line that arrived in earlier inputs (unless `data_line`).
    partial: Vec<u8>,
    /// The current line is a `data` field that arrived in earlier inputs: its value so far
    /// is at the end of the event's data already (in `data`, or in text mode decoded into
    /// `data_text`), and `partial` is empty.
    data_line: bool,
    /// The data buffer, as raw bytes: decoded as UTF-8 once, when the event is dispatched
    /// (in text mode, the raw rest of the data after `data_text`).
    data: Vec<u8>,
    /// The event type buffer (raw bytes).
    event_type: Vec<u8>,
    /// The last event ID buffer (raw bytes), when an `id` field set it since the last
    /// dispatch (otherwise the buffer equals `last_id`).
    id_buf: Vec<u8>,
    /// `id_buf` holds an `id` field's value not yet dispatched.
    id_set: bool,
    /// The last event ID as of the last dispatch.
    last_id: String,
    /// The last accepted `retry` value.
    reconnection: Option<Duration>,
    /// The limits in force.
    limits: Limits,
    /// Yield comments.
    comments: bool,
    /// The error of the last step that found [`Found::Error`].
    error: DecodeError,
    /// After a limit error: ignore lines up to the next blank line.
    skipping: bool,
    /// A `data`, `event` or `id` field was seen since the last dispatch.
    pending: bool,
    /// `data` and `event_type` hold a dispatched event, to clear before the next step.
    dispatched: bool,
    /// The dispatched event set a new last event ID (from `id_buf`), not yet applied.
    new_id: bool,
    /// The text of the comment found last (raw bytes).
    comment: Vec<u8>,
    /// Where the text of `data` and `comment` is lent from when they are not valid UTF-8
    /// (lossily decoded); valid text is lent straight from those buffers.
    ///
    /// Also the data of an event in text mode: once a long piece of a data line arrives
    /// (`TEXT_AT`), the data so far and that piece are decoded into `data_text`, and each
    /// later long piece is decoded into it as it arrives (checked while it is fresh in the
    /// cache, copied once, and handed over as a `String` without another check). The
    /// event's data is then `data_text` followed by what `data` holds (short pieces, kept
    /// raw until the next long piece or the dispatch).
    data_text: String,
    comment_text: String,
    /// Text mode: how many raw bytes of the event's data were decoded into `data_text` (0
    /// when not in text mode; the event-size limit counts them).
    text_raw: usize,
    /// A character cut at the end of the last piece decoded into `data_text`.
    text_cut: Utf8Pieces,
    /// The room the last owned text-mode event took: what `data_text` reserves when text
    /// mode starts again (reserved then, not when the event is handed over, so that the
    /// allocation can reuse the memory of that event, usually dropped by then).
    text_room: usize,
    /// The event type lent last, as text (kept: the next event's is usually the same).
    type_text: String,
}

impl Default for Decoder {
    /// Same as [`Decoder::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder for a new stream with the default [`Limits`], skipping comments.
    pub fn new() -> Self {
        let limits = Limits::default();
        Self {
            lines: LineDecoder::new().with_max_line_len(limits.max_line_len()),
            partial: Vec::new(),
            data_line: false,
            data: Vec::new(),
            event_type: Vec::new(),
            id_buf: Vec::new(),
            id_set: false,
            last_id: String::new(),
            reconnection: None,
            limits,
            comments: false,
            error: DecodeError::LimitExceeded {
                limit: Limit::LineLength,
                max: 0,
            },
            skipping: false,
            pending: false,
            dispatched: false,
            new_id: false,
            comment: Vec::new(),
            data_text: String::new(),
            type_text: String::new(),
            comment_text: String::new(),
            text_raw: 0,
            text_cut: Utf8Pieces::default(),
            text_room: 0,
        }
    }

    /// Uses these limits instead of the default ones.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self.lines = self.lines.with_max_line_len(limits.max_line_len());
        self
    }

    /// Also yields comments as [`Decoded::Comment`] when `yes` (off by default).
    #[must_use]
    pub fn with_comments(mut self, yes: bool) -> Self {
        self.comments = yes;
        self
    }

    /// Seeds the last event ID, when resuming a stream after a reconnection. An id
    /// containing NUL is ignored, as it would be in a stream.
    #[must_use]
    pub fn with_last_event_id(mut self, id: &str) -> Self {
        if !id.contains('\0') {
            id.clone_into(&mut self.last_id);
            self.id_set = false;
        }
        self
    }

    /// The last event ID as of the last dispatch (`""` when none): what to send as
    /// `Last-Event-ID` when reconnecting. Set even by a dispatch that yields no event.
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// The reconnection time from the last accepted `retry` field, if any.
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.reconnection
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether comments are yielded.
    pub fn yields_comments(&self) -> bool {
        self.comments
    }

    /// How many input bytes the line layer has examined, for tests that prove linear time.
    /// Only in tests and fuzzing builds (`cargo fuzz` sets `--cfg fuzzing`): not API.
    #[cfg(any(test, fuzzing))]
    pub fn bytes_examined(&self) -> u64 {
        self.lines.bytes_examined()
    }

    /// Decodes a chunk: an iterator of the items it completes, owned. The usual way to
    /// decode: call it for each chunk as it arrives, in any chunking.
    ///
    /// ```
    /// use ssekit_core::{Decoded, Decoder};
    ///
    /// let mut decoder = Decoder::new().with_comments(true);
    /// let mut items = Vec::new();
    /// for chunk in [&b": hi\nevent: gre"[..], b"et\ndata: hello\n\n"] {
    ///     items.extend(decoder.feed(chunk));
    /// }
    /// assert_eq!(items[0], Ok(Decoded::Comment(" hi".into())));
    /// let Ok(Decoded::Event(event)) = &items[1] else { panic!("an event") };
    /// assert_eq!((event.event_type(), event.data()), ("greet", "hello"));
    /// ```
    ///
    /// An item `Err(DecodeError::LimitExceeded { .. })` means a line or the event being
    /// assembled exceeded the [`Limits`]: the event is discarded (its `id` fields do not
    /// count), the rest of an over-long line is skipped, and every line up to the next
    /// blank line is ignored (one error per discarded event); then decoding goes on
    /// normally.
    ///
    /// The iterator consumes the chunk as it goes: bytes after the last item taken are not
    /// decoded if it is dropped early ([`Items::remainder`] returns them).
    #[inline]
    pub fn feed<'d, 'i>(&'d mut self, chunk: &'i [u8]) -> Items<'d, 'i> {
        Items::new(self, chunk)
    }

    /// Decodes a chunk, lending each item from the decoder's buffers: no allocation per
    /// event. Items are lent one at a time, so this is a `while let` loop rather than a
    /// `for` loop (a `for` loop's items cannot borrow from the iterator).
    ///
    /// ```
    /// use ssekit_core::{DecodedRef, Decoder};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut total = 0;
    /// for chunk in [&b"event: tick\ndata: 1"[..], b"2\n\ndata: 3\n\n"] {
    ///     let mut items = decoder.feed_ref(chunk);
    ///     while let Some(item) = items.next() {
    ///         if let Ok(DecodedRef::Event(event)) = item {
    ///             total += event.data().parse::<u32>().unwrap_or(0);
    ///         }
    ///     }
    /// }
    /// assert_eq!(total, 15);
    /// ```
    #[inline]
    pub fn feed_ref<'d, 'i>(&'d mut self, chunk: &'i [u8]) -> ItemsRef<'d, 'i> {
        ItemsRef::new(self, chunk)
    }

    /// The step under [`feed`](Self::feed): decodes from `input` up to the first item, and
    /// says how far it got. Always makes progress when `input` is non-empty (`consumed > 0`
    /// or an item). A partial line at the end of `input` is copied into an internal buffer
    /// (bounded by the line limit) and counted as consumed. For callers that manage their
    /// own buffer position.
    ///
    /// ```
    /// use ssekit_core::{Decoded, Decoder, Progress};
    ///
    /// let mut decoder = Decoder::new();
    /// let mut input: &[u8] = b"data: a\n\ndata: b\n\n";
    /// let mut data = Vec::new();
    /// while !input.is_empty() {
    ///     let Progress { consumed, item } = decoder.decode(input);
    ///     input = &input[consumed..];
    ///     if let Some(Ok(Decoded::Event(event))) = item {
    ///         data.push(event.data().to_owned());
    ///     }
    /// }
    /// assert_eq!(data, ["a", "b"]);
    /// ```
    ///
    /// Bytes are decoded as UTF-8 once, invalid sequences becoming U+FFFD. Errors
    /// are as for [`feed`](Self::feed).
    pub fn decode(&mut self, input: &[u8]) -> Progress<Result<Decoded, DecodeError>> {
        let (consumed, found) = self.step(input);
        let Some(found) = found else {
            return Progress::partial(consumed);
        };
        Progress::found(consumed, self.take_found(found))
    }

    /// The found item, owned.
    #[inline(always)]
    pub(super) fn take_found(&mut self, found: Found) -> Result<Decoded, DecodeError> {
        match found {
            Found::Event => self.take_event().map(Decoded::Event),
            Found::TextEvent => self.take_text_event().map(Decoded::Event),
            Found::Retry => Ok(Decoded::Retry(self.reconnection.unwrap_or_default())),
            Found::Comment => Ok(Decoded::Comment(
                String::from_utf8_lossy(&self.comment).into_owned(),
            )),
            Found::Error => Err(self.error),
        }
    }

    /// Like [`decode`](Self::decode), but the item borrows from the decoder instead of
    /// owning its text, as with [`feed_ref`](Self::feed_ref). The item lives until the next
    /// call (the borrow checker sees to it).
    pub fn decode_ref(&mut self, input: &[u8]) -> Progress<Result<DecodedRef<'_>, DecodeError>> {
        let (consumed, found) = self.step(input);
        match found {
            None => Progress::partial(consumed),
            Some(found) => Progress::found(consumed, self.borrow_found(found)),
        }
    }

    /// The found item, borrowed: each buffer is checked as UTF-8 once and lent as text as it
    /// is (only invalid input is rewritten, lossily, into a spare buffer); an event of text
    /// mode is lent from the text its data was decoded into.
    #[inline(always)]
    pub(super) fn borrow_found(&mut self, found: Found) -> Result<DecodedRef<'_>, DecodeError> {
        match found {
            Found::Error => Err(self.error),
            Found::Retry => Ok(DecodedRef::Retry(self.reconnection.unwrap_or_default())),
            Found::Comment => Ok(DecodedRef::Comment(
                lend_text(&self.comment, &mut self.comment_text).0,
            )),
            Found::Event | Found::TextEvent => {
                let (data, data_rewritten) = match found {
                    // Checked as it arrived; its size is checked again as text (it may hold
                    // U+FFFD).
                    Found::TextEvent => (self.data_text.as_str(), true),
                    _ => lend_text(&self.data, &mut self.data_text),
                };
                let new_id = core::mem::take(&mut self.new_id);
                let (event_type, type_rewritten) = if self.event_type == self.type_text.as_bytes() {
                    // The same type as the event lent last (streams rarely change it): it is
                    // valid text already.
                    (self.type_text.as_str(), false)
                } else {
                    copy_text(&self.event_type, &mut self.type_text)
                };
                let max = self.limits.max_event_size();
                if (data_rewritten || type_rewritten) && data.len() + event_type.len() > max {
                    // Discarded: its id does not become the last event ID (the buffers are
                    // cleared at the next step, as after any dispatch).
                    return Err(DecodeError::LimitExceeded {
                        limit: Limit::EventSize,
                        max,
                    });
                }
                if new_id {
                    self.last_id.clear();
                    push_lossy(&mut self.last_id, &self.id_buf);
                }
                Ok(DecodedRef::Event(MessageEventRef::new(
                    event_type,
                    data,
                    &self.last_id,
                )))
            }
        }
    }

    /// Feeds `input` until something is found; see [`decode`](Self::decode).
    pub(super) fn step(&mut self, input: &[u8]) -> (usize, Step) {
        self.clear_dispatched();
        let mut consumed = 0;
        while consumed < input.len() {
            let rest = part(input, consumed..);
            let kept = self.lines.retained();
            match self.lines.scan(rest) {
                Scan::Line { start, end, next } => {
                    consumed += next.saturating_sub(kept);
                    let item = if self.data_line {
                        // The value so far is in the data already: append the rest of it.
                        self.data_line = false;
                        self.data_line_end(part(rest, ..end.saturating_sub(kept)))
                    } else if kept == 0 {
                        self.line(part(rest, start..end))
                    } else {
                        // Complete the kept line with just the bytes up to its end.
                        let mut line = core::mem::take(&mut self.partial);
                        debug_assert!(end >= kept, "a kept line ends in the new bytes");
                        line.extend_from_slice(part(rest, ..end.saturating_sub(kept)));
                        let item = self.line(part(&line, start..));
                        line.clear();
                        self.partial = line;
                        item
                    };
                    if item.is_some() {
                        return (consumed, item);
                    }
                }
                Scan::Partial { drop } => {
                    if self.data_line {
                        // A data line's start never moves (`drop` is 0): more of its value.
                        self.data_piece(rest);
                    } else if kept == 0 {
                        // The line starts in this input: a data value goes straight to the
                        // data buffer, anything else is kept.
                        let line = part(rest, drop..);
                        if !self.start_data_line(line) {
                            self.partial.extend_from_slice(line);
                        }
                    } else {
                        if drop <= kept {
                            if drop > 0 {
                                self.partial.drain(..drop);
                            }
                            self.partial.extend_from_slice(rest);
                        } else {
                            self.partial.clear();
                            self.partial.extend_from_slice(part(rest, drop - kept..));
                        }
                        let mut line = core::mem::take(&mut self.partial);
                        if self.start_data_line(&line) {
                            line.clear();
                        }
                        self.partial = line;
                    }
                    return (input.len(), None);
                }
                Scan::TooLong { drop } => {
                    consumed += drop.saturating_sub(kept);
                    self.data_line = false;
                    self.partial.clear();
                    let max = self.limits.max_line_len();
                    return (consumed, self.limit_exceeded(Limit::LineLength, max));
                }
            }
        }
        (consumed, None)
    }

    /// Starts a line not complete yet that is known to be a `data` field (its name, colon
    /// and the byte after the colon have arrived): its value so far goes into the event's
    /// data, and the rest of the line follows it there as it arrives. So a long data line
    /// spanning inputs is copied once (but for short pieces kept raw before text mode
    /// starts, decoded onto the text when it does). Returns false (and does nothing) for any
    /// other line, which the caller keeps in `partial`.
    fn start_data_line(&mut self, line: &[u8]) -> bool {
        // Only once the optional space after the colon is decided (one more byte arrived).
        let Some(after) = line.strip_prefix(b"data:") else {
            return false;
        };
        if self.skipping || after.is_empty() {
            return false;
        }
        let value = after.strip_prefix(b" ").unwrap_or(after);
        self.pending = true;
        self.data_piece(value);
        self.data_line = true;
        true
    }

    /// Appends a piece of a data line that spans inputs (not its end) to the event's data:
    /// raw when short, decoded as text when long.
    #[inline]
    fn data_piece(&mut self, piece: &[u8]) {
        if piece.len() < TEXT_AT {
            self.data.extend_from_slice(piece);
        } else {
            self.text_piece(piece);
        }
    }

    /// Appends the last piece of a data line that spans inputs, and the LF after it.
    #[inline]
    fn data_line_end(&mut self, piece: &[u8]) -> Step {
        if piece.len() < TEXT_AT {
            self.data_value(piece)
        } else {
            self.text_piece(piece);
            self.data_value(&[])
        }
    }

    /// Text mode (see `data_text`): decodes the raw data kept so far, then `piece`, onto the
    /// end of the event's text.
    #[inline(never)]
    fn text_piece(&mut self, piece: &[u8]) {
        if self.text_raw == 0 {
            self.data_text.clear();
            self.data_text.reserve(self.text_room);
        }
        self.text_raw += self.data.len() + piece.len();
        self.text_cut.push(&mut self.data_text, &self.data);
        self.data.clear();
        self.text_cut.push(&mut self.data_text, piece);
    }

    /// Appends one `data` field's value (and the LF after it) to the data buffer.
    #[inline]
    fn data_value(&mut self, value: &[u8]) -> Step {
        self.pending = true;
        self.data.extend_from_slice(value);
        self.data.push(b'\n');
        self.check_event_size()
    }

    /// End of stream: discards any undispatched event and partial line. Returns true if
    /// something was discarded (a partial line, or a `data`, `event` or `id` field not
    /// followed by a blank line).
    ///
    /// The decoder is then ready for a new stream (a reconnection): a leading BOM is skipped
    /// again; the last event ID and the reconnection time are kept.
    pub fn finish(&mut self) -> bool {
        let discarded = self.pending || !self.partial.is_empty() || self.data_line;
        self.lines.reset();
        self.partial.clear();
        self.discard_event();
        self.skipping = false;
        self.new_id = false;
        discarded
    }

    /// Forgets the event a step dispatched, once it has been handed out.
    #[inline]
    fn clear_dispatched(&mut self) {
        if self.dispatched {
            self.dispatched = false;
            self.data.clear();
            self.event_type.clear();
        }
    }

    /// Clears the event being assembled, including what its `id` fields did.
    fn discard_event(&mut self) {
        self.data_line = false;
        self.data.clear();
        self.text_raw = 0;
        self.text_cut.clear();
        self.event_type.clear();
        self.id_set = false;
        self.pending = false;
    }

    /// Discards the current event and skips to the next blank line; reports the error
    /// unless already skipping.
    fn limit_exceeded(&mut self, limit: Limit, max: usize) -> Step {
        self.discard_event();
        if self.skipping {
            return None;
        }
        self.skipping = true;
        self.error = DecodeError::LimitExceeded { limit, max };
        Some(Found::Error)
    }

    /// Processes one complete line (without its line ending).
    #[inline(always)]
    fn line(&mut self, line: &[u8]) -> Step {
        if self.skipping {
            self.skipping = !line.is_empty();
            return None;
        }
        match parse_line(line) {
            Line::Blank => self.dispatch(),
            Line::Comment(text) => {
                if !self.comments {
                    return None;
                }
                self.comment.clear();
                self.comment.extend_from_slice(text);
                Some(Found::Comment)
            }
            Line::Field { name, value } => self.field(name, value),
        }
    }

    /// Processes one field.
    #[inline(always)]
    fn field(&mut self, name: &[u8], value: &[u8]) -> Step {
        // Slice patterns: a length check and byte compares, no `memcmp` call.
        match name {
            [b'd', b'a', b't', b'a'] => self.data_value(value),
            [b'e', b'v', b'e', b'n', b't'] => {
                self.pending = true;
                self.event_type.clear();
                self.event_type.extend_from_slice(value);
                self.check_event_size()
            }
            [b'i', b'd'] => {
                if crate::find::find_byte(0, value).is_none() {
                    self.pending = true;
                    self.id_set = true;
                    self.id_buf.clear();
                    self.id_buf.extend_from_slice(value);
                }
                None
            }
            [b'r', b'e', b't', b'r', b'y'] => {
                let time = Duration::from_millis(parse_retry(value)?);
                self.reconnection = Some(time);
                Some(Found::Retry)
            }
            _ => None,
        }
    }

    /// Reports and discards an event larger than the limit (its raw bytes counted).
    #[inline]
    fn check_event_size(&mut self) -> Step {
        let max = self.limits.max_event_size();
        if self.text_raw + self.data.len() + self.event_type.len() > max {
            return self.limit_exceeded(Limit::EventSize, max);
        }
        None
    }

    /// Dispatches the event (on a blank line): the last event ID is set, and an event with
    /// data is left in the buffers (trailing LF removed) for the caller of the step.
    fn dispatch(&mut self) -> Step {
        self.pending = false;
        let id_set = core::mem::take(&mut self.id_set);
        if self.data.is_empty() && self.text_raw == 0 {
            if id_set {
                self.last_id.clear();
                push_lossy(&mut self.last_id, &self.id_buf);
            }
            self.event_type.clear();
            return None;
        }
        if self.data.last() == Some(&b'\n') {
            self.data.pop();
        }
        self.dispatched = true;
        self.new_id = id_set;
        if self.text_raw != 0 {
            return Some(self.end_text());
        }
        Some(Found::Event)
    }

    /// Text mode, at the dispatch: the rest of the data decoded onto the text, which is now
    /// the event's whole data.
    #[cold]
    fn end_text(&mut self) -> Found {
        self.text_raw = 0;
        self.text_cut.push(&mut self.data_text, &self.data);
        self.text_cut.finish(&mut self.data_text);
        self.data.clear();
        Found::TextEvent
    }

    /// The dispatched event, owned: at most one allocation (a copy of small data, inline
    /// when short, or the data buffer itself when large).
    fn take_event(&mut self) -> Result<MessageEvent, DecodeError> {
        let new_id = core::mem::take(&mut self.new_id);
        let id = event_id(new_id, &self.id_buf, &self.last_id);
        let event = if self.data.len() < TAKE_DATA_AT {
            MessageEvent::from_raw(&self.event_type, &self.data, id)
        } else {
            // Large data is not copied: the event keeps this buffer, the decoder gets a new
            // one as large (still one allocation per event).
            let next = Vec::with_capacity(self.event_room(self.data.len(), id.len()));
            MessageEvent::around_data(
                core::mem::replace(&mut self.data, next),
                &self.event_type,
                id,
            )
        };
        self.check_taken(event, new_id)
    }

    /// The dispatched event of text mode, owned: it keeps `data_text`; the decoder makes a
    /// new one as large when text mode starts again (one allocation per event).
    fn take_text_event(&mut self) -> Result<MessageEvent, DecodeError> {
        let new_id = core::mem::take(&mut self.new_id);
        let id = event_id(new_id, &self.id_buf, &self.last_id);
        self.text_room = self.event_room(self.data_text.len(), id.len());
        let text = core::mem::take(&mut self.data_text);
        let event = MessageEvent::around_text(text, &self.event_type, id);
        self.check_taken(event, new_id)
    }

    /// The room an owned event with this much data and id takes (its type is in
    /// `event_type`).
    #[inline]
    fn event_room(&self, data_len: usize, id_len: usize) -> usize {
        data_len + self.event_type.len().max(DEFAULT_TYPE.len()) + id_len
    }

    /// The owned event of the dispatch, if within the size limit as text, which then also
    /// sets the last event ID (when `new_id`).
    #[inline(always)]
    fn check_taken(
        &mut self,
        event: MessageEvent,
        new_id: bool,
    ) -> Result<MessageEvent, DecodeError> {
        // The limit holds for the decoded text too: U+FFFD takes 3 bytes where an invalid
        // byte took 1 (only lossy decoding can make the event grow past the raw check).
        let (data_len, mut type_len) = event.data_and_type_len();
        if self.event_type.is_empty() {
            type_len = 0; // "message", put in by the decoder, is not counted
        }
        self.clear_dispatched();
        let max = self.limits.max_event_size();
        if data_len + type_len > max {
            // Discarded: its id does not become the last event ID.
            return Err(DecodeError::LimitExceeded {
                limit: Limit::EventSize,
                max,
            });
        }
        if new_id {
            self.last_id.clear();
            self.last_id.push_str(event.last_event_id());
        }
        Ok(event)
    }
}

/// The last event ID of an owned event: the raw `id` field's value when the event set a
/// new one (checked as UTF-8 with the event, then copied back as the last event ID), else
/// the last event ID as it was.
#[inline(always)]
fn event_id<'a>(new_id: bool, id_buf: &'a [u8], last_id: &'a str) -> &'a [u8] {
    if new_id { id_buf } else { last_id.as_bytes() }
}

/// `bytes` as text: borrowed as it is when valid UTF-8; otherwise decoded lossily into
/// `spare` (each invalid sequence becomes U+FFFD). Returns whether anything was replaced.
fn lend_text<'a>(bytes: &'a [u8], spare: &'a mut String) -> (&'a str, bool) {
    match utf8(bytes) {
        Some(text) => (text, false),
        None => {
            spare.clear();
            push_lossy(spare, bytes);
            (spare, true)
        }
    }
}

/// `bytes` as text copied into `text` (lossily: each invalid sequence becomes U+FFFD), and
/// whether anything was replaced.
fn copy_text<'a>(bytes: &[u8], text: &'a mut String) -> (&'a str, bool) {
    text.clear();
    let rewritten = match utf8(bytes) {
        Some(valid) => {
            text.push_str(valid);
            false
        }
        None => {
            push_lossy(text, bytes);
            true
        }
    };
    (text, rewritten)
}

/// A `retry` value: non-empty, ASCII digits only, fitting a `u64` of milliseconds.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        let digit = if b.is_ascii_digit() {
            u64::from(b - b'0')
        } else {
            return None;
        };
        acc.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::vec;

    use super::*;

    fn ev(t: &str, d: &str, id: &str) -> Decoded {
        Decoded::Event(MessageEvent::new(t, d, id))
    }

    fn all(dec: &mut Decoder, mut input: &[u8]) -> Vec<Result<Decoded, DecodeError>> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let Progress { consumed, item } = dec.decode(input);
            assert!(consumed > 0 || item.is_some(), "no progress");
            input = &input[consumed..];
            out.extend(item);
        }
        out
    }

    #[test]
    fn decode_ref_lends_a_comment_without_losing_the_event_around_it() {
        let mut dec = Decoder::new().with_comments(true);
        let mut items = dec.feed_ref(b"data: a\n: c\nevent: t\xFF\ndata: b\n\n");
        let mut got = Vec::new();
        while let Some(item) = items.next() {
            got.push(item.map(Decoded::from));
        }
        assert_eq!(
            got,
            [
                Ok(Decoded::Comment(" c".into())),
                Ok(ev("t\u{FFFD}", "a\nb", "")),
            ]
        );
    }

    #[test]
    fn large_data_is_handed_over_not_copied_and_stays_exact() {
        use alloc::format;
        use alloc::string::ToString;
        let mut dec = Decoder::new();
        let mut want = Vec::new();
        let mut stream = Vec::new();
        // Around the threshold, with multi-byte characters straddling line joins.
        for (i, len) in [TAKE_DATA_AT - 1, TAKE_DATA_AT, 3 * TAKE_DATA_AT + 5, 10]
            .into_iter()
            .enumerate()
        {
            let line = "é".repeat(len / 2);
            stream.extend_from_slice(
                format!("event: big{i}\nid: {i}\ndata: {line}\ndata:x\n\n").as_bytes(),
            );
            want.push(Ok(ev(
                &format!("big{i}"),
                &format!("{line}\nx"),
                &i.to_string(),
            )));
        }
        for chunk in stream.chunks(1000) {
            let got = all(&mut dec, chunk);
            for item in got {
                assert_eq!(Some(item), (!want.is_empty()).then(|| want.remove(0)));
            }
        }
        assert!(want.is_empty());
    }

    #[test]
    fn large_invalid_data_is_decoded_part_by_part() {
        let mut stream = b"event: t\xC3\ndata: ".to_vec();
        stream.extend(core::iter::repeat_n(b'a', TAKE_DATA_AT));
        stream.extend_from_slice(b"\xA9\nid: \xFF\n\n");
        let got = all(&mut Decoder::new(), &stream);
        let data = alloc::format!("{}\u{FFFD}", "a".repeat(TAKE_DATA_AT));
        assert_eq!(got, [Ok(ev("t\u{FFFD}", &data, "\u{FFFD}"))]);
    }

    #[test]
    fn long_data_pieces_are_decoded_as_they_arrive() {
        use alloc::format;
        let long = "€".repeat(1000); // 3000 bytes: chunks cut its characters
        let stream = [
            format!("data: {long}\ndata: x\n\nid: 1\ndata: {long}").as_bytes(),
            b"\xE2\x82\n\ndata: short\n\n", // the cut character is never completed
        ]
        .concat();
        let stream = &stream[..];
        let want = [
            Ok(ev("", &format!("{long}\nx"), "")),
            Ok(ev("", &format!("{long}\u{FFFD}"), "1")),
            Ok(ev("", "short", "1")),
        ];
        // Owned, in 1100-byte chunks; the first piece is decoded as text at once, but for
        // the start of the character it cuts.
        let mut dec = Decoder::new();
        let mut got = all(&mut dec, &stream[..1100]);
        assert!(dec.text_raw == 1094 && dec.data.is_empty() && dec.data_text.len() == 1092);
        for chunk in stream[1100..].chunks(1100) {
            got.extend(all(&mut dec, chunk));
        }
        assert_eq!(got, want);
        // Borrowed, in 1500-byte chunks: the text is lent, and not mixed into the next event.
        let mut dec = Decoder::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(1500) {
            let mut input = chunk;
            while !input.is_empty() {
                let Progress { consumed, item } = dec.decode_ref(input);
                input = &input[consumed..];
                got.extend(item.map(|item| item.map(Decoded::from)));
            }
        }
        assert_eq!(got, want);
        assert_eq!(dec.text_raw, 0);
    }

    #[test]
    fn message_event_layout() {
        let e = MessageEvent::new("a", "bc", "def");
        assert_eq!(
            (e.event_type(), e.data(), e.last_event_id()),
            ("a", "bc", "def")
        );
        assert_eq!(
            MessageEvent::new("", "", ""),
            MessageEvent::new("message", "", "")
        );
        assert_ne!(
            MessageEvent::new("ab", "c", ""),
            MessageEvent::new("a", "bc", "")
        );
        let dbg = std::format!("{e:?}");
        assert!(
            dbg.contains("\"bc\"") && dbg.contains("event_type"),
            "{dbg}"
        );
    }

    #[test]
    fn parse_retry_rules() {
        assert_eq!(parse_retry(b"0"), Some(0));
        assert_eq!(parse_retry(b"0012"), Some(12));
        assert_eq!(parse_retry(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_retry(b"18446744073709551616"), None);
        assert_eq!(parse_retry(b""), None);
        assert_eq!(parse_retry(b"1 "), None);
        assert_eq!(parse_retry(b"+1"), None);
        assert_eq!(parse_retry(b"-1"), None);
    }

    #[test]
    fn push_lossy_matches_std() {
        for bytes in [
            &b"ok"[..],
            b"\xFF",
            b"a\xC3",
            b"\xE2\x82x",
            b"\xF0\x9F\x98\x80\xED\xA0\x80",
        ] {
            let mut s = String::from(">");
            push_lossy(&mut s, bytes);
            assert_eq!(s[1..], String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn one_item_per_call_and_progress() {
        let mut dec = Decoder::new();
        let input = b"retry: 5\ndata: a\n\n";
        assert_eq!(
            dec.decode(input),
            Progress::found(9, Ok(Decoded::Retry(Duration::from_millis(5))))
        );
        assert_eq!(
            dec.decode(&input[9..]),
            Progress::found(9, Ok(ev("", "a", "")))
        );
        assert_eq!(dec.reconnection_time(), Some(Duration::from_millis(5)));
    }

    #[test]
    fn partial_line_is_buffered_and_completed() {
        let mut dec = Decoder::new();
        assert_eq!(dec.decode(b"da"), Progress::partial(2));
        assert_eq!(dec.decode(b"ta: x"), Progress::partial(5));
        assert_eq!(
            dec.decode(b"y\n\nrest"),
            Progress::found(3, Ok(ev("", "xy", "")))
        );
        assert!(
            dec.partial.is_empty(),
            "a completed line leaves nothing kept"
        );
        assert_eq!(dec.decode(b"rest"), Progress::partial(4));
        assert_eq!(dec.partial, b"rest");
        assert!(dec.finish(), "the kept partial line is discarded");
        assert!(dec.partial.is_empty());
        assert!(!dec.finish());
    }

    #[test]
    fn id_buffer_and_last_event_id() {
        let mut dec = Decoder::new().with_last_event_id("seed");
        assert_eq!(dec.last_event_id(), "seed");
        assert_eq!(all(&mut dec, b"id: 1\n"), vec![]);
        assert_eq!(dec.last_event_id(), "seed"); // not dispatched yet
        assert_eq!(all(&mut dec, b"\n"), vec![]);
        assert_eq!(dec.last_event_id(), "1");
        assert_eq!(all(&mut dec, b"id: 2\n"), vec![]);
        assert!(dec.finish());
        assert_eq!(dec.last_event_id(), "1");
        assert_eq!(all(&mut dec, b"data\n\n"), vec![Ok(ev("", "", "1"))]);
        assert_eq!(Decoder::new().with_last_event_id("a\0").last_event_id(), "");
    }

    #[test]
    fn data_line_spanning_inputs_goes_straight_to_the_data_buffer() {
        let mut dec = Decoder::new();
        // Not decided yet: the space after the colon may still come.
        assert_eq!(dec.decode(b"data:"), Progress::partial(5));
        assert!(!dec.data_line);
        assert_eq!(dec.decode(b" \xE2\x82"), Progress::partial(3));
        assert!(dec.data_line && dec.partial.is_empty());
        assert_eq!(dec.data, b"\xE2\x82");
        // The rest of a character split across inputs, then of the line.
        assert_eq!(dec.decode(b"\xAC x"), Progress::partial(3));
        assert_eq!(
            dec.decode(b"y\r\n\n"),
            Progress::found(4, Ok(ev("", "\u{20AC} xy", "")))
        );
        // Only `data` lines.
        assert_eq!(dec.decode(b"event: long"), Progress::partial(11));
        assert!(!dec.data_line && dec.partial == b"event: long");
        assert!(dec.finish());
        assert_eq!(dec.decode(b"data: unfinished"), Progress::partial(16));
        assert!(dec.data_line);
        assert!(dec.finish(), "a data line cut off is discarded");
        assert!(!dec.data_line && dec.data.is_empty());
        assert!(!dec.finish());
    }

    #[test]
    fn data_line_over_the_limit_spanning_inputs() {
        let limits = Limits::default().with_max_line_len(10);
        let mut dec = Decoder::new().with_limits(limits);
        let err = Err(DecodeError::LimitExceeded {
            limit: Limit::LineLength,
            max: 10,
        });
        let mut got = Vec::new();
        for chunk in [&b"data: 1"[..], b"2345", b"6789\ndata: x\n\ndata: ok\n\n"] {
            got.extend(dec.feed(chunk));
        }
        assert_eq!(got, [err, Ok(ev("", "ok", ""))]);
        assert!(!dec.data_line);
    }

    #[test]
    fn lent_event_type_is_reused_only_when_the_same() {
        let stream: &[u8] = b"event: a\ndata: 1\n\nevent: a\ndata: 2\n\nevent: \xFF\ndata: 3\n\n\
            event: \xFF\ndata: 4\n\ndata: 5\n\nevent: \xEF\xBF\xBD\ndata: 6\n\nevent: a\ndata: 7\n\n";
        let mut owned = Decoder::new();
        let want: Vec<_> = owned.feed(stream).collect();
        assert_eq!(want.len(), 7);
        assert_eq!(want[3], Ok(ev("\u{FFFD}", "4", "")));
        assert_eq!(want[4], Ok(ev("message", "5", "")));
        let mut borrowed = Decoder::new();
        let mut items = borrowed.feed_ref(stream);
        let mut got = Vec::new();
        while let Some(item) = items.next() {
            got.push(item.map(Decoded::from));
        }
        assert_eq!(got, want);
    }

    #[test]
    fn finish_reports_discards() {
        let mut dec = Decoder::new();
        assert!(!dec.finish());
        all(&mut dec, b": c\nretry: 1\nfoo: x\n");
        assert!(!dec.finish());
        all(&mut dec, b"event: x\n");
        assert!(dec.finish());
        all(&mut dec, b"dat");
        assert!(dec.finish());
        assert!(!dec.finish());
    }

    #[test]
    fn limit_error_discards_event_and_id() {
        let limits = Limits::default()
            .with_max_line_len(12)
            .with_max_event_size(6);
        let mut dec = Decoder::new().with_limits(limits);
        let got = all(&mut dec, b"id: 1\ndata: 1234\ndata: 5\ndata: 6\nid: 2\n\n");
        let err = DecodeError::LimitExceeded {
            limit: Limit::EventSize,
            max: 6,
        };
        assert_eq!(got, vec![Err(err)]);
        assert_eq!(dec.last_event_id(), "");
        let got = all(&mut dec, b"id: 3\ndata: ok\n\n");
        assert_eq!(got, vec![Ok(ev("", "ok", "3"))]);
        let got = all(
            &mut dec,
            b"data: 1234567890\ndata: 1234567890\n\ndata: y\n\n",
        );
        let err = DecodeError::LimitExceeded {
            limit: Limit::LineLength,
            max: 12,
        };
        assert_eq!(got, vec![Err(err), Ok(ev("", "y", "3"))]);
    }

    /// Invalid bytes become U+FFFD (3 bytes each): an event within the limit as raw bytes
    /// can exceed it as text. It is then discarded, reported, and its id is not kept, owned
    /// or borrowed.
    #[test]
    fn event_over_the_limit_only_once_decoded_is_discarded_with_its_id() {
        let stream: &[u8] =
            b"id: 1\ndata: ok\n\nid: 2\ndata: \xff\xff\xff\xff\xff\xff\xff\xff\n\ndata: after\n\n";
        let limits = Limits::default().with_max_event_size(16);
        let err = Err(DecodeError::LimitExceeded {
            limit: Limit::EventSize,
            max: 16,
        });
        let want = vec![Ok(ev("", "ok", "1")), err, Ok(ev("", "after", "1"))];
        let mut owned = Decoder::new().with_limits(limits);
        assert_eq!(all(&mut owned, stream), want);
        assert_eq!(owned.last_event_id(), "1");
        let mut borrowed = Decoder::new().with_limits(limits);
        let mut items = borrowed.feed_ref(stream);
        let mut got = Vec::new();
        while let Some(item) = items.next() {
            got.push(item.map(Decoded::from));
        }
        assert_eq!(got, want);
        assert_eq!(borrowed.last_event_id(), "1");
    }
}
