//! Property test against a simple model: for random interleavings of publishes (to all, to
//! all but one connection, to one connection), reads, disconnects and reconnects with
//! `Last-Event-ID`, under tiny queues and histories, every client sees its topics' events
//! in publish order with no duplicate, misses a broadcast only where a reset event says so
//! (and the model agrees that history was forgotten), and gets a targeted event only on
//! the connection it was for. Lag disconnects end a stream; the client reconnects as a
//! browser does.

mod common;

use common::decode;
use futures_util::{FutureExt, StreamExt};
use proptest::prelude::*;
use ssekit_core::Event;
use ssekit_hub::{Config, ConnectionId, Hub, Message, Subscription, Target};

const TOPICS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
enum Op {
    Publish(usize),
    /// To every subscriber of the topic but this client's connection.
    PublishExcept {
        topic: usize,
        client: usize,
    },
    /// To this client's connection only.
    Direct {
        topic: usize,
        client: usize,
    },
    Read {
        client: usize,
        max: usize,
    },
    Disconnect(usize),
    Connect(usize),
}

fn op(clients: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TOPICS.len()).prop_map(Op::Publish),
        1 => (0..TOPICS.len(), 0..clients).prop_map(|(topic, client)| Op::PublishExcept { topic, client }),
        1 => (0..TOPICS.len(), 0..clients).prop_map(|(topic, client)| Op::Direct { topic, client }),
        3 => (0..clients, 1..6usize).prop_map(|(client, max)| Op::Read { client, max }),
        1 => (0..clients).prop_map(Op::Disconnect),
        2 => (0..clients).prop_map(Op::Connect),
    ]
}

/// Who an event was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    All,
    Except(ConnectionId),
    Only(ConnectionId),
}

impl Audience {
    /// Kept in the history and replayed (to everyone, the excluded connection's later
    /// reconnections too).
    fn is_kept(self) -> bool {
        !matches!(self, Audience::Only(_))
    }
}

/// A browser-like client: its topics, its last event ID, and how far it has seen.
struct Client {
    topics: Vec<usize>,
    subscription: Option<Subscription>,
    /// The latest sequence number when the current connection was made: later events
    /// reach it live.
    connected_at: u64,
    last_id: Option<String>,
    /// Everything published to its topics up to this sequence number has been seen (or
    /// skipped by a reset, or published before it first connected); `None` before that.
    cursor: Option<u64>,
}

/// The model: what was published, in order, and the history bound.
struct Model {
    published: Vec<(usize, Audience)>, // topic and audience of the event with seq i + 1
    history: usize,
}

impl Model {
    /// The next event to everyone of `topics` after `cursor`: no client may miss it.
    fn next_after(&self, topics: &[usize], cursor: u64) -> Option<u64> {
        let start = usize::try_from(cursor).unwrap_or(usize::MAX);
        self.published
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, (topic, audience))| topics.contains(topic) && *audience == Audience::All)
            .map(|(i, _)| i as u64 + 1)
    }

    /// Whether the history of `topics` has forgotten an event after `cursor`.
    fn forgot_after(&self, topics: &[usize], cursor: u64) -> bool {
        topics.iter().any(|&topic| {
            let seqs: Vec<u64> = (1..=self.published.len() as u64)
                .filter(|&s| {
                    let (t, audience) = self.published[s as usize - 1];
                    t == topic && audience.is_kept()
                })
                .collect();
            let forgotten = seqs.len().saturating_sub(self.history);
            forgotten > 0 && seqs[forgotten - 1] > cursor
        })
    }
}

/// Reads what the client's stream has ready (at most `max`), checking each event against
/// the model.
fn read(client: &mut Client, model: &Model, max: usize) -> Result<(), TestCaseError> {
    for _ in 0..max {
        let Some(subscription) = client.subscription.as_mut() else {
            return Ok(());
        };
        let me = subscription.id();
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
            prop_assert!(
                seen.seq > cursor,
                "duplicate or out of order after {}",
                cursor
            );
            let missed = model.next_after(&client.topics, cursor);
            prop_assert!(
                missed.is_none_or(|missed| missed >= seen.seq),
                "gap: {:?} missed before {}",
                missed,
                seen.seq
            );
            let (topic, audience) = model.published[seen.seq as usize - 1];
            prop_assert!(client.topics.contains(&topic), "another topic's event");
            prop_assert_eq!(seen.data.as_str(), TOPICS[topic]);
            let live = seen.seq > client.connected_at;
            match audience {
                Audience::All => {}
                Audience::Except(excluded) => {
                    prop_assert!(!(live && excluded == me), "sent to the excluded connection");
                }
                Audience::Only(only) => {
                    prop_assert!(live && only == me, "another connection's event");
                }
            }
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
    client.connected_at = hub.last_id().seq();
    if client.last_id.is_none() {
        // No event seen yet, so no Last-Event-ID to send: live from here, as in a browser.
        client.cursor = Some(client.connected_at);
    }
    Ok(())
}

/// Publishes to `topic` for `audience`, in the hub and in the model.
fn publish(
    hub: &Hub,
    model: &mut Model,
    topic: usize,
    audience: Audience,
) -> Result<(), TestCaseError> {
    let target = match audience {
        Audience::All => Target::All,
        Audience::Except(id) => Target::AllExcept(vec![id]),
        Audience::Only(id) => Target::Connection(id),
    };
    let message = Message::new(TOPICS[topic], Event::new().with_data(TOPICS[topic]));
    let id = hub.send(message.with_target(target));
    prop_assert!(id.is_ok());
    model.published.push((topic, audience));
    prop_assert_eq!(
        id.map(|id| id.seq()).ok(),
        Some(model.published.len() as u64)
    );
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
        let mut model = Model { published: Vec::new(), history };
        let mut clients: Vec<Client> = topics
            .into_iter()
            .map(|t| Client { topics: t.into_iter().collect(), subscription: None, connected_at: 0, last_id: None, cursor: None })
            .collect();
        for op in ops {
            let connection = |client: usize| {
                clients.get(client).and_then(|c| c.subscription.as_ref()).map(Subscription::id)
            };
            match op {
                Op::Publish(topic) => publish(&hub, &mut model, topic, Audience::All)?,
                Op::PublishExcept { topic, client } => {
                    if let Some(id) = connection(client) {
                        publish(&hub, &mut model, topic, Audience::Except(id))?;
                    }
                }
                Op::Direct { topic, client } => {
                    if let Some(id) = connection(client) {
                        publish(&hub, &mut model, topic, Audience::Only(id))?;
                    }
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
