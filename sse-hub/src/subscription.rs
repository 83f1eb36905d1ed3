//! [`Subscription`]: one subscriber's events as a `Stream`, merged from its topics' rings
//! and its own queue.

use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use ssekit_core::EncodedEvent;

use crate::hub::Shared;
use crate::id::{ConnectionId, EventId};
use crate::queue::{End, EndReason, NOTE_EVERY, Slot};
use crate::ring::{Item, Peek, Place, Ring};
use crate::store::Topic;
use crate::sync::{Ordering, fence};

/// Where a subscription reads one of its topics' rings.
#[derive(Debug)]
pub(crate) struct Cursor {
    ring: Arc<Ring>,
    place: Place,
    /// The order of the event at `place` for this subscription, once peeked.
    next: Option<u64>,
    /// The ring's notices when the subscription last looked at its own queue.
    notices: u64,
}

impl Cursor {
    /// A cursor at `ring`'s tail: it reads what is published from now on.
    pub(crate) fn new(ring: Arc<Ring>) -> Self {
        let place = ring.place();
        let notices = ring.notices();
        Cursor {
            ring,
            place,
            next: None,
            notices,
        }
    }

    /// The position it reads next.
    pub(crate) fn pos(&self) -> u64 {
        self.place.pos()
    }
}

/// A subscription's cursors: inline for one topic (the common case: no pointer to chase on
/// every event), boxed for several.
#[derive(Debug)]
pub(crate) enum Cursors {
    One([Cursor; 1]),
    Many(Box<[Cursor]>),
}

impl Deref for Cursors {
    type Target = [Cursor];

    fn deref(&self) -> &[Cursor] {
        match self {
            Cursors::One(one) => one,
            Cursors::Many(many) => many,
        }
    }
}

impl DerefMut for Cursors {
    fn deref_mut(&mut self) -> &mut [Cursor] {
        match self {
            Cursors::One(one) => one,
            Cursors::Many(many) => many,
        }
    }
}

impl FromIterator<Cursor> for Cursors {
    fn from_iter<I: IntoIterator<Item = Cursor>>(cursors: I) -> Self {
        let mut cursors: Vec<Cursor> = cursors.into_iter().collect();
        match (cursors.pop(), cursors.is_empty()) {
            (Some(one), true) => Cursors::One([one]),
            (last, _) => {
                cursors.extend(last);
                Cursors::Many(cursors.into_boxed_slice())
            }
        }
    }
}

/// What one look at the sources found.
enum Step {
    Event(Item),
    Replayed(EncodedEvent),
    /// The stream ends, with this final event if any.
    End(Option<EncodedEvent>),
    Empty,
}

/// One subscriber's events: a [`Stream`] of [`EncodedEvent`]s, each the shared bytes the
/// hub encoded once, to hand to `ssekit_axum::Sse::new`, `ssekit_warp::reply` or
/// `ssekit_hyper::Sse::new` as it is.
///
/// It yields the replayed events first (or a reset event), then live events in publish
/// order. It ends after what is queued when the client is too slow, when the hub is
/// closed, or when every hub handle is dropped; see [`end_reason`](Self::end_reason).
/// Dropping it (the client went away) unregisters it at once.
#[derive(Debug)]
pub struct Subscription<M: Send + Sync + 'static = ()> {
    slot: Arc<Slot<M>>,
    hub: Weak<Shared<M>>,
    cursors: Cursors,
    /// Events up to this id were seen by the client on another server, and this hub's log
    /// tail has not delivered them yet: skip them.
    skip_through: Option<EventId>,
    /// Whether its own queue had work when last looked at (it has a replay, an event or
    /// an end); otherwise only a notice on a ring sends the stream there again.
    own_work: bool,
    /// What it did, noted in the slot from time to time ([`Slot::note`]).
    taken: u64,
    last_activity: u64,
    ring_read: u64,
    finished: bool,
}

