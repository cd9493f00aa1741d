//! Serde helpers that store binary payloads as base64 strings (compact in JSON caches).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serializer};

/// `Vec<u8>` as a base64 string.
pub(crate) mod bytes {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(data))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// `Vec<i16>` PCM as base64 of little-endian bytes.
pub(crate) mod pcm16 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(samples: &[i16], s: S) -> Result<S::Ok, S::Error> {
        let mut raw = Vec::with_capacity(samples.len() * 2);
        for v in samples {
            raw.extend_from_slice(&v.to_le_bytes());
        }
        s.serialize_str(&STANDARD.encode(raw))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i16>, D::Error> {
        let text = String::deserialize(d)?;
        let raw = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        if raw.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd number of PCM bytes"));
        }
        Ok(raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect())
    }
}
