//! Named, portable random streams.
//!
//! Every source of randomness in a run (the arrivals of one terminal group, the service times
//! of one server pool, one link's latency, the risk engine ...) draws from its own [`Stream`].
//! A stream is ChaCha8 (`rand_chacha` 0.10, pinned by a golden-value test below) keyed by
//! `(master seed, run index)` and selected by a 64-bit stream id that is the FNV-1a hash of the
//! stream's name. Consequences:
//! - run `i` depends only on `(master, i)`, never on which thread runs it;
//! - switching one knob (say, a link's loss probability) changes only the draws of the streams
//!   that knob owns, so two designs compared on the same seed see the same traffic.
//!
//! # Common random numbers, synchronised per payment
//!
//! Comparisons of designs are sharp only when every variant sees the same payments (Law &
//! Kelton, *Simulation Modeling and Analysis*, on common random numbers). So every random
//! quantity that belongs to a payment (its amount, card, account, risk score, its latency and
//! loss on each hop and direction, its service time at each station ...) is a word keyed by
//! the payment, not drawn from a shared stream whose position depends on what happened to
//! earlier payments:
//!
//! > word of purpose `k` for payment `n` of terminal group `g` in run `r` =
//! > SplitMix64 output number `n × PURPOSES + k + 1` of the sequence seeded with the first
//! > word of the ChaCha8 stream `"payments/" + g` of `(master, r)`.
//!
//! SplitMix64 (Steele, Lea & Flood, *Fast splittable pseudorandom number generators*, OOPSLA
//! 2014) computes output `i` directly as `mix(seed + i·γ)`: a counter-based generator, so a
//! [`KeyedWords`] answers any (payment, purpose) in a few instructions, in any order, and keeps
//! no state. The value of purpose `k` for payment `n` is therefore the same whatever the rest
//! of the model does: a slower issuer, an extra fault or a second terminal group leaves a
//! group's payments, and everything drawn for them, unchanged. Words are turned into values by
//! inversion ([`unit`], [`chance`], [`below`]), so each purpose uses exactly its word. Draws
//! that are not a payment's (arrival times, a fault's realisation, a repeated message beyond a
//! payment's first on a link) come from their own named [`Stream`]s.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_core::Rng as _;

/// One named random stream.
#[derive(Clone, Debug)]
pub struct Stream {
    rng: ChaCha8Rng,
}

/// FNV-1a, 64 bit: a stable, documented hash for stream names.
pub fn stream_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Stream {
    /// The stream `name` of run `run` under master seed `master`.
    pub fn new(master: u64, run: u64, name: &str) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&master.to_le_bytes());
        key[8..16].copy_from_slice(&run.to_le_bytes());
        key[16..24].copy_from_slice(b"payfault");
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream_id(name));
        Stream { rng }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`: safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`. Draws nothing when `p` is 0 or 1, so a knob at its
    /// neutral value costs nothing and consumes nothing.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.uniform() < p
        }
    }

    /// Uniform integer in `[0, n)` (Lemire's multiply-shift with rejection, unbiased).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        if n <= 1 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            let m = (x as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Standard exponential variate (mean 1), by inversion: portable and exact to the ulp of
    /// `ln`.
    #[inline]
    pub fn exp1(&mut self) -> f64 {
        -self.uniform_open0().ln()
    }

    /// Access to the generator itself (for samplers written against `rand`).
    #[inline]
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
}

/// Purposes reserved per payment (see the module docs). Changing it changes every result: it
/// is part of the pinned scheme.
pub const PURPOSES: u64 = 64;

