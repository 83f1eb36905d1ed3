//! [`Ring`]: a topic's recent broadcast events, written once by the publisher and read by
//! every subscriber of the topic through a cursor of its own.
//!
//! Events for everyone on a topic (or everyone but some connections) without a coalescing
//! key go here: publishing is one push whatever the number of subscribers, and a delivery
//! is a read lock and a refcount. The ring holds the last `capacity` events; a subscriber
//! whose cursor falls behind its oldest event has lagged (its stream ends and the browser
//! resumes from its `Last-Event-ID`). Everything else (targeted and keyed events, replays,
//! the end of a stream) goes through the subscriber's own queue ([`crate::queue`]); both
//! carry an `order`, given under the hub's lock, by which a subscription merges them.

use std::collections::VecDeque;
use std::sync::{Arc, Weak};

use ssekit_core::EncodedEvent;

use crate::id::{ConnectionId, EventId};
use crate::sync::{AtomicBool, AtomicU64, Mutex, MutexGuard, OnceLock, Ordering, fence};

/// An event on its way to a subscriber, from a ring or from its own queue.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Its place among everything the hub delivered (given under the hub's lock).
    pub(crate) order: u64,
    /// Its id, if it has one (a reset from a lost log has none).
    pub(crate) id: Option<EventId>,
    /// When it was published, in the hub's clock ([`crate::hub::Shared::now`]).
    pub(crate) at: u64,
    pub(crate) event: EncodedEvent,
}

/// One event in a ring, and the connections that must not get it.
#[derive(Debug)]
struct Entry {
    item: Item,
    except: Box<[ConnectionId]>,
}

/// What [`Ring::peek`] found at a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peek {
    /// The next event for this subscriber is at the place, with this order.
    Next(u64),
    /// Nothing new.
    Empty,
    /// The reader fell more than `capacity` events behind: events were lost to it.
    Lagged,
}

/// The most events a block holds; the first blocks of a ring are smaller (4, 8, 16), so
/// that a quiet topic stays small.
const BLOCK: usize = 32;

/// A run of consecutive positions. Each is written once, by the publisher; readers read
/// them without a lock.
#[derive(Debug)]
struct Block {
    /// The position of `entries[0]`.
    start: u64,
    entries: Box<[OnceLock<Entry>]>,
    /// The block after this one, once there is one. Weak: a reader holding an old block
    /// keeps only that block alive, and finds out it lagged when the next one is gone.
    next: OnceLock<Weak<Block>>,
}

impl Block {
    fn new(start: u64, len: usize) -> Self {
        Block {
            start,
            entries: (0..len).map(|_| OnceLock::new()).collect(),
            next: OnceLock::new(),
        }
    }

    /// The position after its last entry.
    fn end(&self) -> u64 {
        self.start + self.entries.len() as u64
    }
}

/// Where a subscription reads a ring: a position and the block that holds it (or the
/// block it follows; none before the ring's first block).
#[derive(Debug)]
pub(crate) struct Place {
    block: Option<Arc<Block>>,
    pos: u64,
}

impl Place {
    /// The position it reads next.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }
}

/// A topic's recent broadcast events: a chain of blocks, of which the ring keeps those that
/// hold the last `capacity` events (at least).
#[derive(Debug)]
pub(crate) struct Ring {
    /// The position after the newest event, readable without the lock.
    tail: AtomicU64,
    /// How far behind the tail a reader may be.
    capacity: u64,
    /// Bumped after a subscriber of the topic got something in its own queue (an event, a
    /// reset, its end): until it moves, a subscription reading here need not look there.
    notices: AtomicU64,
    /// Set by a subscription that waits: the next push looks for waiting subscribers.
    sweep: AtomicBool,
    /// The first block, where readers placed before it start.
    first: OnceLock<Weak<Block>>,
    /// The blocks kept, oldest first (none before the first push). Changed by the
    /// publisher only.
    blocks: Mutex<VecDeque<Arc<Block>>>,
}

