//! Property test against a simple model: for random interleavings of publishes, reads,
//! disconnects and reconnects with `Last-Event-ID`, under tiny queues and histories, every
//! client sees its topics' events in publish order with no duplicate, and misses events
//! only where a reset event says so (and the model agrees that history was forgotten).
//! Lag disconnects end a stream; the client reconnects as a browser does.

mod common;

use common::decode;
use futures_util::{FutureExt, StreamExt};
use proptest::prelude::*;
use sse_hub::{Config, Hub, Subscription};

const TOPICS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
enum Op {
    Publish(usize),
    Read { client: usize, max: usize },
    Disconnect(usize),
    Connect(usize),
}

fn op(clients: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TOPICS.len()).prop_map(Op::Publish),
        3 => (0..clients, 1..6usize).prop_map(|(client, max)| Op::Read { client, max }),
        1 => (0..clients).prop_map(Op::Disconnect),
        2 => (0..clients).prop_map(Op::Connect),
    ]
}

/// A browser-like client: its topics, its last event ID, and how far it has seen.
struct Client {
    topics: Vec<usize>,
    subscription: Option<Subscription>,
    last_id: Option<String>,
    /// Everything published to its topics up to this sequence number has been seen (or
    /// skipped by a reset, or published before it first connected); `None` before that.
    cursor: Option<u64>,
}

/// The model: what was published, in order, and the history bound.
struct Model {
    published: Vec<usize>, // topic of the event with sequence number i + 1
    history: usize,
}

impl Model {
    /// The next event of `topics` after `cursor`.
    fn next_after(&self, topics: &[usize], cursor: u64) -> Option<u64> {
        let start = usize::try_from(cursor).unwrap_or(usize::MAX);
        self.published
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, topic)| topics.contains(topic))
            .map(|(i, _)| i as u64 + 1)
    }

    /// Whether the history of `topics` has forgotten an event after `cursor`.
    fn forgot_after(&self, topics: &[usize], cursor: u64) -> bool {
        topics.iter().any(|&topic| {
            let seqs: Vec<u64> = (1..=self.published.len() as u64)
                .filter(|&s| self.published[s as usize - 1] == topic)
                .collect();
            let forgotten = seqs.len().saturating_sub(self.history);
            forgotten > 0 && seqs[forgotten - 1] > cursor
        })
    }
}

/// Reads what the client's stream has ready (at most `max`), checking each event against
/// the model. Returns whether the stream ended.
fn read(client: &mut Client, model: &Model, max: usize) -> Result<(), TestCaseError> {
    for _ in 0..max {
        let Some(subscription) = client.subscription.as_mut() else {
            return Ok(());
        };
        let Some(item) = subscription.next().now_or_never() else {
            return Ok(()); // nothing ready
        };
        let Some(event) = item else {
            client.subscription = None; // ended (lag): a browser reconnects
            return Ok(());
        };
        let seen = decode(&event);
        let cursor = client.cursor.unwrap_or(0);
        if seen.event_type == "reset" {
            prop_assert_eq!(seen.data.as_str(), "history-gone");
            prop_assert!(
                model.forgot_after(&client.topics, cursor),
                "a reset without a reason"
            );
            prop_assert!(seen.seq >= cursor, "a reset moves forward");
        } else {
            let want = model.next_after(&client.topics, cursor);
            prop_assert_eq!(Some(seen.seq), want, "gap or duplicate after {}", cursor);
            prop_assert_eq!(
                seen.data.as_str(),
                TOPICS[model.published[seen.seq as usize - 1]]
            );
        }
        client.cursor = Some(seen.seq);
        client.last_id = Some(seen.id);
    }
    Ok(())
}

fn connect(client: &mut Client, hub: &Hub) -> Result<(), TestCaseError> {
    if client.subscription.is_some() {
        return Ok(());
    }
    let topics: Vec<&str> = client.topics.iter().map(|&t| TOPICS[t]).collect();
    let subscription = hub.subscribe(topics, client.last_id.as_deref());
    prop_assert!(subscription.is_ok());
    client.subscription = subscription.ok();
    if client.last_id.is_none() {
        // No event seen yet, so no Last-Event-ID to send: live from here, as in a browser.
        client.cursor = Some(hub.last_id().seq());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_gap_and_no_duplicate_but_where_a_reset_says_so(
        history in 0usize..6,
        capacity in 1usize..4,
        topics in prop::collection::vec(prop::collection::btree_set(0..TOPICS.len(), 1..=3), 1..5),
        ops in prop::collection::vec(op(4), 1..120),
    ) {
        let hub: Hub = Hub::new(Config::default().with_history_len(history).with_queue_capacity(capacity));
        let model_history = history;
        let mut model = Model { published: Vec::new(), history: model_history };
        let mut clients: Vec<Client> = topics
            .into_iter()
            .map(|t| Client { topics: t.into_iter().collect(), subscription: None, last_id: None, cursor: None })
            .collect();
        for op in ops {
            match op {
                Op::Publish(topic) => {
                    let id = hub.publish(TOPICS[topic], TOPICS[topic]);
                    prop_assert!(id.is_ok());
                    model.published.push(topic);
                    prop_assert_eq!(id.map(|id| id.seq()).ok(), Some(model.published.len() as u64));
                }
                Op::Read { client, max } => {
                    if let Some(client) = clients.get_mut(client) {
                        read(client, &model, max)?;
                    }
                }
                Op::Disconnect(client) => {
                    if let Some(client) = clients.get_mut(client) {
                        client.subscription = None;
                    }
                }
                Op::Connect(client) => {
                    if let Some(client) = clients.get_mut(client) {
                        connect(client, &hub)?;
                    }
                }
            }
        }
        // Finally every client reconnects and reads all: it must catch up exactly.
        for client in &mut clients {
            if client.cursor.is_none() {
                continue;
            }
            for _ in 0..4 {
                connect(client, &hub)?;
                read(client, &model, usize::MAX)?;
            }
            let cursor = client.cursor.unwrap_or(0);
            prop_assert_eq!(model.next_after(&client.topics, cursor), None, "caught up");
        }
        drop(clients);
        prop_assert_eq!(hub.stats().subscribers, 0);
    }
}
