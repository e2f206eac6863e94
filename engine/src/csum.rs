//! Internet checksums (RFC 1071) in full and incremental (RFC 1624) forms; pure Rust.

/// Adds `data` as big-endian 16-bit words to a 32-bit one's complement accumulator.
#[inline]
pub fn add(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        acc += (w >> 32) + (w & 0xffff_ffff);
    }
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds an accumulator to 16 bits (not complemented).
#[inline]
pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The checksum of `data` with an initial accumulator (e.g. a pseudo header).
#[inline]
pub fn checksum(acc: u64, data: &[u8]) -> u16 {
    !fold(add(acc, data))
}

/// RFC 1624 eqn. 3: the checksum `hc` after the 16-bit words `old` became `new` (same alignment).
#[inline]
pub fn update(hc: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut acc = u64::from(!hc);
    let mut i = 0;
    while i + 1 < old.len() {
        acc += u64::from(!u16::from_be_bytes([old[i], old[i + 1]])) + u64::from(u16::from_be_bytes([new[i], new[i + 1]]));
        i += 2;
    }
    !fold(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The worked example of RFC 1071 section 3: sum 0xddf2, checksum 0x220d.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(add(0, &d)), 0xddf2);
        assert_eq!(checksum(0, &d), 0x220d);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(add(0, &[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    #[test]
    fn incremental_matches_full() {
        let mut d: Vec<u8> = (0u8..40).map(|x| x.wrapping_mul(37)).collect();
        let hc = checksum(0, &d);
        let old = d[10..14].to_vec();
        d[10..14].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(update(hc, &old, &d[10..14]), checksum(0, &d));
    }
}