impl<M: Send + Sync + 'static> Subscription<M> {
    pub(crate) fn new(
        slot: Arc<Slot<M>>,
        hub: Weak<Shared<M>>,
        cursors: Cursors,
        skip_through: Option<EventId>,
    ) -> Self {
        Subscription {
            hub,
            cursors,
            skip_through,
            own_work: true,
            taken: 0,
            last_activity: slot.last_activity(),
            ring_read: 0,
            finished: false,
            slot,
        }
    }

    /// This connection's id, for [`Target::Connection`](crate::Target::Connection) and
    /// [`Target::AllExcept`](crate::Target::AllExcept).
    pub fn id(&self) -> ConnectionId {
        self.slot.id
    }

    /// The topics it listens to.
    pub fn topics(&self) -> &[Topic] {
        &self.slot.topics
    }

    /// Its metadata.
    pub fn metadata(&self) -> &M {
        &self.slot.metadata
    }

    /// Events waiting to be taken (counting broadcast events excluded for it).
    pub fn pending(&self) -> usize {
        let rings: u64 = self.cursors.iter().map(|c| c.ring.pending(c.pos())).sum();
        self.slot
            .queue()
            .len()
            .saturating_add(usize::try_from(rings).unwrap_or(usize::MAX))
    }

    /// Why it ends or ended, once that is decided; `None` while live. A subscription that
    /// fell too far behind reports [`EndReason::Lagged`] at once; its stream ends when it is
    /// next polled.
    pub fn end_reason(&self) -> Option<EndReason> {
        match self.slot.queue().end {
            End::Ending { reason, .. } | End::Ended(reason) => Some(reason),
            End::Open if self.cursors.iter().any(|c| c.ring.lost(&c.place)) => {
                Some(EndReason::Lagged)
            }
            End::Open => None,
        }
    }

    /// Reads the next event of every ring that has none waiting; whether a ring lost
    /// events this subscription had not read.
    fn fill(&mut self) -> bool {
        fill(&mut self.cursors, &mut self.ring_read, self.slot.id)
    }

    /// Whether its own queue may have work: it had some, or a ring has a notice since the
    /// last look (read after the rings: something queued before a ring event it read is
    /// then seen too).
    fn own_work(&mut self) -> bool {
        let mut noticed = false;
        for cursor in self.cursors.iter_mut() {
            let notices = cursor.ring.notices();
            if notices != cursor.notices {
                cursor.notices = notices;
                noticed = true;
            }
        }
        self.own_work || noticed
    }

    /// Notes what the stream did in its slot.
    fn note(&self) {
        self.slot
            .note(self.taken, self.last_activity, self.ring_read);
    }

    /// The ring whose waiting event comes first, with that event's order.
    fn first_ring(&self) -> Option<(usize, u64)> {
        self.cursors
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.next.map(|order| (i, order)))
            .min_by_key(|&(_, order)| order)
    }

    /// Takes the next event of the merged sources, or the end.
    fn step(&mut self) -> Step {
        if self.fill() {
            if let Some(hub) = self.hub.upgrade() {
                hub.lagged(&self.slot);
            }
            self.own_work = true;
        }
        if !self.own_work() {
            return match self.first_ring() {
                Some((i, _)) => self.take(i),
                None => Step::Empty,
            };
        }
        let mut queue = self.slot.queue();
        if let Some(event) = queue.replay.pop_front() {
            self.own_work = queue.has_work();
            return Step::Replayed(event);
        }
        // Every ring event ordered before the first one of its own queue was in its ring
        // before that one was queued (both under the hub's lock), so it is seen now, through
        // the queue's lock; but the rings were looked at before it was taken: look again at
        // those still empty. (Without this, a publisher racing the reader could have its
        // queued event delivered before the ring events published just before it.)
        if matches!(queue.end, End::Open)
            && !queue.live.is_empty()
            && fill(&mut self.cursors, &mut self.ring_read, self.slot.id)
        {
            drop(queue);
            if let Some(hub) = self.hub.upgrade() {
                hub.lagged(&self.slot);
            }
            queue = self.slot.queue();
        }
        let before = match &queue.end {
            End::Open => u64::MAX,
            // Every ring event ordered before the end is in its ring by now; if one was
            // lost to this subscription meanwhile, nothing more is delivered.
            End::Ending { before, .. } => {
                if fill(&mut self.cursors, &mut self.ring_read, self.slot.id) {
                    0
                } else {
                    *before
                }
            }
            End::Ended(_) => return Step::End(None),
        };
        let ring = self.first_ring().filter(|&(_, order)| order < before);
        let own = queue
            .live
            .front()
            .map(|q| q.item.order)
            .filter(|&order| order < before);
        match (ring, own) {
            (Some((i, order)), own) if own.is_none_or(|own| order < own) => {
                self.own_work = queue.has_work();
                drop(queue);
                self.take(i)
            }
            (_, Some(_)) => {
                let item = queue.live.pop_front().map(|q| q.item);
                self.own_work = queue.has_work();
                item.map_or(Step::Empty, Step::Event)
            }
            _ => match std::mem::replace(&mut queue.end, End::Open) {
                End::Ending { reason, last, .. } => {
                    queue.end = End::Ended(reason);
                    queue.live.clear();
                    Step::End(last)
                }
                open => {
                    queue.end = open;
                    self.own_work = queue.has_work();
                    Step::Empty
                }
            },
        }
    }

    /// Takes the event peeked in ring `i`.
    fn take(&mut self, i: usize) -> Step {
        let Some(cursor) = self.cursors.get_mut(i) else {
            return Step::Empty;
        };
        cursor.next = None;
        let item = Ring::take(&mut cursor.place);
        self.ring_read += 1;
        item.map_or(Step::Empty, Step::Event)
    }

    /// Registers `waker` for its own queue and its rings; whether an event arrived
    /// meanwhile (then it looks again instead of waiting).
    fn wait(&mut self, waker: &Waker) -> bool {
        if self.slot.wait(waker) {
            self.own_work = true;
            return true;
        }
        for cursor in self.cursors.iter() {
            cursor.ring.ask_sweep();
        }
        // The other half of the Dekker pair in `Ring::take_sweep`.
        fence(Ordering::SeqCst);
        // Past where it read (it may have read an event before it saw the tail move past
        // it: that is not new, and looking again would spin until it does).
        self.cursors.iter().any(|c| c.ring.tail() > c.pos())
    }

    /// Whether the client already has `item` (seen on another server).
    fn skips(&mut self, item: &Item) -> bool {
        match (self.skip_through, item.id) {
            // Within one generation of the log only: after a reset, nothing is skipped.
            (Some(skip), Some(id)) if id.epoch() == skip.epoch() && id.seq() <= skip.seq() => true,
            (Some(_), Some(_)) => {
                self.skip_through = None;
                false
            }
            _ => false,
        }
    }
}