impl Ring {
    /// An empty ring keeping at least the last `capacity` (at least 1) events.
    pub(crate) fn new(capacity: usize) -> Self {
        Ring {
            tail: AtomicU64::new(0),
            capacity: capacity.max(1) as u64,
            notices: AtomicU64::new(0),
            sweep: AtomicBool::new(false),
            first: OnceLock::new(),
            blocks: Mutex::new(VecDeque::new()),
        }
    }

    fn blocks(&self) -> MutexGuard<'_, VecDeque<Arc<Block>>> {
        self.blocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where a new subscriber starts: the next event published. The hub calls it under its
    /// lock, so that no push falls between its replay and this place.
    pub(crate) fn place(&self) -> Place {
        let blocks = self.blocks();
        let pos = self.tail.load(Ordering::Acquire);
        // The newest block: `pos` is in it, or just after it.
        Place {
            block: blocks.back().map(Arc::clone),
            pos,
        }
    }

    /// The position the next event will have. Ordered with the publisher's store (see
    /// [`push`](Self::push)).
    pub(crate) fn tail(&self) -> u64 {
        self.tail.load(Ordering::Acquire)
    }

    /// Adds `item` for every reader but `except`, forgetting the oldest block once the
    /// others hold `capacity` events. The hub calls it under its lock, so pushes are in
    /// `order`.
    pub(crate) fn push(&self, item: Item, except: Box<[ConnectionId]>) {
        let mut blocks = self.blocks();
        let pos = self.tail.load(Ordering::Acquire);
        let last = match blocks.back() {
            Some(last) if pos < last.end() => Arc::clone(last),
            previous => {
                let len = previous.map_or(0, |p| p.entries.len() * 2).clamp(4, BLOCK);
                let block = Arc::new(Block::new(pos, len));
                let link = Arc::downgrade(&block);
                let _ = match previous {
                    Some(previous) => previous.next.set(link),
                    None => self.first.set(link),
                };
                blocks.push_back(Arc::clone(&block));
                block
            }
        };
        // What a reader that is not too far behind may still need to read.
        let keep_from = (pos + 1).saturating_sub(self.capacity);
        while blocks.len() > 1 && blocks.front().is_some_and(|b| b.end() <= keep_from) {
            blocks.pop_front();
        }
        // `pos` is in `last` (made for it if it was not) and was never filled: the tail
        // moves past each position once, under the lock. Were it otherwise, the readers at
        // `pos` would see a hole below the tail and end as lagged ([`Self::written`]).
        let at = usize::try_from(pos - last.start).unwrap_or(usize::MAX);
        let filled = last
            .entries
            .get(at)
            .is_some_and(|slot| slot.set(Entry { item, except }).is_ok());
        if !filled {
            tracing::error!(
                pos,
                "SSE hub: a ring position could not be filled; its readers end as lagged"
            );
        }
        // Release: readers that see the new tail see the event. (With the fence in
        // `take_sweep`: a stream that waits cannot miss this event while the publisher
        // misses its announcement.)
        self.tail.store(pos + 1, Ordering::Release);
    }

    /// Moves `place` to the next event for `reader` (past events that are not for it), and
    /// gives its order; [`take`](Self::take) then takes it. No lock: two atomic loads.
    pub(crate) fn peek(&self, place: &mut Place, reader: ConnectionId) -> Peek {
        if self.lost(place) {
            return Peek::Lagged;
        }
        loop {
            let Some(block) = &place.block else {
                match self.follow(&self.first, place) {
                    Ok(first) => place.block = Some(first),
                    Err(peek) => return peek,
                }
                continue;
            };
            let offset = usize::try_from(place.pos - block.start).unwrap_or(usize::MAX);
            let Some(slot) = block.entries.get(offset) else {
                match self.follow(&block.next, place) {
                    Ok(next) => place.block = Some(next),
                    Err(peek) => return peek,
                }
                continue;
            };
            let entry = match slot.get() {
                Some(entry) => entry,
                None if !self.written(place) => return Peek::Empty,
                // Filled before the tail moved past `pos`: seen now, or lost.
                None => match slot.get() {
                    Some(entry) => entry,
                    None => return Peek::Lagged,
                },
            };
            if !entry.except.contains(&reader) {
                return Peek::Next(entry.item.order);
            }
            place.pos += 1;
        }
    }

