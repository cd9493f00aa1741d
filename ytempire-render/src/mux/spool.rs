//! [`PacketSpool`]: encoded video packets parked in an unnamed temporary file while the muxer
//! cannot take them yet (the soundtrack it interleaves is still being made), replayed in
//! order afterwards. Memory does not grow with the number of packets parked.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use ytempire_core::{Error, Result};

use crate::encode::Packet;

fn io_err(what: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::io(format!("{what} the video packet spool"), e)
}

/// Packets written to a temporary file (deleted by the OS when dropped), read back in order.
pub(crate) struct PacketSpool {
    file: BufWriter<File>,
    count: u64,
}

impl PacketSpool {
    /// An empty spool.
    pub(crate) fn new() -> Result<Self> {
        let file = tempfile::tempfile().map_err(io_err("creating"))?;
        Ok(Self {
            file: BufWriter::with_capacity(1 << 18, file),
            count: 0,
        })
    }

    /// Park one packet: its length, flags and times, then its bytes.
    pub(crate) fn push(&mut self, p: &Packet) -> Result<()> {
        let len = u64::try_from(p.data.len()).unwrap_or(u64::MAX);
        let w = &mut self.file;
        w.write_all(&len.to_le_bytes())
            .and_then(|()| w.write_all(&[u8::from(p.keyframe)]))
            .and_then(|()| w.write_all(&p.pts.to_le_bytes()))
            .and_then(|()| w.write_all(&p.dts.to_le_bytes()))
            .and_then(|()| w.write_all(&p.data))
            .map_err(io_err("writing"))?;
        self.count += 1;
        Ok(())
    }

    /// Hand every parked packet to `f`, in the order they were pushed.
    pub(crate) fn replay(self, mut f: impl FnMut(&Packet) -> Result<()>) -> Result<()> {
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| Error::io("flushing the video packet spool", e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io_err("rewinding"))?;
        let mut r = BufReader::with_capacity(1 << 18, file);
        let mut head = [0u8; 25];
        for _ in 0..self.count {
            r.read_exact(&mut head).map_err(io_err("reading"))?;
            let field = |range: std::ops::Range<usize>| -> [u8; 8] {
                head.get(range)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default()
            };
            let len = usize::try_from(u64::from_le_bytes(field(0..8)))
                .map_err(|_| Error::internal("a spooled video packet is too large"))?;
            let mut data = vec![0u8; len];
            r.read_exact(&mut data).map_err(io_err("reading"))?;
            f(&Packet {
                data,
                keyframe: head[8] != 0,
                pts: i64::from_le_bytes(field(9..17)),
                dts: i64::from_le_bytes(field(17..25)),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_come_back_in_order_with_their_fields() {
        let mut spool = PacketSpool::new().unwrap_or_else(|e| unreachable!("{e}"));
        let packets: Vec<Packet> = (0..50i64)
            .map(|i| Packet {
                data: (0..(i * 37 % 300)).map(|b| (b ^ i) as u8).collect(),
                keyframe: i % 15 == 0,
                pts: i,
                dts: i - 1,
            })
            .collect();
        for p in &packets {
            assert!(spool.push(p).is_ok());
        }
        let mut back = Vec::new();
        let replayed = spool.replay(|p| {
            back.push((p.data.clone(), p.keyframe, p.pts, p.dts));
            Ok(())
        });
        assert!(replayed.is_ok());
        let want: Vec<_> = packets
            .iter()
            .map(|p| (p.data.clone(), p.keyframe, p.pts, p.dts))
            .collect();
        assert_eq!(back, want);
    }
}
