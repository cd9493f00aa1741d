//! Test helpers for users of this crate (feature `testing`): loopback fakes of the vendors.

mod anthropic_fake;
mod openai_fake;

pub use anthropic_fake::FakeAnthropic;
pub use openai_fake::{FakeOpenAi, FakeReply};
