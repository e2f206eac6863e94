//! What the RX path knows of protocols: classifying received frames for Pktgen's per-kind
//! counters, answering ARP requests and ICMP echo requests for a port's own IPv4 address, and
//! learning IPv4-to-MAC pairs from ARP (`nd` is the IPv6 twin). Pure functions on byte slices.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};

/// Kinds of received frames Pktgen counts (`pktStats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Arp,
    Echo,
    Ipv4,
    Ipv6,
    Unknown,
    /// IPv6 neighbour discovery (ICMPv6 types 133 to 137), not counted as IPv6.
    Nd,
}

/// Offset of the L3 header and its EtherType, skipping up to two VLAN tags; and whether tagged.
#[inline(always)]
pub(crate) fn l3(frame: &[u8]) -> Option<(usize, u16, bool)> {
    let mut off = 12;
    let mut tagged = false;
    loop {
        let et = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
        if (et == 0x8100 || et == 0x88a8) && off < 20 {
            tagged = true;
            off += 4;
            continue;
        }
        return Some((off + 2, et, tagged));
    }
}

/// The kind of a frame, and whether it carries a VLAN tag.
#[inline]
pub(crate) fn classify(frame: &[u8]) -> (Kind, bool) {
    let Some((o, et, vlan)) = l3(frame) else {
        return (Kind::Unknown, false);
    };
    let kind = match et {
        0x0806 => Kind::Arp,
        0x0800 => {
            let ihl = usize::from(frame.get(o).map_or(5, |b| b & 0xf)) * 4;
            let echo = frame.get(o + 9) == Some(&1) && matches!(frame.get(o + ihl), Some(0) | Some(8));
            if echo { Kind::Echo } else { Kind::Ipv4 }
        }
        0x86dd if frame.get(o + 6) == Some(&58) => match frame.get(o + 40) {
            Some(128 | 129) => Kind::Echo,
            Some(133..=137) => Kind::Nd,
            _ => Kind::Ipv6,
        },
        0x86dd => Kind::Ipv6,
        _ => Kind::Unknown,
    };
    (kind, vlan)
}

/// A port's answering identity, shared between the control thread and its RX worker.
#[derive(Default)]
pub(crate) struct Identity {
    /// IPv4 address in the low 32 bits; 0 = none.
    pub ipv4: AtomicU64,
    /// IPv6 address, big-endian halves; all 0 = none (the link-local one is always answered).
    pub ipv6: [AtomicU64; 2],
    /// MAC address in the low 48 bits.
    pub mac: AtomicU64,
    /// Answer ARP requests for `ipv4` and neighbour solicitations for `ipv6` and the link-local.
    pub arp: AtomicBool,
    /// Answer ICMP and ICMPv6 echo requests to those addresses.
    pub icmp: AtomicBool,
    /// Learn IPv4- and IPv6-to-MAC pairs from the ARP and neighbour discovery frames received.
    pub learn: AtomicBool,
}

/// Writes the answer to `req` (if it deserves one from `ip`/`mac`) into `out`; returns its length.
#[inline]
pub(crate) fn answer(
    req: &[u8],
    ip: [u8; 4],
    mac: [u8; 6],
    arp: bool,
    icmp: bool,
    out: &mut [u8],
) -> Option<usize> {
    let (o, et, _) = l3(req)?;
    match et {
        0x0806 if arp => {
            let a = req.get(o..o + 28)?;
            // Ethernet/IPv4 ARP request whose target is our address.
            if a[0..2] != [0, 1] || a[2..4] != [8, 0] || a[6..8] != [0, 1] || a[24..28] != ip {
                return None;
            }
            let len = (o + 28).max(60);
            let r = out.get_mut(..len)?;
            r.fill(0);
            r[..o].copy_from_slice(&req[..o]); // keeps any VLAN tags
            r[0..6].copy_from_slice(&a[8..14]);
            r[6..12].copy_from_slice(&mac);
            let ra = &mut r[o..o + 28];
            ra[..6].copy_from_slice(&a[..6]);
            ra[6..8].copy_from_slice(&[0, 2]);
            ra[8..14].copy_from_slice(&mac);
            ra[14..18].copy_from_slice(&ip);
            ra[18..24].copy_from_slice(&a[8..14]);
            ra[24..28].copy_from_slice(&a[14..18]);
            Some(len)
        }
        0x0800 if icmp => {
            let ihl = usize::from(*req.get(o)? & 0xf) * 4;
            let total = usize::from(u16::from_be_bytes([*req.get(o + 2)?, *req.get(o + 3)?]));
            if req.get(o + 9) != Some(&1)
                || req.get(o + 16..o + 20)? != ip
                || req.get(o + ihl) != Some(&8)
                || total < ihl + 8
            {
                return None;
            }
            let end = (o + total).min(req.len());
            let r = out.get_mut(..end.max(60))?;
            r.fill(0);
            r[..end].copy_from_slice(&req[..end]);
            r[0..6].copy_from_slice(&req[6..12]);
            r[6..12].copy_from_slice(&mac);
            r[o + 12..o + 16].copy_from_slice(&ip);
            r[o + 16..o + 20].copy_from_slice(&req[o + 12..o + 16]);
            r[o + 8] = 64;
            r[o + 10..o + 12].fill(0);
            let c = !crate::csum::fold(crate::csum::add(0, &r[o..o + ihl]));
            r[o + 10..o + 12].copy_from_slice(&c.to_be_bytes());
            // Echo reply: type 0; the checksum changes by exactly the type byte (RFC 1624).
            r[o + ihl] = 0;
            r[o + ihl + 2..o + ihl + 4].fill(0);
            let c = !crate::csum::fold(crate::csum::add(0, &r[o + ihl..end]));
            r[o + ihl + 2..o + ihl + 4].copy_from_slice(&c.to_be_bytes());
            Some(end.max(60))
        }
        _ => None,
    }
}

