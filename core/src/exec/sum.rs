//! [`Sum`]: the running sum behind `sum`, `total` and `avg`, as SQLite's
//! `SumCtx` keeps it (`func.c`): an exact integer while every value is
//! one and the sum fits, else a double with a Kahan-Babuska-Neumaier
//! error term, so that adding 0.1 ten times gives 1.0.
//!
//! Invariants, as SQLite has them: an integer of magnitude 2^52 or more
//! is added to the double in two parts (its multiple of 16384, then the
//! rest) so no bit of it is lost to rounding; the error term is added at
//! the end unless it is infinite or NaN; an integer overflow makes `sum`
//! an error unless a value that is not an integer comes after it.

use crate::record::ValueRef;
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::num::atof;

/// The smallest magnitude an integer is split at before it is added to
/// the double (2^52).
const SPLIT: i64 = 4_503_599_627_370_496;

/// A running sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Sum {
    /// Every value so far was an integer, and so is their sum.
    Integer(i64),
    /// A double and its error term.
    Real {
        sum: f64,
        err: f64,
        /// An integer overflowed, and no value that is not an integer
        /// came since.
        overflowed: bool,
    },
}

impl Sum {
    /// Adds `value` (not NULL), read as a number the way SQLite's
    /// `sqlite3_value_numeric_type` reads it.
    pub fn add(&mut self, value: ValueRef<'_>) {
        let real = match numeric_affinity(value, false) {
            ValueRef::Integer(i) => {
                self.add_integer(i);
                return;
            }
            ValueRef::Real(r) => r,
            ValueRef::Text(b) | ValueRef::Blob(b) => atof(b).0,
            ValueRef::Null => return,
        };
        match self {
            Sum::Integer(s) => *self = Sum::from_integer(*s, false),
            Sum::Real { overflowed, .. } => *overflowed = false,
        }
        self.step(real);
    }

    fn add_integer(&mut self, i: i64) {
        match *self {
            Sum::Integer(s) => match s.checked_add(i) {
                Some(s) => *self = Sum::Integer(s),
                None => {
                    *self = Sum::from_integer(s, true);
                    self.step_integer(i);
                }
            },
            Sum::Real { .. } => self.step_integer(i),
        }
    }

    /// The double that starts from the integer sum `s`.
    fn from_integer(s: i64, overflowed: bool) -> Sum {
        let (sum, err) = if s <= -SPLIT || s >= SPLIT {
            let small = s % 16384;
            ((s - small) as f64, small as f64)
        } else {
            (s as f64, 0.0)
        };
        Sum::Real {
            sum,
            err,
            overflowed,
        }
    }

    fn step_integer(&mut self, i: i64) {
        if i <= -SPLIT || i >= SPLIT {
            let small = i % 16384;
            self.step((i - small) as f64);
            self.step(small as f64);
        } else {
            self.step(i as f64);
        }
    }

    /// One Kahan-Babuska-Neumaier step.
    fn step(&mut self, r: f64) {
        if let Sum::Real { sum, err, .. } = self {
            let t = *sum + r;
            if sum.abs() > r.abs() {
                *err += (*sum - t) + r;
            } else {
                *err += (r - t) + *sum;
            }
            *sum = t;
        }
    }

    /// The sum as a double, its error term added when finite.
    pub fn real(self) -> f64 {
        match self {
            Sum::Integer(s) => s as f64,
            Sum::Real { sum, err, .. } if err.is_finite() => sum + err,
            Sum::Real { sum, .. } => sum,
        }
    }
}
