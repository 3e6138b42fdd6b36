//! The decimal digits SQLite gives a double (`sqlite3FpDecode` and the
//! `sqlite3Fp2Convert10` it stands on), step for step: `printf`'s `%f`,
//! `%e`, `%g` and the text of a REAL (`%!.17g`) all start here, so their
//! last digits agree with SQLite's even where SQLite's 18-digit
//! conversion is not the exact decimal expansion.
//!
//! Invariants: nothing here allocates or panics; at most 20 significant
//! digits come out, in a fixed buffer.

use core::fmt::Write;

use super::num::NumText;

/// The first 64 bits of `10^p` for `p` of 0 to 26 (SQLite's `aBase`).
const BASE: [u64; 27] = [
    0x8000000000000000,
    0xa000000000000000,
    0xc800000000000000,
    0xfa00000000000000,
    0x9c40000000000000,
    0xc350000000000000,
    0xf424000000000000,
    0x9896800000000000,
    0xbebc200000000000,
    0xee6b280000000000,
    0x9502f90000000000,
    0xba43b74000000000,
    0xe8d4a51000000000,
    0x9184e72a00000000,
    0xb5e620f480000000,
    0xe35fa931a0000000,
    0x8e1bc9bf04000000,
    0xb1a2bc2ec5000000,
    0xde0b6b3a76400000,
    0x8ac7230489e80000,
    0xad78ebc5ac620000,
    0xd8d726b7177a8000,
    0x878678326eac9000,
    0xa968163f0a57b400,
    0xd3c21bcecceda100,
    0x84595161401484a0,
    0xa56fa5b99019a5c8,
];

/// The first 64 bits of `10^(27 × (i - 13))`, `10^-1` at 13 (`aScale`).
const SCALE: [u64; 26] = [
    0x8049a4ac0c5811ae,
    0xcf42894a5dce35ea,
    0xa76c582338ed2621,
    0x873e4f75e2224e68,
    0xda7f5bf590966848,
    0xb080392cc4349dec,
    0x8e938662882af53e,
    0xe65829b3046b0afa,
    0xba121a4650e4ddeb,
    0x964e858c91ba2655,
    0xf2d56790ab41c2a2,
    0xc428d05aa4751e4c,
    0x9e74d1b791e07e48,
    0xcccccccccccccccc,
    0xcecb8f27f4200f3a,
    0xa70c3c40a64e6c51,
    0x86f0ac99b4e8dafd,
    0xda01ee641a708de9,
    0xb01ae745b101e9e4,
    0x8e41ade9fbebc27d,
    0xe5d3ef282a242e81,
    0xb9a74a0637ce2ee1,
    0x95f83d0a1fb69cd9,
    0xf24a01a73cf2dccf,
    0xc3b8358109e84f07,
    0x9e19db92b4e31ba9,
];

/// The next 32 bits of each [`SCALE`] entry (`aScaleLo`).
const SCALE_LO: [u32; 26] = [
    0x205b896d, 0x52064cad, 0xaf2af2b8, 0x5a7744a7, 0xaf39a475, 0xbd8d794e, 0x547eb47b, 0x0cb4a5a3,
    0x92f34d62, 0x3a6a07f9, 0xfae27299, 0xaa97e14c, 0x775ea265, 0xcccccccc, 0x00000000, 0x999090b6,
    0x69a028bb, 0xe80e6f48, 0x5ec05dd0, 0x14588f14, 0x8f1668c9, 0x6d953e2c, 0x4abdaf10, 0xbc633b39,
    0x0a862f81, 0x6c07a2c2,
];

/// The upper 64 bits of the 160-bit `(a << 32 | a_lo) × b`, and the 32
/// bits below them (`sqlite3Multiply160`).
fn multiply160(a: u64, a_lo: u32, b: u64) -> (u64, u32) {
    let mut r = u128::from(a) * u128::from(b);
    r += (u128::from(a_lo) * u128::from(b)) >> 32;
    ((r >> 64) as u64, ((r >> 32) & 0xffff_ffff) as u32)
}