/// SplitMix64's increment γ (the odd integer nearest 2^64 / φ).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function (Stafford's "mix13" variant, as published with SplitMix64).
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The per-payment words of one terminal group (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct KeyedWords {
    seed: u64,
}

impl KeyedWords {
    /// The keyed words `name` of run `run` under master seed `master`.
    pub fn new(master: u64, run: u64, name: &str) -> Self {
        KeyedWords {
            seed: Stream::new(master, run, name).next_u64(),
        }
    }

    /// The word of purpose `purpose` (below [`PURPOSES`]) for payment `serial`.
    #[inline]
    pub fn word(&self, serial: u64, purpose: usize) -> u64 {
        debug_assert!((purpose as u64) < PURPOSES);
        let i = serial
            .wrapping_mul(PURPOSES)
            .wrapping_add(purpose as u64 + 1);
        mix64(self.seed.wrapping_add(i.wrapping_mul(GAMMA)))
    }
}

/// A word as a uniform number in the open interval (0, 1): the midpoint of one of 2^52 equal
/// cells, so both ends stay exactly representable away from 0 and 1 (safe for logarithms and
/// quantile functions).
#[inline]
pub fn unit(w: u64) -> f64 {
    ((w >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// `true` with probability `p`, decided by word `w`.
#[inline]
pub fn chance(w: u64, p: f64) -> bool {
    p > 0.0 && (p >= 1.0 || unit(w) < p)
}

/// An integer in `[0, n)` from one word (multiply-shift: the bias is below n / 2^64).
#[inline]
pub fn below(w: u64, n: u64) -> u64 {
    ((w as u128 * n as u128) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the per-payment scheme: the seed derivation, the counter layout and the mixer.
    #[test]
    fn keyed_words_golden_and_order_free() {
        // SplitMix64 reference: seed 0 gives 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4 first
        // (the published test vector of the SplitMix64 seeding generator).
        let s0 = KeyedWords { seed: 0 };
        assert_eq!(s0.word(0, 0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(s0.word(0, 1), 0x6e78_9e6a_a1b9_65f4);
        let k = KeyedWords::new(42, 7, "payments/shops");
        let got = [k.word(0, 0), k.word(0, 1), k.word(5, 3)];
        assert_eq!(got, KEYED_GOLDEN, "per-payment words changed: {got:?}");
        // Purpose k of payment n is output n * PURPOSES + k + 1 of the sequence.
        let next = (PURPOSES + 1).wrapping_mul(GAMMA);
        assert_eq!(k.word(1, 0), mix64(k.seed.wrapping_add(next)));
    }
    /// Recorded once: payment 0 purposes 0 and 1, payment 5 purpose 3 of "payments/shops", run 7,
    /// seed 42.
    const KEYED_GOLDEN: [u64; 3] = [
        3_625_573_535_634_727_191,
        8_071_408_435_197_559_454,
        10_433_192_997_068_981_904,
    ];

    #[test]
    fn word_transforms() {
        assert!(unit(0) > 0.0 && unit(u64::MAX) < 1.0);
        assert!(!chance(0, 0.0) && chance(u64::MAX, 1.0));
        assert!(chance(0, 1e-12) && !chance(u64::MAX, 0.999_999));
        assert_eq!(below(0, 10), 0);
        assert_eq!(below(u64::MAX, 10), 9);
        assert_eq!(below(1 << 63, 10), 5);
    }

    #[test]
    fn fnv1a_reference_vectors() {
        // Published FNV-1a 64-bit test vectors (draft-eastlake-fnv).
        assert_eq!(stream_id(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stream_id("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stream_id("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn streams_are_independent_of_each_other() {
        let mut a = Stream::new(1, 0, "a");
        let mut b = Stream::new(1, 0, "b");
        let mut a2 = Stream::new(1, 0, "a");
        let mut c = Stream::new(1, 1, "a");
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let xa2: Vec<u64> = (0..4).map(|_| a2.next_u64()).collect();
        let xc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xa2);
        assert_ne!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn below_is_in_range_and_covers() {
        let mut s = Stream::new(3, 0, "t");
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[s.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1200), "{seen:?}");
        assert_eq!(s.below(1), 0);
    }

    #[test]
    fn uniform_bounds_and_mean() {
        let mut s = Stream::new(9, 0, "u");
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        // Mean of U(0,1) is 1/2 with sd 1/sqrt(12 n) ~ 0.0009; allow 5 sd.
        assert!((sum / n as f64 - 0.5).abs() < 0.0046);
        let e: f64 = (0..n).map(|_| s.exp1()).sum::<f64>() / n as f64;
        // Exp(1): mean 1, sd of the mean 1/sqrt(n) ~ 0.0032; allow 5 sd.
        assert!((e - 1.0).abs() < 0.016, "{e}");
    }
}
