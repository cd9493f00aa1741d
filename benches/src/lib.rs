//! Criterion benchmarks for ytempire; see `benches/benches/`.