/// The most significant 64 bits of `10^p`, and the 32 after them
/// (`powerOfTen`), for `p` of -348 to 347.
fn power_of_ten(p: i32) -> (u64, u32) {
    let at = |g: i32| usize::try_from(g + 13).unwrap_or(0);
    let scale = |g: i32| SCALE.get(at(g)).copied().unwrap_or(0);
    let scale_lo = |g: i32| SCALE_LO.get(at(g)).copied().unwrap_or(0);
    let (g, n) = if p < 0 {
        if p == -1 {
            return (scale(0), scale_lo(0));
        }
        let (mut g, mut n) = (p / 27, p % 27);
        if n != 0 {
            g -= 1;
            n += 27;
        }
        (g, n)
    } else if p < 27 {
        return (BASE.get(p as usize).copied().unwrap_or(0), 0);
    } else {
        (p / 27, p % 27)
    };
    let s = scale(g);
    if n == 0 {
        return (s, scale_lo(g));
    }
    let base = BASE.get(n as usize).copied().unwrap_or(0);
    let (mut x, mut lo) = multiply160(s, scale_lo(g), base);
    if x & (1 << 63) == 0 {
        x = (x << 1) | u64::from((lo >> 31) & 1);
        lo = (lo << 1) | 1;
    }
    (x, lo)
}

/// `floor(log2(10^p))`, as SQLite approximates it.
fn pwr10to2(p: i32) -> i32 {
    (p * 108_853) >> 15
}

/// `floor(log10(2^p))`, as SQLite approximates it.
fn pwr2to10(p: i32) -> i32 {
    (p * 78913) >> 18
}

/// `sqlite3Fp2Convert10`: for `m × 2^e` (`m`'s top bit set), `d` and
/// `p` with `d × 10^p` close to it and `d` of at least `n` digits.
fn fp2_convert10(m: u64, e: i32, n: i32) -> (u64, i32) {
    let p = n - 1 - pwr2to10(e + 63);
    let h = ((u128::from(m) * u128::from(power_of_ten(p).0)) >> 64) as u64;
    let d = if n == 18 {
        let shift = u32::try_from(-(e + pwr10to2(p) + 2)).unwrap_or(0);
        let h = h.checked_shr(shift).unwrap_or(0);
        (h + ((h << 1) & 2)) >> 1
    } else {
        let shift = u32::try_from(-(e + pwr10to2(p) + 1)).unwrap_or(0);
        h.checked_shr(shift).unwrap_or(0)
    };
    (d, -p)
}

/// The decimal digits SQLite's `sqlite3FpDecode` gives a real: the
/// value is `0.z × 10^idp`.
pub(super) struct FpDecode {
    /// `-` or `+`.
    pub(super) sign: u8,
    /// 1 for infinity, 2 for NaN, else 0.
    pub(super) special: u8,
    buf: [u8; 48],
    off: usize,
    /// How many digits from `off`.
    pub(super) n: usize,
    /// Where the decimal point goes.
    pub(super) idp: i32,
}

impl FpDecode {
    /// Digit `i` (from 0).
    pub(super) fn z(&self, i: usize) -> u8 {
        self.buf.get(self.off + i).copied().unwrap_or(b'0')
    }

    /// Sets digit `i`.
    pub(super) fn set(&mut self, i: usize, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.off + i) {
            *slot = b;
        }
    }

    /// The significant digits.
    pub(super) fn digits(&self) -> &[u8] {
        self.buf.get(self.off..self.off + self.n).unwrap_or(&[])
    }

    /// Puts `b` in front of the digits.
    fn prepend(&mut self, b: u8) {
        if self.off > 0 {
            self.off -= 1;
            self.set(0, b);
            self.n += 1;
            self.idp += 1;
        }
    }

    /// The first `len` digits as an integer.
    fn leading(&self, len: usize) -> u64 {
        (0..len).fold(0u64, |v, k| {
            v.wrapping_mul(10)
                .wrapping_add(u64::from(self.z(k).wrapping_sub(b'0')))
        })
    }
}

