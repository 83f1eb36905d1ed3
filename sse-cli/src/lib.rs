//! The library behind the `sse` command's load client, `sse bench` ([`load`]): many
//! long-lived event streams to one server, counted. The command is the product; this
//! library is for programs that drive a load themselves (the project's load benchmarks do).
//!
//! Install the command with `cargo install ssekit-cli`; `sse --help` lists what it does.

pub mod load;
