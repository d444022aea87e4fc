//! Decoding batches on several threads, in file order.
//!
//! A table is read in two stages: splitting the stream into batches of
//! records (sequential: one thread) and decoding each batch with Arrow
//! (independent: as many threads as there are cores). Results come back
//! numbered and are handed out in order, so the caller sees batches and
//! malformed-record examples exactly as a sequential reader would give them.
//!
//! Memory stays bounded: the splitter runs at most a few batches ahead of the
//! decoders, which run at most a few batches ahead of the caller.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use crate::pipeline::{Stage, threshold};
use crate::{DataError, ReadReport};

/// The second stage: turns one batch from the first into output.
pub(crate) trait Decode: Send + Sync + 'static {
    type Input: Send + 'static;
    type Output: Send + 'static;

    /// `None` when nothing in the batch could be read (all of it reported).
    fn decode(
        &self,
        input: Self::Input,
        report: &mut ReadReport,
    ) -> Result<Option<Self::Output>, DataError>;
}

enum Work<T> {
    Batch(u64, T, ReadReport),
    Error(u64, DataError, ReadReport),
    Done(u64, ReadReport),
}

pub(crate) enum Outcome<T> {
    /// A decoded batch, what decoding it met, and what splitting had met by then.
    Batch(Result<Option<T>, DataError>, ReadReport, ReadReport),
    Error(DataError, ReadReport),
    Done(ReadReport),
}

/// Two stages run inline (small inputs) or on threads.
pub(crate) enum Pipeline<S: Stage, D: Decode<Input = S::Item>> {
    Inline {
        stage: Box<S>,
        decode: D,
    },
    Threads {
        receiver: mpsc::Receiver<(u64, Outcome<D::Output>)>,
        waiting: BTreeMap<u64, Outcome<D::Output>>,
        next: u64,
    },
}

/// The reports of a pipeline: what splitting met (a running snapshot) and
/// what decoding met (added up batch by batch, in order).
#[derive(Default)]
pub(crate) struct Reports {
    pub(crate) read: ReadReport,
    pub(crate) decoded: ReadReport,
}

impl Reports {
    fn add_decoded(&mut self, delta: ReadReport) {
        let decoded = &mut self.decoded;
        decoded.records += delta.records;
        decoded.bytes += delta.bytes;
        decoded.malformed += delta.malformed;
        decoded.invalid_utf8 += delta.invalid_utf8;
        let room = ReadReport::MAX_EXAMPLES.saturating_sub(decoded.malformed_examples.len());
        decoded
            .malformed_examples
            .extend(delta.malformed_examples.into_iter().take(room));
    }
}

impl<S: Stage, D: Decode<Input = S::Item>> Pipeline<S, D> {
    pub(crate) fn new(stage: S, decode: D, size: u64) -> Self {
        let workers = thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        if size < threshold() {
            return Pipeline::Inline {
                stage: Box::new(stage),
                decode,
            };
        }
        match start(stage, decode, workers) {
            Ok(receiver) => Pipeline::Threads {
                receiver,
                waiting: BTreeMap::new(),
                next: 0,
            },
            Err((stage, decode)) => Pipeline::Inline {
                stage: Box::new(stage),
                decode,
            },
        }
    }

    pub(crate) fn next(&mut self, reports: &mut Reports) -> Result<Option<D::Output>, DataError> {
        match self {
            Pipeline::Inline { stage, decode } => loop {
                let Some(batch) = stage.next_item(&mut reports.read)? else {
                    return Ok(None);
                };
                if let Some(output) = decode.decode(batch, &mut reports.decoded)? {
                    return Ok(Some(output));
                }
            },
            Pipeline::Threads {
                receiver,
                waiting,
                next,
            } => loop {
                if let Some(outcome) = waiting.remove(next) {
                    *next += 1;
                    match outcome {
                        Outcome::Batch(result, delta, read) => {
                            reports.read = read;
                            reports.add_decoded(delta);
                            match result? {
                                Some(output) => return Ok(Some(output)),
                                None => continue,
                            }
                        }
                        Outcome::Error(error, read) => {
                            reports.read = read;
                            return Err(error);
                        }
                        Outcome::Done(read) => {
                            reports.read = read;
                            return Ok(None);
                        }
                    }
                }
                match receiver.recv() {
                    Ok((sequence, outcome)) => {
                        waiting.insert(sequence, outcome);
                    }
                    Err(mpsc::RecvError) => {
                        return Err(DataError::Internal(
                            "the reading threads stopped without finishing".into(),
                        ));
                    }
                }
            },
        }
    }
}

