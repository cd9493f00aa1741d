//! ytempire-render: placeholder, filled by its issue.

#![forbid(unsafe_code)]
