//! Decorators that wrap a provider and implement the same trait: retry, fallback, cache,
//! metering, timeout, concurrency and rate limits, and chaos for tests.
