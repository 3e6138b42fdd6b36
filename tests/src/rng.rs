//! [`Rng`]: the seeded generator randomized tests share, and the seed they
//! print so a failure can be replayed.

/// xorshift64: small, fast, and the same sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed` (0 is mapped to 1: xorshift must
    /// not start at 0).
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The seed of a randomized test: `BOUNDLITE_SEED` when set, else
/// `default`. Printed, so a failing run can be replayed.
pub fn seed(default: u64) -> u64 {
    let seed = std::env::var("BOUNDLITE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    println!("BOUNDLITE_SEED={seed}");
    seed
}

/// A literal of any type, from few enough that values repeat: integers,
/// reals equal to them, numeric and other text in both cases, blobs and
/// NULL.
pub fn literal(rng: &mut Rng) -> String {
    let n = rng.below(12);
    match rng.below(9) {
        0 => "NULL".to_string(),
        1 | 2 => n.to_string(),
        3 => format!("{n}.0"),
        4 => format!("{n}.5"),
        5 => format!("'{n}'"),
        6 => format!("'{}'", ["x", "X", "y", "Y ", "ab"][rng.below(5) as usize]),
        7 => format!("X'{:02x}'", n),
        _ => format!("' {n}'"),
    }
}
