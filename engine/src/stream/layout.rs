//! The one definition of a port's stream slots and of the frame sizes the engine sends. The
//! runtime exports them to Lua (`engine.slots`, `engine.max_frame()`), so no other place repeats
//! the numbers.

use std::ops::RangeInclusive;

/// Stream slots per port: every slot can run at once.
pub const SLOTS: usize = 64;
/// The slot of the port's own stream (the Pktgen surface's `pktgen.start`).
pub const OWN_SLOT: usize = 0;
/// The slots of user streams (`pktgen.streams`).
pub const USER_SLOTS: RangeInclusive<usize> = 1..=62;
/// The slot of the port's latency probes (`pktgen.latency`'s probe stream).
pub const PROBE_SLOT: usize = 63;

/// Smallest frame a stream may send, without FCS (Ethernet's 64-byte minimum less the 4-byte FCS).
pub const MIN_FRAME: usize = 60;
/// Bytes on the wire besides the frame: FCS (4), preamble and SFD (8), inter-frame gap (12).
pub const WIRE_OVERHEAD: usize = 24;

/// The largest frame without FCS: 1514 bytes (1518 with FCS), or 9614 (9618) with jumbo frames.
pub const fn max_frame(jumbo: bool) -> usize {
    if jumbo { 9614 } else { 1514 }
}

// The slots are bits of a u64 mask (the ports' "sending" word).
const _: () = assert!(SLOTS <= 64 && PROBE_SLOT == SLOTS - 1 && *USER_SLOTS.end() < PROBE_SLOT);
