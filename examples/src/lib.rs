//! Runnable examples for ytempire; see the `examples/` folder of this package.
