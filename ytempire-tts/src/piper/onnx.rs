//! Running a Piper model through onnxruntime, with its phoneme durations.
//!
//! A Piper graph's only output is the audio, but it computes each phoneme id's length in
//! frames (the `Ceil` of the duration predictor, node `/Ceil`; one frame is 256 samples and the
//! frames add up to the audio length exactly). The model's protobuf is edited on load to also
//! output that tensor ([`expose_output`]), so word timings come from the model itself.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use ytempire_core::{Error, ErrorKind, Result};

use super::PROVIDER;

/// The duration tensor exposed as an extra output.
pub(crate) const DURATIONS: &str = "/Ceil_output_0";
/// Samples per duration frame (Piper's hop length).
pub(crate) const HOP: usize = 256;

fn err(kind: ErrorKind, msg: String) -> Error {
    Error::new(kind, msg).with_provider(PROVIDER)
}

/// The library loaded first wins for the whole process (onnxruntime is a process singleton).
static RUNTIME: OnceLock<std::result::Result<String, String>> = OnceLock::new();

/// Load onnxruntime from `lib` once per process; later calls report the first outcome.
pub(crate) fn init_runtime(lib: &Path) -> Result<()> {
    let outcome = RUNTIME.get_or_init(|| match ort::init_from(lib) {
        Ok(builder) => {
            builder.with_name("ytempire-piper").commit();
            Ok(lib.display().to_string())
        }
        Err(e) => Err(format!(
            "cannot load onnxruntime from {}: {e}; install it with scripts/setup.sh or point {} at libonnxruntime.so (1.{} or newer)",
            lib.display(),
            super::voice::ENV_RUNTIME,
            ort::MINOR_VERSION
        )),
    });
    outcome
        .as_ref()
        .map(|_| ())
        .map_err(|m| err(ErrorKind::Config, m.clone()))
}

// --- minimal protobuf editing (ONNX ModelProto.graph = 7, GraphProto.output = 12) ---

fn read_varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_field(field: u64, payload: &[u8], out: &mut Vec<u8>) {
    write_varint(field << 3 | 2, out);
    write_varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// `model` with `name` (a float tensor) added to its graph's outputs; `None` if the bytes are
/// not a protobuf with a graph.
pub(crate) fn expose_output(model: &[u8], name: &str) -> Option<Vec<u8>> {
    // ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1 (FLOAT) } } }
    let mut elem = Vec::new();
    write_varint(1 << 3, &mut elem);
    write_varint(1, &mut elem);
    let mut tensor_type = Vec::new();
    len_field(1, &elem, &mut tensor_type);
    let mut value_info = Vec::new();
    len_field(1, name.as_bytes(), &mut value_info);
    len_field(2, &tensor_type, &mut value_info);

    let mut out = Vec::with_capacity(model.len() + 64);
    let mut i = 0;
    let mut found = false;
    while i < model.len() {
        let start = i;
        let key = read_varint(model, &mut i)?;
        match key & 7 {
            0 => {
                read_varint(model, &mut i)?;
            }
            1 => i += 8,
            5 => i += 4,
            2 => {
                let len = usize::try_from(read_varint(model, &mut i)?).ok()?;
                let end = i.checked_add(len).filter(|e| *e <= model.len())?;
                if key >> 3 == 7 && !found {
                    found = true;
                    let mut graph = model.get(i..end)?.to_vec();
                    len_field(12, &value_info, &mut graph);
                    len_field(7, &graph, &mut out);
                    i = end;
                    continue;
                }
                i = end;
            }
            _ => return None,
        }
        out.extend_from_slice(model.get(start..i)?);
    }
    found.then_some(out)
}

/// A loaded Piper model: one onnxruntime session per sentence run at once (a session runs one
/// input at a time: `Session::run` takes `&mut self`).
#[derive(Debug)]
pub(crate) struct Model {
    sessions: Vec<Mutex<Session>>,
}

/// One sentence's output.
#[derive(Debug)]
pub(crate) struct Output {
    /// Mono samples in [-1, 1] (roughly).
    pub audio: Vec<f32>,
    /// Frames per input id.
    pub durations: Vec<f32>,
}

/// How a model uses the cores: `sessions` sentences at once, each on `intra` threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Threads {
    /// Sessions, i.e. sentences synthesised at the same time (at least 1).
    pub sessions: usize,
    /// onnxruntime intra-op threads per session (at least 1).
    pub intra: usize,
}

impl Threads {
    /// Spread `cores` (0 = every available core) over `parallel` sentences at once (0 = one per
    /// core, at most [`MAX_SESSIONS`]); each session gets an equal share of the cores.
    pub(crate) fn plan(cores: usize, parallel: usize) -> Self {
        let cores = if cores == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        } else {
            cores
        };
        let sessions = if parallel == 0 {
            cores.min(MAX_SESSIONS)
        } else {
            parallel
        }
        .max(1);
        Self {
            sessions,
            intra: (cores / sessions).max(1),
        }
    }
}

/// Sessions loaded by default at most: each holds its own copy of the weights (about the
/// model file's size) and the gain beyond four sentences at once is small.
pub(crate) const MAX_SESSIONS: usize = 4;

