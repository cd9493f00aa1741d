//! Lanes: how much of each resource one worker process may use at once, as
//! `network=8,render=1,memory=2048` (`ytempire queue work --lanes`, or the config's `lanes`).
//!
//! - `network`: stages that wait on vendors (script, narration, visuals, quality, upload);
//! - `render`: renders and thumbnails (CPU- or GPU-bound);
//! - `memory`: MiB of render memory shared by the renders in flight (each reserves its
//!   estimate, so a 4K render waits while two 1080p ones run).
//!
//! Keys left out keep their defaults (8, 1, 2048). A machine with a GPU and many cores
//! takes more renders (`render=3`); a small one behind a slow link fewer network slots.
//!
//! ```
//! use ytempire_examples::lanes::Lanes;
//! let lanes: Lanes = "render=2, memory=4096".parse().unwrap();
//! assert_eq!((lanes.network, lanes.render, lanes.memory_mib), (8, 2, 4096));
//! assert!("gpu=1".parse::<Lanes>().unwrap_err().contains("network, render, memory"));
//! ```

use std::str::FromStr;

use serde::Deserialize;
use ytempire_core::pipeline::ResourceLimits;

/// Resource slots of one worker process (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lanes {
    /// Network-bound stages at once.
    pub network: usize,
    /// Renders (and thumbnails) at once.
    pub render: usize,
    /// MiB of render memory shared by the renders in flight.
    pub memory_mib: u32,
}

impl Default for Lanes {
    /// 8 network stages, 1 render, 2048 MiB ([`ResourceLimits::default`]).
    fn default() -> Self {
        Self {
            network: 8,
            render: 1,
            memory_mib: 2048,
        }
    }
}

impl Lanes {
    /// The pipeline's limits for these lanes.
    pub fn limits(&self) -> ResourceLimits {
        ResourceLimits::new(self.network, self.render, self.memory_mib)
    }
}

impl FromStr for Lanes {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut lanes = Self::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("lane {part:?} needs a value, e.g. render=2"))?;
            let (key, value) = (key.trim(), value.trim());
            let n: u32 = value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                format!("lane {key}={value:?} needs a whole number of at least 1")
            })?;
            match key {
                "network" => lanes.network = n.min(256) as usize,
                "render" => lanes.render = n.min(64) as usize,
                "memory" => lanes.memory_mib = n,
                other => {
                    return Err(format!(
                        "unknown lane {other:?}: the lanes are network, render, memory (MiB)"
                    ));
                }
            }
        }
        Ok(lanes)
    }
}

impl<'de> Deserialize<'de> for Lanes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_parse_and_refuse_with_a_reason() {
        let l: Lanes = "network=2,render=3,memory=8192".parse().unwrap();
        assert_eq!(
            l,
            Lanes {
                network: 2,
                render: 3,
                memory_mib: 8192
            }
        );
        assert_eq!("".parse::<Lanes>().unwrap(), Lanes::default());
        for (bad, says) in [
            ("render", "needs a value"),
            ("render=0", "at least 1"),
            ("render=two", "whole number"),
            ("cpu=1", "network, render, memory"),
        ] {
            let e = bad.parse::<Lanes>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