/// `d × 10^p`, correctly rounded (SQLite's `sqlite3Fp10Convert2`).
fn from_decimal(d: u64, p: i32) -> f64 {
    let mut text = NumText::empty_buffer();
    let _ = write!(text, "{d}e{p}");
    core::str::from_utf8(text.as_bytes())
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// SQLite's `sqlite3FpDecode(r, round, max)`: with `round` of 0 or less,
/// rounded to `-round` digits after the point, else to `round`
/// significant digits; never more than `max` significant digits.
pub(super) fn fp_decode(r: f64, round: i32, max: i32) -> FpDecode {
    let mut p = FpDecode {
        sign: b'+',
        special: 0,
        buf: [b'0'; 48],
        off: 26,
        n: 0,
        idp: 0,
    };
    let mut r = r;
    if r < 0.0 {
        p.sign = b'-';
        r = -r;
    } else if r == 0.0 {
        p.n = 1;
        p.idp = 1;
        return p;
    }
    let bits = r.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0x7ff {
        p.special = if r.is_nan() { 2 } else { 1 };
        return p;
    }
    let mantissa = bits & 0x000f_ffff_ffff_ffff;
    let (v, e) = if biased == 0 {
        let nn = mantissa.leading_zeros();
        (mantissa << nn, -1074 - nn as i32)
    } else {
        ((mantissa << 11) | (1 << 63), biased - 1086)
    };
    let want = if round <= 0 || round >= 18 {
        18
    } else {
        round + 1
    };
    let (mut v, exp) = fp2_convert10(v, e, want);
    // The digits of v, right-aligned before `off`'s end.
    let mut digits = [0u8; 24];
    let mut count = 0;
    while v > 0 && count < digits.len() {
        if let Some(slot) = digits.get_mut(count) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        count += 1;
    }
    if count == 0 {
        count = 1;
    }
    p.n = count;
    for k in 0..count {
        p.set(k, digits.get(count - 1 - k).copied().unwrap_or(b'0'));
    }
    p.idp = count as i32 + exp;
    let mut round = round;
    if round <= 0 {
        round = p.idp - round;
        if round == 0 && p.z(0) >= b'5' {
            round = 1;
            p.prepend(b'0');
        }
    }
    let n = p.n as i32;
    if round > 0 && (round < n || n > max) {
        if round > max {
            round = max;
        }
        if round == 17 {
            // "%!.17g": a shorter form, when it reads back the same.
            if p.z(15) == b'9' && p.z(14) == b'9' {
                let mut jj = 14;
                while jj > 0 && p.z(jj - 1) == b'9' {
                    jj -= 1;
                }
                let v2 = if jj == 0 {
                    1
                } else {
                    p.leading(jj).wrapping_add(1)
                };
                if r == from_decimal(v2, exp + n - jj as i32) {
                    round = jj as i32 + 1;
                }
            } else if p.idp >= n || (p.z(15) == b'0' && p.z(14) == b'0' && p.z(13) == b'0') {
                let mut jj = 13;
                while jj > 1 && p.z(jj - 1) == b'0' {
                    jj -= 1;
                }
                let v2 = p.leading(jj);
                if r == from_decimal(v2, exp + n - jj as i32) {
                    round = jj as i32 + 1;
                }
            }
        }
        let keep = round as usize;
        p.n = keep;
        if p.z(keep) >= b'5' {
            let mut j = keep - 1;
            loop {
                let d = p.z(j) + 1;
                if d <= b'9' {
                    p.set(j, d);
                    break;
                }
                p.set(j, b'0');
                if j == 0 {
                    p.prepend(b'1');
                    break;
                }
                j -= 1;
            }
        }
    }
    while p.n > 1 && p.z(p.n - 1) == b'0' {
        p.n -= 1;
    }
    p
}
