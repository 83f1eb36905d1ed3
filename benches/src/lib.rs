//! Shared pieces of the benchmarks and the allocation report: the inputs, every implementation
//! under test as a plain function, and the sanity checks that make sure they all produce the
//! same events before anything is timed.
//!
//! - [`inputs`]: the encode inputs and the decode streams with their chunk lists.
//! - [`encode`]: ssekit-core (reused `Vec`, one `Bytes`), axum 0.8, warp 0.4, sse-stream 0.3
//!   and a hand-written memchr floor.
//! - [`decode`]: sse-core's `Decoder`, sse-stream 0.3, eventsource-stream 0.2, PizzasBear's
//!   sse-core 0.2 (renamed `sse-core-pizzasbear`), sse-parse 0.1, sseer 0.3, async-sse 5,
//!   the [`hand_written`](mod@hand_written) baseline, and two floors: a memchr/memcpy floor
//!   that finds line ends and copies the lines that span chunks, and the same plus the
//!   UTF-8 check (simdutf8) that any decoder handing out text must make.
//! - [`hand_written`](mod@hand_written): a plain zero-allocation decoder, the baseline of
//!   issue 13's decode goals.
//! - [`reference`](mod@reference): a small whole-buffer WHATWG parser, independent of every implementation,
//!   used as the oracle by [`check`].
//! - [`check`]: the sanity checks the bench and the report run at start-up; they panic on
//!   any unexpected mismatch.
//! - [`fanout`]: the `hub_fanout` fixtures: ssekit-hub and a bare `tokio::sync::broadcast`
//!   channel handing one event to 10,000 subscribers.
//! - [`load`]: the pieces of the `hub_load` binary (an SSE server over ssekit-hub or over
//!   axum + broadcast, and a raw-TCP client that measures deliveries, latency, CPU and RSS).

pub mod check;
pub mod decode;
pub mod encode;
pub mod fanout;
pub mod hand_written;
pub mod inputs;
pub mod load;
pub mod reference;