type Started<S, D> = Result<mpsc::Receiver<(u64, Outcome<<D as Decode>::Output>)>, (S, D)>;

/// Starts the splitting thread and the decoding threads; gives the stages
/// back when no thread can be started.
fn start<S: Stage, D: Decode<Input = S::Item>>(
    stage: S,
    decode: D,
    workers: usize,
) -> Started<S, D> {
    let (work_sender, work_receiver) = mpsc::sync_channel::<Work<S::Item>>(workers);
    let (result_sender, result_receiver) = mpsc::sync_channel(workers);
    let work_receiver = Arc::new(Mutex::new(work_receiver));
    // The decoder is handed over once a decoding thread runs, so that it stays here when none can start.
    let (hand_over, take_over) = mpsc::sync_channel::<Arc<D>>(workers);
    let take_over = Arc::new(Mutex::new(take_over));
    let mut started = 0;
    for _ in 0..workers {
        let work = Arc::clone(&work_receiver);
        let results = result_sender.clone();
        let take_over = Arc::clone(&take_over);
        let spawned = thread::Builder::new()
            .name("accord-data-decode".into())
            .spawn(move || {
                let decode = take_over
                    .lock()
                    .ok()
                    .and_then(|receiver| receiver.recv().ok());
                if let Some(decode) = decode {
                    decode_loop(&*decode, &work, &results);
                }
            });
        if spawned.is_ok() {
            started += 1;
        }
    }
    drop(result_sender);
    if started == 0 {
        return Err((stage, decode));
    }
    let decode = Arc::new(decode);
    for _ in 0..started {
        // A thread that ended early leaves its share unclaimed; the others go on.
        let _ = hand_over.send(Arc::clone(&decode));
    }
    drop(decode);
    let (stage_over, stage_in) = mpsc::sync_channel::<S>(1);
    let spawned = thread::Builder::new()
        .name("accord-data-read".into())
        .spawn(move || {
            if let Ok(stage) = stage_in.recv() {
                split_loop(stage, &work_sender);
            }
        });
    if spawned.is_err() {
        // The decoders end when the work channel closes; the caller gets an error.
        return Ok(result_receiver);
    }
    let _ = stage_over.send(stage);
    Ok(result_receiver)
}

fn split_loop<S: Stage>(mut stage: S, work: &mpsc::SyncSender<Work<S::Item>>) {
    let mut report = ReadReport::default();
    let mut sequence = 0;
    loop {
        let message = match stage.next_item(&mut report) {
            Ok(Some(batch)) => Work::Batch(sequence, batch, report.clone()),
            Ok(None) => Work::Done(sequence, std::mem::take(&mut report)),
            Err(error) => Work::Error(sequence, error, std::mem::take(&mut report)),
        };
        let last = !matches!(message, Work::Batch(..));
        if work.send(message).is_err() || last {
            return;
        }
        sequence += 1;
    }
}

fn decode_loop<D: Decode>(
    decode: &D,
    work: &Mutex<mpsc::Receiver<Work<D::Input>>>,
    results: &mpsc::SyncSender<(u64, Outcome<D::Output>)>,
) {
    loop {
        let message = match work.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let result = match message {
            Err(mpsc::RecvError) => return,
            Ok(Work::Batch(sequence, batch, read)) => {
                let mut delta = ReadReport::default();
                // A panic in a decoder would leave a hole in the sequence, and the
                // caller waiting for it while later batches pile up: make it an error.
                let output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    decode.decode(batch, &mut delta)
                }))
                .unwrap_or_else(|_| Err(DataError::Internal("a decoder panicked".into())));
                (sequence, Outcome::Batch(output, delta, read))
            }
            Ok(Work::Error(sequence, error, read)) => (sequence, Outcome::Error(error, read)),
            Ok(Work::Done(sequence, read)) => (sequence, Outcome::Done(read)),
        };
        if results.send(result).is_err() {
            return;
        }
    }
}
