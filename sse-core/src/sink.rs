//! Where encoded bytes go: one small trait, so that measuring ([`Counter`]) and writing
//! (slice, `Vec`, `BufMut`) run the very same encoding code.

/// A destination for encoded bytes. Writing never fails: capacity is checked before
/// encoding starts, from the exact [`Event::encoded_len`](crate::Event::encoded_len).
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

/// Counts bytes instead of writing them.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counter(pub usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Writes into a slice. Callers check the length first; bytes that would not fit anyway
/// (only a `Serialize` value that changes its output can cause that) are dropped.
pub(crate) struct SliceSink<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> SliceSink<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        SliceSink { buf, pos: 0 }
    }
}

impl SliceSink<'_> {
    /// Bytes written so far.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pos
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
            self.pos = end;
        }
    }
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// One `Bytes` of `len` bytes, which `write` puts into a `Vec` of exactly that capacity:
/// the `Vec` becomes the `Bytes` without a copy, and unlike a `BytesMut` it is neither
/// zeroed first nor checked through `BufMut` on every piece. The one way this crate makes
/// a `Bytes` of its own.
#[cfg(feature = "bytes")]
#[inline]
pub(crate) fn bytes_of(len: usize, write: impl FnOnce(&mut alloc::vec::Vec<u8>)) -> bytes::Bytes {
    let mut buf = alloc::vec::Vec::with_capacity(len);
    write(&mut buf);
    debug_assert_eq!(buf.len(), len, "a measured length");
    bytes::Bytes::from(buf)
}

/// Adapts any [`bytes::BufMut`].
#[cfg(feature = "bytes")]
pub(crate) struct BufMutSink<'b, B: ?Sized>(pub &'b mut B);

#[cfg(feature = "bytes")]
impl<B: bytes::BufMut + ?Sized> Sink for BufMutSink<'_, B> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.put_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_sink_drops_what_does_not_fit() {
        let mut buf = [0u8; 4];
        let mut sink = SliceSink::new(&mut buf);
        sink.put(b"abc");
        sink.put(b"de");
        assert_eq!(sink.len(), 3);
        assert_eq!(&buf, b"abc\0");
    }

    #[test]
    fn counter_counts() {
        let mut c = Counter::default();
        c.put(b"abc");
        c.put(b"");
        assert_eq!(c.0, 3);
    }
}
