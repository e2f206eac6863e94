//! Internet checksum arithmetic (RFC 1071): one's complement sums of big-endian words; pure Rust.

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

/// Folds an accumulator to 16 bits (not complemented). Branch-free: four end-around carries
/// bring any u64 down to 16 bits.
#[inline(always)]
pub fn fold(acc: u64) -> u16 {
    let acc = (acc >> 32) + (acc & 0xffff_ffff);
    let acc = (acc >> 16) + (acc & 0xffff);
    let acc = (acc >> 16) + (acc & 0xffff);
    let acc = (acc >> 16) + (acc & 0xffff);
    acc as u16
}

/// The one's complement sum of `data` as big-endian 16-bit words, added to `acc` (a pseudo
/// header's sum, say) and folded to 16 bits, not complemented: the one checksum arithmetic the
/// Lua side uses too, for the headers it builds.
pub fn sum16(acc: u64, data: &[u8]) -> u16 {
    fold(add(acc, data))
}

/// The checksum of `data` with an initial accumulator (e.g. a pseudo header).
#[cfg(test)]
pub fn checksum(acc: u64, data: &[u8]) -> u16 {
    !fold(add(acc, data))
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
    fn fold_carries_all_the_way() {
        assert_eq!(fold(0xffff_ffff_ffff_ffff), 0xffff);
        assert_eq!(fold(0x1_0000), 1);
        assert_eq!(fold(0x0001_fffe_ffff), 0xffff);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(add(0, &[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }
}
