//! Criterion benchmark `hub_fanout`: one ~110-byte event to 10,000 subscribers, through
//! ssekit-hub and through a bare `tokio::sync::broadcast` channel, in one group so that the
//! ratio comes from one run. Throughput is deliveries (10,000 per iteration).
//! `cargo bench -p sse-benches --bench hub`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use sse_benches::fanout::{self, BroadcastFanout, HubFanout, SUBSCRIBERS};

fn hub_fanout(c: &mut Criterion) {
    fanout::check(SUBSCRIBERS);
    let mut group = c.benchmark_group("hub_fanout");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500))
        // An iteration is 10,000 deliveries (a fraction of a millisecond).
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(SUBSCRIBERS as u64));

    let mut hub = HubFanout::new(SUBSCRIBERS);
    group.bench_function("ssekit_hub", |b| b.iter(|| black_box(hub.round())));
    drop(hub);

    let mut broadcast = BroadcastFanout::new(SUBSCRIBERS);
    group.bench_function("tokio_broadcast", |b| {
        b.iter(|| black_box(broadcast.round()));
    });
    group.finish();
}

criterion::criterion_group!(benches, hub_fanout);
criterion::criterion_main!(benches);
