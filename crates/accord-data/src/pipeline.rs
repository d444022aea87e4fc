//! Reading ahead on a thread of its own, so that decompressing and parsing
//! one input overlaps with what the caller does with it (two cores for one
//! file). Small inputs are read inline: a thread costs more than they do.
//!
//! Memory stays bounded: the thread runs at most [`CHANNEL`] messages ahead,
//! and a message holds one table batch or about [`Stage::GROUP_BYTES`] of text.

use std::sync::mpsc;
use std::thread;

use crate::{DataError, ReadReport};

/// Inputs at least this large on disk are read ahead on a thread.
const THREAD_THRESHOLD: u64 = 4 << 20;

#[cfg(test)]
thread_local! {
    /// Tests run the same cases inline and on threads.
    pub(crate) static TEST_THRESHOLD: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

pub(crate) fn threshold() -> u64 {
    #[cfg(test)]
    if let Some(threshold) = TEST_THRESHOLD.with(std::cell::Cell::get) {
        return threshold;
    }
    THREAD_THRESHOLD
}

/// Messages in flight between the reading thread and the caller.
const CHANNEL: usize = 2;

/// One step of reading that can run on another thread.
pub(crate) trait Stage: Send + 'static {
    type Item: Send + 'static;

    /// Items are sent in groups of about this many bytes (0: one at a time).
    const GROUP_BYTES: usize = 0;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<Self::Item>, DataError>;

    /// The size of an item, for grouping.
    fn weight(_item: &Self::Item) -> usize {
        1
    }
}

pub(crate) enum Message<T> {
    Items(Vec<T>, ReadReport),
    Error(DataError, ReadReport),
    Done(ReadReport),
}

/// A stage read inline or ahead on its own thread.
pub(crate) enum Feed<S: Stage> {
    Inline(S),
    Thread {
        receiver: mpsc::Receiver<Message<S::Item>>,
        pending: std::vec::IntoIter<S::Item>,
    },
}

impl<S: Stage> Feed<S> {
    /// Reads `stage` ahead on a thread when `size` is large enough (and a thread can be had).
    pub(crate) fn new(stage: S, size: u64) -> Self {
        if size < threshold() {
            return Feed::Inline(stage);
        }
        let (sender, receiver) = mpsc::sync_channel(CHANNEL);
        // The stage is handed over once the thread runs, so that it stays here when none can start.
        let (hand_over, take_over) = mpsc::sync_channel::<S>(1);
        let started = thread::Builder::new()
            .name("accord-data-read".into())
            .spawn(move || {
                if let Ok(stage) = take_over.recv() {
                    run(stage, &sender);
                }
            });
        if started.is_err() {
            return Feed::Inline(stage);
        }
        match hand_over.send(stage) {
            Ok(()) => Feed::Thread {
                receiver,
                pending: Vec::new().into_iter(),
            },
            Err(mpsc::SendError(stage)) => Feed::Inline(stage),
        }
    }

    /// The next item; `report` is what the stage has read so far.
    pub(crate) fn next(&mut self, report: &mut ReadReport) -> Result<Option<S::Item>, DataError> {
        match self {
            Feed::Inline(stage) => stage.next_item(report),
            Feed::Thread { receiver, pending } => loop {
                if let Some(item) = pending.next() {
                    return Ok(Some(item));
                }
                match receiver.recv() {
                    Ok(Message::Items(items, read)) => {
                        *report = read;
                        *pending = items.into_iter();
                    }
                    Ok(Message::Error(error, read)) => {
                        *report = read;
                        return Err(error);
                    }
                    Ok(Message::Done(read)) => {
                        *report = read;
                        return Ok(None);
                    }
                    Err(mpsc::RecvError) => {
                        return Err(DataError::Internal(
                            "the reading thread stopped without finishing".into(),
                        ));
                    }
                }
            },
        }
    }
}

fn run<S: Stage>(mut stage: S, sender: &mpsc::SyncSender<Message<S::Item>>) {
    let mut report = ReadReport::default();
    let mut items = Vec::new();
    let mut weight = 0;
    loop {
        match stage.next_item(&mut report) {
            Ok(Some(item)) => {
                weight += S::weight(&item);
                items.push(item);
                if weight >= S::GROUP_BYTES {
                    weight = 0;
                    let message = Message::Items(std::mem::take(&mut items), report.clone());
                    if sender.send(message).is_err() {
                        // The reader was dropped: stop reading.
                        return;
                    }
                }
            }
            Ok(None) => {
                if !items.is_empty() {
                    let _ = sender.send(Message::Items(items, report.clone()));
                }
                let _ = sender.send(Message::Done(report));
                return;
            }
            Err(error) => {
                if !items.is_empty() {
                    let _ = sender.send(Message::Items(items, report.clone()));
                }
                let _ = sender.send(Message::Error(error, report));
                return;
            }
        }
    }
}

/// Two reports of one input, one from each stage, as one: counts added, the
/// first examples of both in line order.
pub(crate) fn merge(first: &ReadReport, second: &ReadReport) -> ReadReport {
    let mut examples =
        Vec::with_capacity(first.malformed_examples.len() + second.malformed_examples.len());
    let (mut a, mut b) = (
        first.malformed_examples.iter().peekable(),
        second.malformed_examples.iter().peekable(),
    );
    while examples.len() < ReadReport::MAX_EXAMPLES {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.0 < x.0 => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some(example) => examples.push(example.clone()),
            None => break,
        }
    }
    ReadReport {
        records: first.records + second.records,
        bytes: first.bytes + second.bytes,
        malformed: first.malformed + second.malformed,
        malformed_examples: examples,
        invalid_utf8: first.invalid_utf8 + second.invalid_utf8,
    }
}
