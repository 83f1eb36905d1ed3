//! [`Chunked`]: an incremental decoder of HTTP/1.1 chunked transfer coding, handing out the
//! chunk data as slices of the input (no copy), for the load client's raw TCP connections.

/// Where the decoder is in the chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex size of the next chunk (`digits` so far).
    Size { size: u64, digits: u8 },
    /// Skipping a chunk extension, up to the line end.
    Extension { size: u64 },
    /// After the size line's CR: expecting LF.
    SizeLf { size: u64 },
    /// In the data of a chunk, this many bytes left.
    Data(u64),
    /// After a chunk's data: expecting CR.
    DataCr,
    /// After a chunk's data and CR: expecting LF.
    DataLf,
    /// The last (zero-size) chunk was seen; what follows (trailers) is ignored.
    Done,
}

/// A malformed chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedError {
    /// A chunk size that is not hex, or too long.
    BadSize,
    /// A chunk's data not followed by CRLF.
    BadDelimiter,
}

impl std::fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChunkedError::BadSize => "malformed chunk size",
            ChunkedError::BadDelimiter => "chunk data not followed by CRLF",
        })
    }
}

impl std::error::Error for ChunkedError {}

/// Decodes a chunked body fed in pieces of any size.
#[derive(Debug, Clone)]
pub struct Chunked {
    state: State,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size { size: 0, digits: 0 },
        }
    }
}

impl Chunked {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the last chunk was seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes `input`, calling `data` with each piece of chunk data in order. Returns whether
    /// the body ended (the last chunk was seen; the rest of `input` is then ignored).
    ///
    /// # Errors
    ///
    /// On a malformed body; the decoder is then of no further use.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        mut data: impl FnMut(&[u8]),
    ) -> Result<bool, ChunkedError> {
        while let Some((&byte, rest)) = input.split_first() {
            match self.state {
                State::Data(left) => {
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(input.len());
                    let (piece, after) = input.split_at(take);
                    data(piece);
                    input = after;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataCr
                    } else {
                        State::Data(left)
                    };
                    continue;
                }
                State::Size { size, digits } => {
                    self.state = match byte {
                        b'\r' | b';' | b'\n' if digits == 0 => return Err(ChunkedError::BadSize),
                        b'\r' => State::SizeLf { size },
                        b'\n' => Self::after_size(size),
                        b';' | b' ' | b'\t' => State::Extension { size },
                        _ => {
                            let digit = hex(byte).ok_or(ChunkedError::BadSize)?;
                            if digits == 15 {
                                return Err(ChunkedError::BadSize);
                            }
                            State::Size {
                                size: size << 4 | u64::from(digit),
                                digits: digits + 1,
                            }
                        }
                    };
                }
                State::Extension { size } => {
                    self.state = match byte {
                        b'\r' => State::SizeLf { size },
                        b'\n' => Self::after_size(size),
                        _ => State::Extension { size },
                    };
                }
                State::SizeLf { size } => {
                    if byte != b'\n' {
                        return Err(ChunkedError::BadSize);
                    }
                    self.state = Self::after_size(size);
                }
                State::DataCr => {
                    self.state = match byte {
                        b'\r' => State::DataLf,
                        b'\n' => State::Size { size: 0, digits: 0 },
                        _ => return Err(ChunkedError::BadDelimiter),
                    };
                }
                State::DataLf => {
                    if byte != b'\n' {
                        return Err(ChunkedError::BadDelimiter);
                    }
                    self.state = State::Size { size: 0, digits: 0 };
                }
                State::Done => return Ok(true),
            }
            input = rest;
        }
        Ok(self.is_done())
    }

    fn after_size(size: u64) -> State {
        if size == 0 {
            State::Done
        } else {
            State::Data(size)
        }
    }
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"5\r\nhello\r\n1;ext=1\r\n \r\nB\r\nworld: 11 b\r\n0\r\n\r\n";

    fn decode_in_pieces(body: &[u8], piece: usize) -> Result<(Vec<u8>, bool), ChunkedError> {
        let mut decoder = Chunked::new();
        let mut out = Vec::new();
        let mut done = false;
        for part in body.chunks(piece) {
            done = decoder.feed(part, |d| out.extend_from_slice(d))?;
        }
        Ok((out, done))
    }

    #[test]
    fn decodes_whatever_the_piece_sizes() {
        for piece in 1..=BODY.len() {
            assert_eq!(
                decode_in_pieces(BODY, piece),
                Ok((b"hello world: 11 b".to_vec(), true)),
                "{piece}"
            );
        }
    }

    #[test]
    fn an_unfinished_body_is_not_done() {
        assert_eq!(
            decode_in_pieces(&BODY[..12], 4),
            Ok((b"hello".to_vec(), false))
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert_eq!(decode_in_pieces(b"x\r\n", 3), Err(ChunkedError::BadSize));
        assert_eq!(decode_in_pieces(b"\r\n", 3), Err(ChunkedError::BadSize));
        assert_eq!(
            decode_in_pieces(b"2\r\nabX", 8),
            Err(ChunkedError::BadDelimiter)
        );
        assert_eq!(
            decode_in_pieces(b"1234567890abcdef0\r\n", 32),
            Err(ChunkedError::BadSize)
        );
    }
}
