//! Test helpers for users of this crate (feature `testing`): loopback fakes of the vendors.

mod openai_fake;

pub use openai_fake::{FakeOpenAi, FakeReply};