    /// The block a link leads to (the first block, or the next one), to read `place` in:
    /// `Empty` if there is none yet, `Lagged` if it was forgotten.
    fn follow(&self, link: &OnceLock<Weak<Block>>, place: &Place) -> Result<Arc<Block>, Peek> {
        let weak = match link.get() {
            Some(weak) => weak,
            None if !self.written(place) => return Err(Peek::Empty),
            // Linked before the tail moved past `place`: seen now, or lost.
            None => link.get().ok_or(Peek::Lagged)?,
        };
        weak.upgrade().ok_or(Peek::Lagged)
    }

    /// Whether the tail has moved past `place` (found empty a moment ago). The publisher
    /// fills a position, and links its block, before it moves the tail past it: so the
    /// reader looks again and finds the event. Were it still missing, the reader would wait
    /// for an event that never comes, or spin (the tail says there is one): it has lost
    /// the event, so it lags instead, and resumes from the history.
    fn written(&self, place: &Place) -> bool {
        self.tail.load(Ordering::Acquire) > place.pos
    }

    /// Takes the event [`peek`](Self::peek) found at `place` (the event's refcount), and
    /// moves past it.
    pub(crate) fn take(place: &mut Place) -> Option<Item> {
        let block = place.block.as_ref()?;
        let offset = usize::try_from(place.pos - block.start).ok()?;
        let item = block.entries.get(offset)?.get()?.item.clone();
        place.pos += 1;
        Some(item)
    }

    /// Whether a reader at `place` fell too far behind: more than `capacity` events.
    pub(crate) fn lost(&self, place: &Place) -> bool {
        self.tail.load(Ordering::Acquire).saturating_sub(place.pos) > self.capacity
    }

    /// Notes that a subscriber of the topic got something in its own queue (after it was
    /// queued).
    pub(crate) fn notice(&self) {
        self.notices.fetch_add(1, Ordering::SeqCst);
    }

    /// How many notices there were ([`notice`](Self::notice)).
    pub(crate) fn notices(&self) -> u64 {
        self.notices.load(Ordering::SeqCst)
    }

    /// Asks the next push to look for waiting subscribers (a subscription is about to wait:
    /// after this it issues `fence(SeqCst)` and reads the tails again).
    pub(crate) fn ask_sweep(&self) {
        self.sweep.store(true, Ordering::Release);
    }

    /// Whether a subscription asked for a sweep since the last one (after a push).
    ///
    /// The wake-up protocol is a Dekker pair: the publisher moves the tail, then reads
    /// `sweep`; a waiting stream sets `sweep`, then reads the tail. The `fence(SeqCst)` on
    /// both sides (here, and in the stream's wait) forbids both reading the old value: the
    /// stream sees the event, or the publisher sees it waits and wakes it.
    pub(crate) fn take_sweep(&self) -> bool {
        fence(Ordering::SeqCst);
        self.sweep.load(Ordering::Relaxed) && self.sweep.swap(false, Ordering::Acquire)
    }

