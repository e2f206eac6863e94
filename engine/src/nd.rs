//! The IPv6 twin of the responder: answering Neighbour Solicitations (RFC 4861) and ICMPv6 echo
//! requests for a port's IPv6 address and its EUI-64 link-local one, learning IPv6-to-MAC pairs
//! from Neighbour Advertisements and solicitations, and building the solicitation a port sends.
//! Pure functions on byte slices; IPv6 packets with extension headers are left alone.

use std::sync::atomic::{AtomicU64, Ordering::*};

const ICMP6: u8 = 58;
const NS: u8 = 135;
const NA: u8 = 136;
const ECHO_REQUEST: u8 = 128;
const ECHO_REPLY: u8 = 129;
/// Option types: source and target link-layer address.
const SLLA: u8 = 1;
const TLLA: u8 = 2;
/// Length of an NS or NA without options: type, code, checksum, flags, target.
const ND_LEN: usize = 24;

/// The link-local address of a port with `mac`: fe80::/64 with the modified EUI-64 of the MAC.
pub(crate) fn link_local(mac: [u8; 6]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0..2].copy_from_slice(&[0xfe, 0x80]);
    a[8..11].copy_from_slice(&[mac[0] ^ 2, mac[1], mac[2]]);
    a[11..13].copy_from_slice(&[0xff, 0xfe]);
    a[13..16].copy_from_slice(&mac[3..6]);
    a
}

/// The solicited-node multicast address of `ip` (ff02::1:ffXX:XXXX).
pub(crate) fn solicited_node(ip: [u8; 16]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0..2].copy_from_slice(&[0xff, 0x02]);
    a[11..13].copy_from_slice(&[0x01, 0xff]);
    a[13..16].copy_from_slice(&ip[13..16]);
    a
}

/// The ICMPv6 checksum of `body` (its checksum field zero) under the IPv6 header `ip6`.
fn checksum(ip6: &[u8], body: &[u8]) -> u16 {
    let len = body.len() as u32;
    let mut pseudo = [0u8; 8];
    pseudo[0..4].copy_from_slice(&len.to_be_bytes());
    pseudo[7] = ICMP6;
    let acc = crate::csum::add(crate::csum::add(0, &ip6[8..40]), &pseudo);
    !crate::csum::fold(crate::csum::add(acc, body))
}

/// Offset of the IPv6 header of an ICMPv6 packet carried directly (no extension headers).
#[inline]
fn icmp6(frame: &[u8]) -> Option<usize> {
    let (o, et, _) = crate::responder::l3(frame)?;
    (et == 0x86dd && frame.get(o + 6) == Some(&ICMP6) && frame.len() >= o + 44).then_some(o)
}

fn addr(b: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    a
}

/// Writes the IPv6 header of an ICMPv6 packet of `plen` bytes at `r[o..o + 40]`.
fn header(r: &mut [u8], o: usize, plen: usize, hlim: u8, src: &[u8; 16], dst: &[u8; 16]) {
    r[o..o + 4].copy_from_slice(&[0x60, 0, 0, 0]);
    r[o + 4..o + 6].copy_from_slice(&(plen as u16).to_be_bytes());
    r[o + 6] = ICMP6;
    r[o + 7] = hlim;
    r[o + 8..o + 24].copy_from_slice(src);
    r[o + 24..o + 40].copy_from_slice(dst);
}

/// Writes the ICMPv6 checksum of the packet whose IPv6 header is at `o` and body ends at `end`.
fn seal(r: &mut [u8], o: usize, end: usize) {
    r[o + 42..o + 44].fill(0);
    let c = checksum(&r[o..o + 40], &r[o + 40..end]);
    r[o + 42..o + 44].copy_from_slice(&c.to_be_bytes());
}

