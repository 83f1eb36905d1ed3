//! Criterion benchmarks: ssekit-core against axum 0.8, warp 0.4, sse-stream 0.3 and
//! eventsource-stream 0.2, and (decoding) PizzasBear's sse-core 0.2, sse-parse 0.1, sseer 0.3
//! and async-sse 5, plus a hand-written memchr floor, in one group per input so that the
//! ratios come from one run. `cargo bench -p sse-benches`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use sse_benches::inputs::{decode_inputs, encode_inputs};
use sse_benches::{check, decode, encode};

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
}

fn encode_groups(c: &mut Criterion) {
    for note in check::check_encoders() {
        eprintln!("note: {note}");
    }
    for input in encode_inputs() {
        let mut group = c.benchmark_group(input.group);
        configure(&mut group);
        let encoded_len = encode::run("sse_core_vec", input).len();
        group.throughput(Throughput::Bytes(encoded_len as u64));

        // The reused buffers are sized once, outside the measurement.
        let mut vec = Vec::with_capacity(2 * encoded_len);
        group.bench_function("sse_core_vec", |b| {
            b.iter(|| {
                encode::sse_core_vec(black_box(input), &mut vec);
                black_box(vec.as_slice());
            });
        });
        group.bench_function("sse_core_bytes", |b| {
            b.iter(|| black_box(encode::sse_core_bytes(black_box(input))));
        });
        group.bench_function("sse_core_split", |b| {
            b.iter(|| black_box(encode::sse_core_split(black_box(input))));
        });
        let mut hyper = encode::HyperBody::new(input);
        group.bench_function("sse_hyper_body", |b| {
            b.iter(|| black_box(hyper.next_frame()));
        });
        let mut axum = encode::AxumBody::new(input);
        group.bench_function("axum", |b| b.iter(|| black_box(axum.next_frame())));
        let mut string = String::with_capacity(2 * encoded_len);
        group.bench_function("warp", |b| {
            b.iter(|| {
                encode::warp(black_box(input), &mut string);
                black_box(string.as_str());
            });
        });
        group.bench_function("sse_stream", |b| {
            b.iter(|| black_box(encode::sse_stream(black_box(input))));
        });
        let mut sse_stream_body = encode::SseStreamBody::new(input);
        group.bench_function("sse_stream_body", |b| {
            b.iter(|| black_box(sse_stream_body.next_frame()));
        });
        group.bench_function("floor_memchr", |b| {
            b.iter(|| {
                encode::floor_memchr(black_box(input), &mut vec);
                black_box(vec.as_slice());
            });
        });
        group.finish();
    }
}

fn decode_groups(c: &mut Criterion) {
    check::check_decoders();
    for input in decode_inputs() {
        let mut group = c.benchmark_group(input.group);
        configure(&mut group);
        // One iteration decodes a whole stream (up to tens of ms for the slow peers).
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Bytes(input.stream.len() as u64));
        let chunks = input.chunks.as_slice();
        // Every event is consumed: the lengths of its type, data and id are summed.
        for name in decode::DECODERS {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut sum = 0usize;
                    decode::decode_with(name, black_box(chunks), |t, data, id| {
                        sum += t.len() + data.len() + id.len();
                    });
                    black_box(sum)
                });
            });
        }
        for name in decode::FLOORS {
            group.bench_function(name, |b| {
                b.iter(|| black_box(decode::floor(name, black_box(chunks))));
            });
        }
        group.finish();
    }
}

criterion::criterion_group!(benches, encode_groups, decode_groups);
criterion::criterion_main!(benches);
