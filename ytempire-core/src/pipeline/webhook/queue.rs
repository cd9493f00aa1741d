//! The bounded queue of events waiting for delivery, and its overflow policy.
//!
//! When a new event arrives at a full queue, one event is dropped: the oldest of the lowest
//! class present among the queued events and the new one. Classes, lowest first:
//!
//! 1. progress ([`PipelineEvent::StageProgress`]): a later progress event supersedes it;
//! 2. everything else that does not end a job (stage started/finished, cost, warning);
//! 3. terminal ([`PipelineEvent::Finished`], [`PipelineEvent::Failed`]): never dropped. When
//!    the queue holds nothing else, it grows past its capacity for them.

use std::collections::VecDeque;

use crate::pipeline::PipelineEvent;

/// Drop priority of an event: lower is dropped first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Class {
    Progress,
    Info,
    Terminal,
}

impl Class {
    pub(super) fn of(event: &PipelineEvent) -> Self {
        match event {
            PipelineEvent::StageProgress { .. } => Self::Progress,
            PipelineEvent::Finished { .. } | PipelineEvent::Failed { .. } => Self::Terminal,
            _ => Self::Info,
        }
    }
}

/// An event serialised and ready to send.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) id: String,
    pub(super) sequence: u64,
    pub(super) class: Class,
    pub(super) body: Vec<u8>,
}

/// FIFO with a capacity and the overflow policy in the module docs.
#[derive(Debug)]
pub(super) struct BoundedQueue {
    items: VecDeque<Pending>,
    capacity: usize,
}

impl BoundedQueue {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            items: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Add `item`; returns the event dropped to make room (possibly `item` itself).
    pub(super) fn push(&mut self, item: Pending) -> Option<Pending> {
        if self.items.len() < self.capacity {
            self.items.push_back(item);
            return None;
        }
        let victim = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, p)| p.class != Class::Terminal)
            .min_by_key(|(i, p)| (p.class, *i))
            .map(|(i, p)| (i, p.class));
        match victim {
            Some((i, class)) if class <= item.class => {
                let dropped = self.items.remove(i);
                self.items.push_back(item);
                dropped
            }
            _ if item.class == Class::Terminal => {
                self.items.push_back(item);
                None
            }
            _ => Some(item),
        }
    }

    pub(super) fn pop(&mut self) -> Option<Pending> {
        self.items.pop_front()
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Remove everything, returning how many were removed.
    pub(super) fn clear(&mut self) -> usize {
        let n = self.items.len();
        self.items.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(sequence: u64, class: Class) -> Pending {
        Pending {
            id: format!("e{sequence}"),
            sequence,
            class,
            body: Vec::new(),
        }
    }

    fn seqs(q: &BoundedQueue) -> Vec<u64> {
        q.items.iter().map(|p| p.sequence).collect()
    }

    #[test]
    fn webhook_queue_drops_oldest_progress_first() {
        let mut q = BoundedQueue::new(3);
        assert!(q.push(p(1, Class::Info)).is_none());
        assert!(q.push(p(2, Class::Progress)).is_none());
        assert!(q.push(p(3, Class::Progress)).is_none());
        assert_eq!(q.push(p(4, Class::Progress)).map(|d| d.sequence), Some(2));
        assert_eq!(q.push(p(5, Class::Info)).map(|d| d.sequence), Some(3));
        assert_eq!(seqs(&q), [1, 4, 5]);
        // Next lowest: progress 4, then the oldest info.
        assert_eq!(q.push(p(6, Class::Terminal)).map(|d| d.sequence), Some(4));
        assert_eq!(q.push(p(7, Class::Info)).map(|d| d.sequence), Some(1));
        assert_eq!(seqs(&q), [5, 6, 7]);
    }

    #[test]
    fn webhook_queue_drops_incoming_when_it_is_lowest() {
        let mut q = BoundedQueue::new(2);
        q.push(p(1, Class::Info));
        q.push(p(2, Class::Info));
        assert_eq!(q.push(p(3, Class::Progress)).map(|d| d.sequence), Some(3));
        assert_eq!(seqs(&q), [1, 2]);
    }

    #[test]
    fn webhook_queue_never_drops_terminal_events() {
        let mut q = BoundedQueue::new(2);
        q.push(p(1, Class::Terminal));
        q.push(p(2, Class::Terminal));
        assert_eq!(q.push(p(3, Class::Info)).map(|d| d.sequence), Some(3));
        assert!(q.push(p(4, Class::Terminal)).is_none());
        assert_eq!(seqs(&q), [1, 2, 4]);
        assert_eq!(q.pop().map(|d| d.sequence), Some(1));
        assert_eq!(q.len(), 2);
        assert_eq!(q.clear(), 2);
    }
}
