//! Reading and writing classic pcap files (microsecond or nanosecond stamps, Ethernet link type).

use std::io::{self, Read, Write};

use crate::capture::CapturedPacket;

const MAGIC_US: u32 = 0xa1b2_c3d4;
const MAGIC_NS: u32 = 0xa1b2_3c4d;

/// Writes packets to a pcap file with nanosecond stamps.
///
/// # Errors
/// The file cannot be written.
pub fn write_pcap(path: &std::path::Path, packets: &[CapturedPacket]) -> io::Result<()> {
    let mut w = io::BufWriter::new(std::fs::File::create(path)?);
    w.write_all(&MAGIC_NS.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&65535u32.to_le_bytes())?;
    w.write_all(&1u32.to_le_bytes())?;
    for p in packets {
        w.write_all(&((p.time_ns / 1_000_000_000) as u32).to_le_bytes())?;
        w.write_all(&((p.time_ns % 1_000_000_000) as u32).to_le_bytes())?;
        w.write_all(&(p.data.len() as u32).to_le_bytes())?;
        w.write_all(&p.orig_len.to_le_bytes())?;
        w.write_all(&p.data)?;
    }
    w.flush()
}

/// Reads every packet of a pcap file (either byte order, µs or ns stamps).
///
/// # Errors
/// The file cannot be read or is not a pcap file with Ethernet frames.
pub fn read_pcap(path: &std::path::Path) -> io::Result<Vec<CapturedPacket>> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut buf)?;
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {m}", path.display()));
    if buf.len() < 24 {
        return Err(bad("too short for a pcap header"));
    }
    let magic_le = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let magic_be = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let (be, ns) = match (magic_le, magic_be) {
        (MAGIC_US, _) => (false, false),
        (MAGIC_NS, _) => (false, true),
        (_, MAGIC_US) => (true, false),
        (_, MAGIC_NS) => (true, true),
        _ => {
            return Err(bad(
                "not a pcap file (pcapng is not supported; convert with editcap -F pcap)",
            ));
        }
    };
    let rd = |o: usize| {
        let b = [buf[o], buf[o + 1], buf[o + 2], buf[o + 3]];
        if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    if rd(20) & 0x0fff_ffff != 1 {
        return Err(bad("link type is not Ethernet"));
    }
    let mut out = Vec::new();
    let mut o = 24;
    while o + 16 <= buf.len() {
        let (sec, frac, caplen, orig) = (rd(o), rd(o + 4), rd(o + 8) as usize, rd(o + 12));
        o += 16;
        if o + caplen > buf.len() {
            return Err(bad("truncated packet record"));
        }
        let time_ns = u64::from(sec) * 1_000_000_000 + u64::from(frac) * if ns { 1 } else { 1000 };
        out.push(CapturedPacket {
            time_ns,
            data: buf[o..o + caplen].to_vec(),
            orig_len: orig,
        });
        o += caplen;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = vec![
            CapturedPacket {
                time_ns: 1_700_000_000_123_456_789,
                data: vec![1, 2, 3],
                orig_len: 60,
            },
            CapturedPacket {
                time_ns: 5,
                data: vec![9; 64],
                orig_len: 64,
            },
        ];
        let path = std::env::temp_dir().join(format!("pktgen-pcap-{}.pcap", std::process::id()));
        write_pcap(&path, &p).expect("write");
        assert_eq!(read_pcap(&path).expect("read"), p);
        let _ = std::fs::remove_file(path);
    }

    /// A classic pcap file as other writers lay it out (tcpdump's microsecond stamps, a big-endian
    /// host): header then records of (seconds, fraction, bytes, original length).
    fn file(be: bool, ns: bool, records: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend_from_slice(&w32(if ns { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        f.extend_from_slice(&w16(2));
        f.extend_from_slice(&w16(4));
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&w32(65535));
        f.extend_from_slice(&w32(1));
        for (sec, frac, data, orig) in records {
            for v in [*sec, *frac, data.len() as u32, *orig] {
                f.extend_from_slice(&w32(v));
            }
            f.extend_from_slice(data);
        }
        f
    }

    #[test]
    fn microsecond_and_big_endian_files_read() {
        let path = std::env::temp_dir().join(format!("pktgen-pcap-foreign-{}.pcap", std::process::id()));
        for (be, ns) in [(false, false), (true, false), (true, true)] {
            let frac = if ns { 123_456_789 } else { 123_456 };
            let bytes = file(
                be,
                ns,
                &[(1_700_000_000, frac, &[1, 2, 3], 60), (5, 7, &[9; 64], 64)],
            );
            std::fs::write(&path, bytes).expect("write");
            let unit = if ns { 1 } else { 1000 };
            let want = vec![
                CapturedPacket {
                    time_ns: 1_700_000_000_000_000_000 + u64::from(frac) * unit,
                    data: vec![1, 2, 3],
                    orig_len: 60,
                },
                CapturedPacket {
                    time_ns: 5_000_000_000 + 7 * unit,
                    data: vec![9; 64],
                    orig_len: 64,
                },
            ];
            assert_eq!(read_pcap(&path).expect("read"), want, "big-endian {be}, ns {ns}");
        }
        let _ = std::fs::remove_file(path);
    }
}
