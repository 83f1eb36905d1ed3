//! `--chunks 14,2,1,3`: cutting input into chunks of given sizes, the last size repeating.

use std::str::FromStr;

/// Chunk sizes; after the list runs out, its last size repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSizes(Vec<usize>);

impl FromStr for ChunkSizes {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let sizes = s
            .split(',')
            .map(|part| match part.trim().parse::<usize>() {
                Ok(0) | Err(_) => Err(format!("`{part}` is not a chunk size (a whole number > 0)")),
                Ok(n) => Ok(n),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChunkSizes(sizes))
    }
}

/// Cuts a byte stream, arriving in reads of any size, into chunks of exactly the configured
/// sizes (only the very last chunk, at end of input, may be shorter).
#[derive(Debug)]
pub struct Chunker {
    sizes: ChunkSizes,
    /// Index of the size after the current one.
    next: usize,
    /// Size of the current chunk.
    size: usize,
    /// The start of the current chunk, when a read ended inside it.
    pending: Vec<u8>,
}

impl Chunker {
    pub fn new(sizes: ChunkSizes) -> Self {
        let size = sizes.0.first().copied().unwrap_or(usize::MAX);
        Chunker {
            sizes,
            next: 1,
            size,
            pending: Vec::new(),
        }
    }

    /// Hands every chunk completed by `input` to `f`, in order.
    pub fn split<E>(
        &mut self,
        mut input: &[u8],
        mut f: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !input.is_empty() {
            let want = self.size - self.pending.len();
            if input.len() < want {
                self.pending.extend_from_slice(input);
                return Ok(());
            }
            let (head, rest) = input.split_at(want);
            input = rest;
            if self.pending.is_empty() {
                f(head)?;
            } else {
                self.pending.extend_from_slice(head);
                let chunk = std::mem::take(&mut self.pending);
                f(&chunk)?;
                self.pending = chunk;
                self.pending.clear();
            }
            let last = self.sizes.0.last().copied().unwrap_or(usize::MAX);
            self.size = self.sizes.0.get(self.next).copied().unwrap_or(last);
            self.next += 1;
        }
        Ok(())
    }

    /// End of input: hands over the incomplete last chunk, if any.
    pub fn finish<E>(&mut self, f: impl FnOnce(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.pending);
        f(&chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(sizes: &str, reads: &[&[u8]]) -> Vec<Vec<u8>> {
        let sizes: ChunkSizes = sizes.parse().unwrap_or_else(|e| panic!("{e}"));
        let mut chunker = Chunker::new(sizes);
        let mut out = Vec::new();
        let mut push = |c: &[u8]| -> Result<(), ()> {
            out.push(c.to_vec());
            Ok(())
        };
        for read in reads {
            chunker.split(read, &mut push).ok();
        }
        chunker.finish(push).ok();
        out
    }

    #[test]
    fn sizes_then_the_last_repeats() {
        let got = cut("3,1,2", &[b"abcdefghi"]);
        assert_eq!(got, [&b"abc"[..], b"d", b"ef", b"gh", b"i"]);
    }

    #[test]
    fn chunks_keep_their_size_across_reads() {
        let got = cut("4", &[b"ab", b"cdefgh", b"i", b"jk"]);
        assert_eq!(got, [&b"abcd"[..], b"efgh", b"ijk"]);
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!("0".parse::<ChunkSizes>().is_err());
        assert!("2,x".parse::<ChunkSizes>().is_err());
        assert!("".parse::<ChunkSizes>().is_err());
        assert_eq!("14, 2,1".parse(), Ok(ChunkSizes(vec![14, 2, 1])));
    }
}