/// Writes the answer to `req` into `out` if it is a Neighbour Solicitation (with `nd`) or an
/// ICMPv6 echo request (with `echo`) for one of `mine` (a zero address stands for none), from
/// `mac`; returns its length.
#[inline]
pub(crate) fn answer(
    req: &[u8],
    mine: &[[u8; 16]; 2],
    mac: [u8; 6],
    nd: bool,
    echo: bool,
    out: &mut [u8],
) -> Option<usize> {
    let o = icmp6(req)?;
    let ours = |a: &[u8]| mine.iter().any(|m| *m != [0; 16] && m[..] == a[..16]);
    let plen = usize::from(u16::from_be_bytes([req[o + 4], req[o + 5]]));
    let end = o + 40 + plen;
    match req[o + 40] {
        // RFC 4861 7.1.1: hop limit 255, code 0, at least 24 bytes; the target is ours. A
        // duplicate address check (from ::) is not answered: a port does not defend its
        // addresses, so a kernel interface that shares its MAC (net_af_packet on a veth) keeps
        // the link-local address it checks, the port's own.
        NS if nd
            && req[o + 7] == 255
            && req[o + 41] == 0
            && plen >= ND_LEN
            && end <= req.len()
            && req[o + 8..o + 24] != [0; 16]
            && ours(&req[o + 48..o + 64]) =>
        {
            let len = o + 40 + ND_LEN + 8;
            let r = out.get_mut(..len)?;
            r.fill(0);
            r[..o].copy_from_slice(&req[..o]); // keeps any VLAN tags
            r[0..6].copy_from_slice(&req[6..12]);
            r[6..12].copy_from_slice(&mac);
            header(r, o, ND_LEN + 8, 255, &addr(&req[o + 48..]), &addr(&req[o + 8..]));
            let b = &mut r[o + 40..];
            b[0] = NA;
            b[4] = 0x60; // Solicited, Override
            b[8..24].copy_from_slice(&req[o + 48..o + 64]);
            b[24..26].copy_from_slice(&[TLLA, 1]);
            b[26..32].copy_from_slice(&mac);
            seal(r, o, len);
            Some(len)
        }
        ECHO_REQUEST if echo && req[o + 41] == 0 && end <= req.len() && ours(&req[o + 24..]) => {
            let r = out.get_mut(..end.max(60))?;
            r.fill(0);
            r[..end].copy_from_slice(&req[..end]);
            r[0..6].copy_from_slice(&req[6..12]);
            r[6..12].copy_from_slice(&mac);
            header(r, o, plen, 64, &addr(&req[o + 24..]), &addr(&req[o + 8..]));
            r[o + 40] = ECHO_REPLY;
            seal(r, o, end);
            Some(end.max(60))
        }
        _ => None,
    }
}

/// The (IPv6, MAC) pair a frame teaches: an advertisement's target and its target link-layer
/// address, or a solicitation's source and its source link-layer address.
#[inline]
pub(crate) fn learned(frame: &[u8]) -> Option<([u8; 16], [u8; 6])> {
    let o = icmp6(frame)?;
    let (ip, want) = match frame[o + 40] {
        NA => (addr(frame.get(o + 48..o + 64)?), TLLA),
        NS => (addr(&frame[o + 8..]), SLLA),
        _ => return None,
    };
    if ip == [0; 16] || frame[o + 7] != 255 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([frame[o + 4], frame[o + 5]]));
    let end = (o + 40 + plen).min(frame.len());
    let mut at = o + 40 + ND_LEN;
    while at + 8 <= end {
        let (kind, units) = (frame[at], usize::from(frame[at + 1]));
        if units == 0 {
            return None;
        }
        if kind == want {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&frame[at + 2..at + 8]);
            return Some((ip, mac));
        }
        at += units * 8;
    }
    None
}

/// Length of the frame [`solicitation`] writes.
pub(crate) const SOLICITATION_LEN: usize = 14 + 40 + ND_LEN + 8;

/// The Neighbour Solicitation a port with `mac` and address `src` sends to find `target`: to
/// the target's solicited-node multicast group, with our link-layer address.
pub(crate) fn solicitation(mac: [u8; 6], src: [u8; 16], target: [u8; 16]) -> Vec<u8> {
    let group = solicited_node(target);
    let mut r = vec![0u8; SOLICITATION_LEN];
    r[0..2].copy_from_slice(&[0x33, 0x33]);
    r[2..6].copy_from_slice(&group[12..16]);
    r[6..12].copy_from_slice(&mac);
    r[12..14].copy_from_slice(&[0x86, 0xdd]);
    header(&mut r, 14, ND_LEN + 8, 255, &src, &group);
    let b = &mut r[54..];
    b[0] = NS;
    b[8..24].copy_from_slice(&target);
    b[24..26].copy_from_slice(&[SLLA, 1]);
    b[26..32].copy_from_slice(&mac);
    seal(&mut r, 14, SOLICITATION_LEN);
    r
}

/// Slots of a port's learned neighbour table.
pub(crate) const ND_SLOTS: usize = 64;

