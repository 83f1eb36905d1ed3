//! `sse decode`: an event stream on stdin, one JSON object per line on stdout, as it goes.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use ssekit_core::{DecodedRef, Decoder};

use crate::chunks::{ChunkSizes, Chunker};
use crate::decoding::DecoderArgs;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    decoding: DecoderArgs,
    /// Feed the decoder chunks of these byte sizes, the last one repeating (e.g. `14,2,1,3`).
    #[arg(long, value_name = "SIZES")]
    chunks: Option<ChunkSizes>,
}

/// Decodes chunks and prints items; remembers whether a limit was exceeded.
struct Printer<W> {
    decoder: Decoder,
    out: W,
    failed: bool,
}

impl<W: Write> Printer<W> {
    fn feed(&mut self, input: &[u8]) -> io::Result<()> {
        let mut items = self.decoder.feed_ref(input);
        while let Some(item) = items.next() {
            let output = match &item {
                Err(e) => {
                    eprintln!("sse decode: {e}");
                    self.failed = true;
                    continue;
                }
                Ok(DecodedRef::Event(event)) => Output::Event {
                    event: event.event_type(),
                    data: event.data(),
                    id: event.last_event_id(),
                },
                Ok(DecodedRef::Retry(time)) => Output::Retry {
                    retry: time.as_millis(),
                },
                Ok(DecodedRef::Comment(comment)) => Output::Comment { comment },
                Ok(_) => continue,
            };
            output.write_line(&mut self.out)?;
        }
        Ok(())
    }
}

pub fn run(args: &Args) -> io::Result<ExitCode> {
    let mut printer = Printer {
        decoder: args.decoding.decoder(),
        out: io::BufWriter::new(io::stdout().lock()),
        failed: false,
    };
    let mut chunker = args.chunks.clone().map(Chunker::new);
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let read = buf.get(..n).unwrap_or_default();
        match &mut chunker {
            Some(chunker) => chunker.split(read, |chunk| printer.feed(chunk))?,
            None => printer.feed(read)?,
        }
        // Everything decoded from this read is out before the next read blocks.
        printer.out.flush()?;
    }
    if let Some(chunker) = &mut chunker {
        chunker.finish(|chunk| printer.feed(chunk))?;
    }
    printer.decoder.finish();
    printer.out.flush()?;
    Ok(if printer.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