    /// Events from `pos` on (some may be for other readers).
    pub(crate) fn pending(&self, pos: u64) -> u64 {
        self.tail().saturating_sub(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(order: u64) -> Item {
        Item {
            order,
            id: Some(EventId::new(1, order)),
            at: 0,
            event: EncodedEvent::keep_alive(),
        }
    }

    /// Peeks and takes: the order of the next event for `me`, if any.
    fn read(ring: &Ring, place: &mut Place, me: ConnectionId) -> Result<Option<u64>, Peek> {
        match ring.peek(place, me) {
            Peek::Next(order) => {
                let item = Ring::take(place).ok_or(Peek::Empty)?;
                assert_eq!(item.order, order);
                Ok(Some(order))
            }
            Peek::Empty => Ok(None),
            Peek::Lagged => Err(Peek::Lagged),
        }
    }

    #[test]
    fn readers_see_each_event_once_and_lag_when_overtaken() {
        let ring = Ring::new(2);
        let me = ConnectionId(1);
        let mut place = ring.place();
        assert_eq!(read(&ring, &mut place, me), Ok(None));
        ring.push(item(1), Box::default());
        ring.push(item(2), Box::default());
        assert_eq!(read(&ring, &mut place, me), Ok(Some(1)));
        assert_eq!(ring.pending(place.pos()), 1);
        ring.push(item(3), Box::default());
        assert_eq!(read(&ring, &mut place, me), Ok(Some(2)));
        assert_eq!(read(&ring, &mut place, me), Ok(Some(3)));
        assert_eq!(read(&ring, &mut place, me), Ok(None));
        // Three more while it does not read: more than 2 behind.
        for n in 4..=6 {
            ring.push(item(n), Box::default());
        }
        assert!(ring.lost(&place));
        assert_eq!(read(&ring, &mut place, me), Err(Peek::Lagged));
    }

    #[test]
    fn excluded_readers_skip_an_event() {
        let ring = Ring::new(8);
        let (me, other) = (ConnectionId(1), ConnectionId(2));
        let (mut mine, mut theirs) = (ring.place(), ring.place());
        ring.push(item(1), Box::new([me]));
        ring.push(item(2), Box::default());
        assert_eq!(read(&ring, &mut mine, me), Ok(Some(2)));
        assert_eq!(read(&ring, &mut theirs, other), Ok(Some(1)));
        assert_eq!(read(&ring, &mut theirs, other), Ok(Some(2)));
        assert_eq!((mine.pos(), theirs.pos()), (2, 2));
    }

    #[test]
    fn readers_cross_blocks_and_old_blocks_are_let_go() {
        let ring = Ring::new(40);
        let me = ConnectionId(1);
        let mut early = ring.place();
        let mut readers: Vec<(u64, Place)> = Vec::new();
        let mut next = 1;
        for n in 1..=500 {
            if n % 97 == 0 {
                readers.push((n, ring.place())); // joins between pushes, mid-block
            }
            ring.push(item(n), Box::default());
            if n % 2 == 0 {
                while let Ok(Some(order)) = read(&ring, &mut early, me) {
                    assert_eq!(order, next);
                    next += 1;
                }
            }
        }
        assert_eq!(next, 501);
        for (first, place) in &mut readers {
            let behind = 500 - *first + 1;
            assert_eq!(ring.lost(place), behind > 40);
            let want = if behind > 40 {
                Err(Peek::Lagged)
            } else {
                Ok(Some(*first))
            };
            assert_eq!(read(&ring, place, me), want);
        }
        // Blocks of 4, 8, 16, then 32, contiguous; those kept cover the last 40 events
        // and less than one more block.
        let kept: Vec<(u64, u64)> = ring.blocks().iter().map(|b| (b.start, b.end())).collect();
        assert!(kept.windows(2).all(|w| w[0].1 == w[1].0), "{kept:?}");
        let oldest = kept.first().map_or(0, |&(start, _)| start);
        assert!(
            oldest <= 500 - 40 && oldest + BLOCK as u64 > 500 - 40,
            "{kept:?}"
        );
    }

    #[test]
    fn a_reader_on_a_forgotten_block_lags_rather_than_skip() {
        let ring = Ring::new(1);
        let me = ConnectionId(1);
        let mut before_any = ring.place();
        ring.push(item(1), Box::default());
        let mut on_first = ring.place();
        for n in 2..=100 {
            ring.push(item(n), Box::default());
        }
        assert_eq!(read(&ring, &mut before_any, me), Err(Peek::Lagged));
        assert_eq!(read(&ring, &mut on_first, me), Err(Peek::Lagged));
        assert_eq!(
            (before_any.pos(), on_first.pos()),
            (0, 1),
            "nothing skipped"
        );
    }

    #[test]
    fn a_hole_below_the_tail_is_a_lag_not_an_endless_wait() {
        let ring = Ring::new(8);
        let me = ConnectionId(1);
        let mut place = ring.place();
        ring.push(item(1), Box::new([]));
        assert_eq!(read(&ring, &mut place, me), Ok(Some(1)));
        // The tail moves past a position nobody filled (the publisher never does that):
        // the reader lags and resumes from the history, instead of waiting or spinning.
        ring.tail.store(3, Ordering::Release);
        assert_eq!(ring.peek(&mut place, me), Peek::Lagged);
    }
}