/// A small table of learned IPv6-to-MAC pairs: one writer (the RX worker), lock-free readers.
/// Each slot is a sequence word (odd while written, 0 for empty), the address in two words and
/// the MAC; readers retry a slot whose sequence moved.
pub(crate) struct NdTable {
    slots: Box<[[AtomicU64; 4]]>,
}

impl Default for NdTable {
    fn default() -> Self {
        NdTable {
            slots: (0..ND_SLOTS).map(|_| Default::default()).collect(),
        }
    }
}

impl NdTable {
    /// Records `ip` at `mac` (the writer side).
    #[inline]
    pub(crate) fn learn(&self, ip: [u8; 16], mac: [u8; 6]) {
        let hi = u64::from_be_bytes(ip[0..8].try_into().unwrap_or_default());
        let lo = u64::from_be_bytes(ip[8..16].try_into().unwrap_or_default());
        let m = mac.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        let i = ((hi ^ lo).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize % ND_SLOTS;
        let [seq, h, l, v] = &self.slots[i];
        let s = seq.load(Relaxed);
        if s != 0 && h.load(Relaxed) == hi && l.load(Relaxed) == lo && v.load(Relaxed) == m {
            return;
        }
        seq.store(s | 1, Relaxed);
        std::sync::atomic::fence(Release);
        h.store(hi, Relaxed);
        l.store(lo, Relaxed);
        v.store(m, Relaxed);
        seq.store((s | 1) + 1, Release);
    }

    /// Every learned pair.
    pub(crate) fn entries(&self) -> Vec<([u8; 16], [u8; 6])> {
        let mut out = Vec::new();
        for [seq, h, l, v] in self.slots.iter() {
            for _ in 0..100 {
                let s = seq.load(Acquire);
                if s == 0 {
                    break;
                }
                let (hi, lo, m) = (h.load(Relaxed), l.load(Relaxed), v.load(Relaxed));
                std::sync::atomic::fence(Acquire);
                if s & 1 == 0 && seq.load(Relaxed) == s {
                    let mut ip = [0u8; 16];
                    ip[0..8].copy_from_slice(&hi.to_be_bytes());
                    ip[8..16].copy_from_slice(&lo.to_be_bytes());
                    let mac = std::array::from_fn(|i| (m >> (8 * (5 - i))) as u8);
                    out.push((ip, mac));
                    break;
                }
                std::hint::spin_loop();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const PEER: [u8; 6] = [2, 0, 0, 0, 0, 9];
    const IP: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const PEER_IP: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];

    /// The ICMPv6 checksum verified the receiver's way: the sum over pseudo header and body,
    /// checksum included, is all ones.
    fn verifies(f: &[u8], o: usize) -> bool {
        let plen = usize::from(u16::from_be_bytes([f[o + 4], f[o + 5]]));
        let mut acc = crate::csum::add(0, &f[o + 8..o + 40]);
        acc = crate::csum::add(acc, &(plen as u32).to_be_bytes());
        acc = crate::csum::add(acc, &[0, 0, 0, 58]);
        crate::csum::fold(crate::csum::add(acc, &f[o + 40..o + 40 + plen])) == 0xffff
    }

    #[test]
    fn addresses_derive_from_the_mac_and_the_target() {
        let ll = link_local([0x02, 0x00, 0xc6, 0x12, 0x00, 0x02]);
        assert_eq!(std::net::Ipv6Addr::from(ll).to_string(), "fe80::c6ff:fe12:2");
        assert_eq!(
            std::net::Ipv6Addr::from(solicited_node(IP)).to_string(),
            "ff02::1:ff00:1"
        );
    }

    #[test]
    fn a_solicitation_for_our_address_gets_an_advertisement() {
        let ns = solicitation(PEER, PEER_IP, IP);
        assert_eq!(&ns[0..6], &[0x33, 0x33, 0xff, 0, 0, 1]);
        assert!(verifies(&ns, 14), "our own solicitation's checksum");
        assert_eq!(
            crate::responder::classify(&ns),
            (crate::responder::Kind::Nd, false)
        );
        let mut out = [0u8; 128];
        let n = answer(&ns, &[IP, [0; 16]], MAC, true, true, &mut out).expect("an advertisement");
        let na = &out[..n];
        assert_eq!(n, 86);
        assert_eq!(&na[0..6], &PEER);
        assert_eq!(&na[6..12], &MAC);
        assert_eq!(na[21], 255, "hop limit");
        assert_eq!(&na[22..38], &IP, "from the target");
        assert_eq!(&na[38..54], &PEER_IP);
        assert_eq!((na[54], na[55], na[58]), (NA, 0, 0x60), "NA with S and O");
        assert_eq!(&na[62..78], &IP);
        assert_eq!(&na[78..86], &[TLLA, 1, 2, 0, 0, 0, 0, 1]);
        assert!(verifies(na, 14), "the advertisement's checksum");
        assert_eq!(learned(na), Some((IP, MAC)), "the advertisement teaches us");
        assert_eq!(learned(&ns), Some((PEER_IP, PEER)), "so does the solicitation");
        // Not ours, not asked, not at hop limit 255: no answer.
        assert!(answer(&ns, &[PEER_IP, [0; 16]], MAC, true, true, &mut out).is_none());
        assert!(answer(&ns, &[IP, [0; 16]], MAC, false, true, &mut out).is_none());
        let mut far = ns.clone();
        far[21] = 64;
        assert!(answer(&far, &[IP, [0; 16]], MAC, true, true, &mut out).is_none());
        assert_eq!(learned(&far), None);
    }

    #[test]
    fn the_link_local_address_is_answered_too_but_not_defended() {
        let ll = link_local(MAC);
        let ns = solicitation(PEER, PEER_IP, ll);
        let mut out = [0u8; 128];
        let n = answer(&ns, &[[0; 16], ll], MAC, true, false, &mut out).expect("an advertisement");
        assert_eq!(&out[22..38], &ll);
        assert!(verifies(&out[..n], 14));
        // A duplicate address check comes from :: without an option: not answered, nothing learned.
        let mut dad = solicitation(PEER, [0; 16], ll);
        dad[18..20].copy_from_slice(&(ND_LEN as u16).to_be_bytes());
        let dad = &dad[..14 + 40 + ND_LEN];
        assert!(answer(dad, &[IP, ll], MAC, true, true, &mut out).is_none());
        assert_eq!(learned(dad), None);
    }

    fn echo_request(dst: [u8; 16], vlan: bool) -> (Vec<u8>, usize) {
        let o = if vlan { 18 } else { 14 };
        let mut f = vec![0u8; o + 40 + 64];
        f[0..6].copy_from_slice(&MAC);
        f[6..12].copy_from_slice(&PEER);
        if vlan {
            f[12..16].copy_from_slice(&[0x81, 0, 0, 7]);
        }
        f[o - 2..o].copy_from_slice(&[0x86, 0xdd]);
        header(&mut f, o, 64, 64, &PEER_IP, &dst);
        f[o + 40] = ECHO_REQUEST;
        for (i, b) in f[o + 44..].iter_mut().enumerate() {
            *b = i as u8;
        }
        seal(&mut f, o, o + 104);
        (f, o)
    }

    #[test]
    fn echo_requests_get_replies_with_valid_checksums() {
        for vlan in [false, true] {
            let (f, o) = echo_request(IP, vlan);
            assert!(verifies(&f, o));
            let mut out = [0u8; 256];
            let n = answer(&f, &[IP, link_local(MAC)], MAC, false, true, &mut out).expect("a reply");
            let r = &out[..n];
            assert_eq!(n, f.len());
            assert_eq!(&r[..6], &PEER);
            assert_eq!(&r[12..o], &f[12..o], "VLAN tag kept");
            assert_eq!(r[o + 40], ECHO_REPLY);
            assert_eq!(&r[o + 8..o + 24], &IP);
            assert_eq!(&r[o + 24..o + 40], &PEER_IP);
            assert_eq!(&r[o + 44..], &f[o + 44..], "identifier, sequence and data echoed");
            assert!(verifies(r, o), "the reply's checksum");
            assert!(answer(&f, &[IP, [0; 16]], MAC, true, false, &mut out).is_none());
        }
        let (f, _) = echo_request(link_local(MAC), false);
        let mut out = [0u8; 256];
        assert!(answer(&f, &[[0; 16], link_local(MAC)], MAC, false, true, &mut out).is_some());
        assert!(answer(&f, &[IP, [0; 16]], MAC, false, true, &mut out).is_none());
    }

    #[test]
    fn the_table_learns_and_reads_back() {
        let t = NdTable::default();
        t.learn(IP, MAC);
        t.learn(PEER_IP, PEER);
        t.learn(IP, [2, 0, 0, 0, 0, 3]);
        let mut e = t.entries();
        e.sort();
        assert_eq!(e, vec![(IP, [2, 0, 0, 0, 0, 3]), (PEER_IP, PEER)]);
    }
}