impl Model {
    /// Load `path`, exposing the duration output, as `threads` sessions (loaded in parallel).
    pub(crate) fn load(path: &Path, threads: Threads) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading Piper model {}", path.display()), e))?;
        let edited = expose_output(&bytes, DURATIONS).ok_or_else(|| {
            err(
                ErrorKind::Config,
                format!("{} is not an ONNX model", path.display()),
            )
        })?;
        drop(bytes);
        let sessions = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.sessions.max(1))
                .map(|_| scope.spawn(|| session(path, &edited, threads.intra)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(err(
                            ErrorKind::Upstream,
                            format!("loading {} panicked", path.display()),
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(Self { sessions })
    }

    /// Sessions, i.e. sentences this model runs at once.
    pub(crate) fn parallel(&self) -> usize {
        self.sessions.len()
    }

    /// Run every sentence's ids with `scales` = `[noise_scale, length_scale, noise_w]`, up to
    /// one sentence per session at once; outputs in input order. The first failure is returned.
    pub(crate) fn run_all(&self, inputs: &[&[i64]], scales: [f32; 3]) -> Result<Vec<Output>> {
        let workers = self.sessions.len().min(inputs.len());
        if workers <= 1 {
            return inputs
                .iter()
                .map(|ids| self.run_on(0, ids, scales))
                .collect();
        }
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let mut done: Vec<(usize, Result<Output>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (next, failed) = (&next, &failed);
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(ids) = inputs.get(i) else { break };
                            if failed.load(Ordering::Relaxed) {
                                break;
                            }
                            let out = self.run_on(w, ids, scales);
                            if out.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            mine.push((i, out));
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![(
                            0,
                            Err(err(ErrorKind::Upstream, "a Piper worker panicked".into())),
                        )]
                    })
                })
                .collect()
        });
        if let Some(pos) = done.iter().position(|(_, r)| r.is_err()) {
            return Err(match done.swap_remove(pos).1 {
                Err(e) => e,
                Ok(_) => err(ErrorKind::Upstream, "Piper worker failed".into()),
            });
        }
        done.sort_by_key(|(i, _)| *i);
        if done.len() != inputs.len() {
            return Err(err(
                ErrorKind::Upstream,
                format!("Piper ran {} of {} sentences", done.len(), inputs.len()),
            ));
        }
        done.into_iter().map(|(_, r)| r).collect()
    }

    /// Run one sentence's ids on session `w`.
    fn run_on(&self, w: usize, ids: &[i64], scales: [f32; 3]) -> Result<Output> {
        let fail = |e: ort::Error| err(ErrorKind::Upstream, format!("Piper inference: {e}"));
        let n = ids.len();
        let input = Tensor::from_array(([1usize, n], ids.to_vec())).map_err(fail)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(fail)?;
        let scales = Tensor::from_array(([3usize], scales.to_vec())).map_err(fail)?;
        let mut session = self
            .sessions
            .get(w)
            .ok_or_else(|| err(ErrorKind::Upstream, format!("no Piper session {w}")))?
            .lock()
            .map_err(|_| err(ErrorKind::Upstream, "Piper session lock poisoned".into()))?;
        let outputs = session
            .run(ort::inputs![
                "input" => input,
                "input_lengths" => lengths,
                "scales" => scales,
            ])
            .map_err(fail)?;
        let (_, audio) = outputs["output"]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let (_, durations) = outputs[DURATIONS]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        Ok(Output {
            audio: audio.to_vec(),
            durations: durations.to_vec(),
        })
    }
}

/// One onnxruntime session of the (edited) model bytes on `intra` threads.
fn session(path: &Path, edited: &[u8], intra: usize) -> Result<Mutex<Session>> {
    let ort_err = |e: ort::Error| {
        err(
            ErrorKind::Config,
            format!("onnxruntime cannot load {}: {e}", path.display()),
        )
    };
    let session = Session::builder()
        .map_err(ort_err)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| ort_err(e.into()))?
        .with_intra_threads(intra.max(1))
        .map_err(|e| ort_err(e.into()))?
        .commit_from_memory(edited)
        .map_err(ort_err)?;
    if !session.outputs().iter().any(|o| o.name() == DURATIONS) {
        return Err(err(
            ErrorKind::Config,
            format!(
                "{} has no {DURATIONS} tensor: not a Piper VITS model",
                path.display()
            ),
        ));
    }
    Ok(Mutex::new(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposing_an_output_rewrites_the_graph_length() {
        // ModelProto { ir_version = 1: 8, graph = 7: { name = 2: "g" }, opset = 8: "x" }
        let model = [0x08, 8, 0x3a, 3, 0x12, 1, b'g', 0x42, 1, b'x'];
        let out = expose_output(&model, "d").unwrap();
        // ir_version kept, graph grown by the output entry, trailing field kept.
        assert_eq!(&out[..2], &[0x08, 8]);
        assert_eq!(out[2], 0x3a);
        let graph_len = out[3] as usize;
        let graph = &out[4..4 + graph_len];
        assert_eq!(&graph[..3], &[0x12, 1, b'g']);
        assert_eq!(graph[3], 12 << 3 | 2);
        assert_eq!(&out[4 + graph_len..], &[0x42, 1, b'x']);
        assert!(expose_output(b"\x08\x08", "d").is_none());
    }

    #[test]
    fn threads_spread_cores_over_sessions() {
        // (cores, sessions asked for) -> (sessions, intra-op threads each)
        let cases = [
            ((2, 0), (2, 1)),
            ((16, 0), (MAX_SESSIONS, 4)),
            ((2, 1), (1, 2)),
            ((3, 8), (8, 1)),
        ];
        for ((cores, asked), (sessions, intra)) in cases {
            assert_eq!(
                Threads::plan(cores, asked),
                Threads { sessions, intra },
                "{cores} cores, {asked} sessions asked for"
            );
        }
        assert!(Threads::plan(0, 0).sessions >= 1);
    }
}
