//! Running a Piper model through onnxruntime, with its phoneme durations.
//!
//! A Piper graph's only output is the audio, but it computes each phoneme id's length in
//! frames (the `Ceil` of the duration predictor, node `/Ceil`; one frame is 256 samples and the
//! frames add up to the audio length exactly). The model's protobuf is edited on load to also
//! output that tensor ([`expose_output`]), so word timings come from the model itself.

use std::path::Path;
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

/// A loaded Piper model.
#[derive(Debug)]
pub(crate) struct Model {
    session: Mutex<Session>,
}

/// One sentence's output.
#[derive(Debug)]
pub(crate) struct Output {
    /// Mono samples in [-1, 1] (roughly).
    pub audio: Vec<f32>,
    /// Frames per input id.
    pub durations: Vec<f32>,
}

impl Model {
    /// Load `path`, exposing the duration output. `threads`: intra-op threads (0 = all cores).
    pub(crate) fn load(path: &Path, threads: usize) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading Piper model {}", path.display()), e))?;
        let edited = expose_output(&bytes, DURATIONS).ok_or_else(|| {
            err(
                ErrorKind::Config,
                format!("{} is not an ONNX model", path.display()),
            )
        })?;
        drop(bytes);
        let ort_err = |e: ort::Error| {
            err(
                ErrorKind::Config,
                format!("onnxruntime cannot load {}: {e}", path.display()),
            )
        };
        let mut builder = Session::builder()
            .map_err(ort_err)?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| ort_err(e.into()))?;
        if threads > 0 {
            builder = builder
                .with_intra_threads(threads)
                .map_err(|e| ort_err(e.into()))?;
        }
        let session = builder.commit_from_memory(&edited).map_err(ort_err)?;
        if !session.outputs().iter().any(|o| o.name() == DURATIONS) {
            return Err(err(
                ErrorKind::Config,
                format!(
                    "{} has no {DURATIONS} tensor: not a Piper VITS model",
                    path.display()
                ),
            ));
        }
        Ok(Self {
            session: Mutex::new(session),
        })
    }

    /// Run one sentence's ids with `scales` = `[noise_scale, length_scale, noise_w]`.
    pub(crate) fn run(&self, ids: &[i64], scales: [f32; 3]) -> Result<Output> {
        let fail = |e: ort::Error| err(ErrorKind::Upstream, format!("Piper inference: {e}"));
        let n = ids.len();
        let input = Tensor::from_array(([1usize, n], ids.to_vec())).map_err(fail)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(fail)?;
        let scales = Tensor::from_array(([3usize], scales.to_vec())).map_err(fail)?;
        let mut session = self
            .session
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
}
