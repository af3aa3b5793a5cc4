//! The seeded random source of generated ledgers and workloads, so that they are the same on
//! every run with the same seed: rand's `StdRng`, with the two draws the generators need.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// A generator seeded for one ledger or workload.
#[derive(Debug, Clone)]
pub struct Seeded(StdRng);

impl Seeded {
    /// The generator of `seed`.
    pub fn new(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