/// Peeks at the next event of each of `cursors` that has none peeked, for connection `me`
/// (`ring_read` counts the positions passed); whether a ring lost events the cursor had not
/// read.
fn fill(cursors: &mut [Cursor], ring_read: &mut u64, me: ConnectionId) -> bool {
    let mut lagged = false;
    // An event found in one ring was published after every event of lower order in the
    // others, but a ring looked at before that find may have missed them: look again at
    // the rings that are still empty until a whole pass finds nothing new (at most one
    // pass per ring, since a ring with an event waiting is not looked at again).
    loop {
        let mut found = false;
        for cursor in cursors.iter_mut().filter(|c| c.next.is_none()) {
            let from = cursor.pos();
            match cursor.ring.peek(&mut cursor.place, me) {
                Peek::Next(order) => {
                    cursor.next = Some(order);
                    found = true;
                }
                Peek::Empty => {}
                Peek::Lagged => lagged = true,
            }
            *ring_read += cursor.pos() - from;
        }
        if !found || lagged || cursors.len() == 1 || cursors.iter().all(|c| c.next.is_some()) {
            break;
        }
    }
    lagged
}

impl<M: Send + Sync + 'static> Stream for Subscription<M> {
    type Item = EncodedEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EncodedEvent>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        loop {
            let event = match this.step() {
                Step::Event(item) if this.skips(&item) => continue,
                Step::Event(item) => {
                    this.last_activity = item.at;
                    item.event
                }
                Step::Replayed(event) => event,
                Step::End(last) => {
                    this.finished = last.is_none();
                    this.note();
                    return Poll::Ready(last);
                }
                Step::Empty => {
                    this.note();
                    if this.wait(cx.waker()) {
                        continue;
                    }
                    return Poll::Pending;
                }
            };
            this.taken += 1;
            if this.taken.is_multiple_of(NOTE_EVERY) {
                this.note();
            }
            return Poll::Ready(Some(event));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.pending(), None)
    }
}