/// The sender's (IPv4, MAC) of an ARP frame.
#[inline]
pub(crate) fn arp_sender(frame: &[u8]) -> Option<([u8; 4], [u8; 6])> {
    let (o, et, _) = l3(frame)?;
    if et != 0x0806 {
        return None;
    }
    let a = frame.get(o..o + 28)?;
    let mut ip = [0; 4];
    let mut mac = [0; 6];
    ip.copy_from_slice(&a[14..18]);
    mac.copy_from_slice(&a[8..14]);
    (ip != [0; 4]).then_some((ip, mac))
}

/// Slots of a port's learned ARP table.
pub(crate) const ARP_SLOTS: usize = 64;

/// A small table of learned IPv4-to-MAC pairs: one writer (the RX worker), lock-free readers.
/// Each slot is (IPv4 | valid bit << 32, MAC); readers re-check the address to detect a torn read.
pub(crate) struct ArpTable {
    slots: Box<[(AtomicU64, AtomicU64)]>,
}

impl Default for ArpTable {
    fn default() -> Self {
        ArpTable {
            slots: (0..ARP_SLOTS)
                .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
                .collect(),
        }
    }
}

impl ArpTable {
    /// Records `ip` at `mac` (the writer side).
    #[inline]
    pub(crate) fn learn(&self, ip: [u8; 4], mac: [u8; 6]) {
        let key = u64::from(u32::from_be_bytes(ip)) | 1 << 32;
        let m = mac.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        let i = (u32::from_be_bytes(ip).wrapping_mul(2_654_435_761) >> 26) as usize % ARP_SLOTS;
        let (k, v) = &self.slots[i];
        if k.load(Relaxed) == key && v.load(Relaxed) == m {
            return;
        }
        k.store(0, Release);
        v.store(m, Release);
        k.store(key, Release);
    }

    /// Every learned pair.
    pub(crate) fn entries(&self) -> Vec<([u8; 4], [u8; 6])> {
        let mut out = Vec::new();
        for (k, v) in self.slots.iter() {
            let a = k.load(Acquire);
            let m = v.load(Acquire);
            if a >> 32 == 1 && k.load(Acquire) == a {
                let mut mac = [0u8; 6];
                for (i, b) in mac.iter_mut().enumerate() {
                    *b = (m >> (8 * (5 - i))) as u8;
                }
                out.push(((a as u32).to_be_bytes(), mac));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const IP: [u8; 4] = [10, 0, 0, 1];

    fn arp_request() -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[0..6].fill(0xff);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        f[12..14].copy_from_slice(&[8, 6]);
        f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
        f[22..28].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        f[28..32].copy_from_slice(&[10, 0, 0, 9]);
        f[38..42].copy_from_slice(&IP);
        f
    }

    #[test]
    fn answers_arp_for_our_address_only() {
        let mut out = [0u8; 128];
        let n = answer(&arp_request(), IP, MAC, true, true, &mut out).expect("a reply");
        assert_eq!(n, 60);
        assert_eq!(&out[0..6], &[2, 0, 0, 0, 0, 9]);
        assert_eq!(&out[20..22], &[0, 2], "opcode reply");
        assert_eq!(&out[22..28], &MAC);
        assert_eq!(&out[28..32], &IP);
        assert_eq!(&out[38..42], &[10, 0, 0, 9]);
        assert!(answer(&arp_request(), [10, 0, 0, 2], MAC, true, true, &mut out).is_none());
        assert!(answer(&arp_request(), IP, MAC, false, true, &mut out).is_none());
        assert_eq!(
            arp_sender(&arp_request()),
            Some(([10, 0, 0, 9], [2, 0, 0, 0, 0, 9]))
        );
        assert_eq!(classify(&arp_request()), (Kind::Arp, false));
    }

    #[test]
    fn answers_echo_with_valid_checksums() {
        let mut f = vec![0u8; 98];
        f[12..14].copy_from_slice(&[8, 0]);
        f[14] = 0x45;
        f[16..18].copy_from_slice(&84u16.to_be_bytes());
        f[23] = 1;
        f[26..30].copy_from_slice(&[10, 0, 0, 9]);
        f[30..34].copy_from_slice(&IP);
        f[34] = 8;
        for (i, b) in f[42..].iter_mut().enumerate() {
            *b = i as u8;
        }
        assert_eq!(classify(&f), (Kind::Echo, false));
        let mut out = [0u8; 128];
        let n = answer(&f, IP, MAC, true, true, &mut out).expect("a reply");
        assert_eq!(n, 98);
        assert_eq!(out[34], 0, "echo reply");
        assert_eq!(&out[26..30], &IP);
        assert_eq!(&out[30..34], &[10, 0, 0, 9]);
        assert_eq!(crate::csum::fold(crate::csum::add(0, &out[14..34])), 0xffff);
        assert_eq!(crate::csum::fold(crate::csum::add(0, &out[34..98])), 0xffff);
        assert_eq!(&out[42..98], &f[42..98], "payload echoed");
    }

    #[test]
    fn arp_table_learns_and_reads_back() {
        let t = ArpTable::default();
        t.learn(IP, MAC);
        t.learn([10, 0, 0, 2], [2, 0, 0, 0, 0, 2]);
        t.learn(IP, [2, 0, 0, 0, 0, 3]);
        let mut e = t.entries();
        e.sort();
        assert_eq!(
            e,
            vec![(IP, [2, 0, 0, 0, 0, 3]), ([10, 0, 0, 2], [2, 0, 0, 0, 0, 2])]
        );
    }
}
