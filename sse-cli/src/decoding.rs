//! The decoder options `sse decode` and `sse get` share: comments and limits.

use ssekit_core::{Decoder, Limits};

#[derive(Debug, clap::Args)]
pub struct DecoderArgs {
    /// Also print comments, as `{"comment": TEXT}`.
    #[arg(long)]
    comments: bool,
    /// Longest line accepted, in bytes.
    #[arg(long, default_value_t = Limits::DEFAULT_MAX_LINE_LEN)]
    max_line_len: usize,
    /// Largest event accepted (data plus event type), in bytes.
    #[arg(long, default_value_t = Limits::DEFAULT_MAX_EVENT_SIZE)]
    max_event_size: usize,
}

impl DecoderArgs {
    /// A decoder with these limits, keeping comments if asked.
    pub fn decoder(&self) -> Decoder {
        let limits = Limits::default()
            .with_max_line_len(self.max_line_len)
            .with_max_event_size(self.max_event_size);
        Decoder::new()
            .with_limits(limits)
            .with_comments(self.comments)
    }
}