impl<M: Send + Sync + 'static> Drop for Subscription<M> {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unsubscribe(&self.slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use ssekit_core::Event;

    use super::*;
    use crate::testing::{data, drain};
    use crate::{Config, Hub, Message, Target};

    /// The data of every event the stream has ready; `"<end>"` if it ended.
    fn ready<M: Send + Sync + 'static>(sub: &mut Subscription<M>) -> Vec<String> {
        data(&drain(sub))
    }

    fn message<'a>(topic: &'a str, data: &'a str) -> Message<'a, ()> {
        Message::new(topic, Event::new().with_data(data))
    }

    #[test]
    fn rings_and_the_own_queue_merge_in_publish_order() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        let mut sub = hub.subscribe(["a", "b"], None)?;
        let me = sub.id();
        hub.publish("a", "1")?;
        hub.send(message("b", "2").with_target(Target::Connection(me)))?;
        hub.publish("b", "3")?;
        hub.send(message("a", "4").with_coalescing_key("k"))?; // keyed: through the own queue
        hub.send(message("a", "not mine").with_target(Target::AllExcept(vec![me])))?;
        hub.publish("a", "5")?;
        assert_eq!(sub.pending(), 6, "counting the event excluded for it");
        assert_eq!(ready(&mut sub), ["1", "2", "3", "4", "5"]);
        assert_eq!(sub.pending(), 0);
        Ok(())
    }

    #[test]
    fn a_full_own_queue_ends_the_stream_after_what_came_before()
    -> Result<(), Box<dyn std::error::Error>> {
        let config = Config::default()
            .with_queue_capacity(2)
            .with_lag_event(Event::new().with_comment("too slow"))?;
        let hub: Hub = Hub::new(config);
        let mut sub = hub.subscribe(["t"], None)?;
        let me = Target::Connection(sub.id());
        hub.send(message("t", "1").with_target(me.clone()))?;
        hub.publish("t", "2")?;
        hub.send(message("t", "3").with_target(me.clone()))?;
        hub.send(message("t", "4").with_target(me))?; // the own queue holds 2: cut off
        hub.publish("t", "5")?;
        assert_eq!(sub.end_reason(), Some(EndReason::Lagged));
        assert_eq!(ready(&mut sub), ["1", "2", "3", ":too slow", "<end>"]);
        assert_eq!(hub.stats().lag_disconnects, 1);
        Ok(())
    }

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_waiting_stream_is_woken_once_per_wait() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        let mut sub = hub.subscribe(["t"], None)?;
        let count = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let woken = || count.0.load(Ordering::SeqCst);
        assert!(Pin::new(&mut sub).poll_next(&mut cx).is_pending());
        hub.publish("other", "x")?;
        assert_eq!(woken(), 0, "another topic");
        hub.publish("t", "1")?;
        hub.publish("t", "2")?;
        assert_eq!(woken(), 1, "once until it polls again");
        assert!(Pin::new(&mut sub).poll_next(&mut cx).is_ready());
        assert!(Pin::new(&mut sub).poll_next(&mut cx).is_ready());
        assert!(Pin::new(&mut sub).poll_next(&mut cx).is_pending());
        hub.send(message("t", "3").with_target(Target::Connection(sub.id())))?;
        assert_eq!(woken(), 2, "its own queue wakes it too");
        hub.close();
        assert!(Pin::new(&mut sub).poll_next(&mut cx).is_ready());
        assert_eq!(
            Pin::new(&mut sub).poll_next(&mut cx).map(|e| e.is_none()),
            Poll::Ready(true)
        );
        Ok(())
    }

    #[test]
    fn a_subscription_behind_the_ring_resumes_with_nothing_lost()
    -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::new(Config::default().with_queue_capacity(3));
        let mut slow = hub.subscribe(["t"], None)?;
        let seen = hub.publish("t", "1")?;
        assert_eq!(ready(&mut slow), ["1"]);
        for n in 2..=5 {
            hub.publish("t", n.to_string())?;
        }
        assert_eq!(slow.end_reason(), Some(EndReason::Lagged));
        assert_eq!(ready(&mut slow), ["<end>"]);
        assert_eq!(hub.stats().lag_disconnects, 1);
        let mut resumed = hub.subscribe(["t"], Some(&seen.to_string()))?;
        assert_eq!(ready(&mut resumed), ["2", "3", "4", "5"]);
        Ok(())
    }
}
