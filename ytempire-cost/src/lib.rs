//! ytempire-cost: placeholder, filled by its issue.

#![forbid(unsafe_code)]
