//! The modifiers that follow a time value (`+N days`, `start of month`,
//! `weekday N`, `unixepoch`, `localtime`...), each by its branch of
//! SQLite's `parseModifier`, and the local-time conversions they need.
//!
//! Invariant: a modifier that does not apply reports it (the call is
//! then NULL); arithmetic past the valid range wraps, as SQLite's does,
//! and the range is checked once all modifiers ran.

use super::super::num::{is_space, real_same_as_int};
use super::{DateTime, at, from, get_digits, is, number, skip_spaces, starts};

impl DateTime {
    /// `toLocaltime`, where local time is UTC: the calendar fields of the
    /// same instant, through the same steps (years outside 1970-2038
    /// moved into range and back) so that the results match SQLite's on
    /// a UTC machine.
    fn make_local(&mut self) {
        self.compute_jd();
        let (t, year_diff) =
            if self.ijd < 2_108_667_600 * 100_000 || self.ijd > 2_130_141_456 * 100_000 {
                let mut x = *self;
                x.compute_ymd_hms();
                let diff = (2000 + x.year % 4) - x.year;
                x.year += diff;
                x.valid_jd = false;
                x.compute_jd();
                (x.ijd / 1000 - 21_086_676 * 10_000, diff)
            } else {
                (self.ijd / 1000 - 21_086_676 * 10_000, 0)
            };
        let mut utc = DateTime {
            ijd: (t + 21_086_676 * 10_000).saturating_mul(1000),
            valid_jd: true,
            ..DateTime::default()
        };
        utc.compute_ymd_hms();
        self.year = utc.year - year_diff;
        self.month = utc.month;
        self.day = utc.day;
        self.hour = utc.hour;
        self.minute = utc.minute;
        self.second = f64::from(utc.second as i32) + (self.ijd % 1000) as f64 * 0.001;
        self.valid_ymd = true;
        self.valid_hms = true;
        self.valid_jd = false;
        self.raw_s = false;
        self.tz = 0;
        self.is_error = false;
    }

    /// `autoAdjustDate`.
    fn auto_adjust(&mut self) {
        if !self.raw_s || self.valid_jd {
            self.raw_s = false;
        } else if self.second >= -21_086_676.0 * 10_000.0
            && self.second <= 25_340_230.0 * 10_000.0 + 799.0
        {
            let r = self.second * 1000.0 + 210_866_760_000_000.0;
            self.clear_ymd_hms_tz();
            self.ijd = (r + 0.5) as i64;
            self.valid_jd = true;
            self.raw_s = false;
        }
    }

    /// `parseModifier`: `true` when `z` is not a modifier that applies.
    /// `idx` is the modifier's argument position (from 1).
    pub(super) fn modify(&mut self, z: &[u8], idx: usize) -> bool {
        match at(z, 0).to_ascii_lowercase() {
            b'a' => {
                if is(z, "auto") {
                    if idx > 1 {
                        return true;
                    }
                    self.auto_adjust();
                    return false;
                }
                true
            }
            b'c' => {
                if is(z, "ceiling") {
                    self.compute_jd();
                    self.clear_ymd_hms_tz();
                    self.n_floor = 0;
                    return false;
                }
                true
            }
            b'e' => {
                if !starts(z, "end of ") || (!self.valid_jd && !self.valid_ymd && !self.valid_hms) {
                    return true;
                }
                let unit = from(z, 7);
                self.compute_ymd();
                self.valid_hms = true;
                self.hour = 23;
                self.minute = 59;
                self.second = 59.999;
                self.raw_s = false;
                self.tz = 0;
                self.valid_jd = false;
                if is(unit, "month") {
                    self.day = 1;
                    self.month += 1;
                    if self.month > 12 {
                        self.year += 1;
                        self.month = 1;
                    }
                    self.compute_floor();
                    self.compute_jd();
                    self.ijd = self
                        .ijd
                        .wrapping_sub(i64::from(self.n_floor + 1) * 86_400_000);
                    self.clear_ymd_hms_tz();
                    false
                } else if is(unit, "year") {
                    self.month = 12;
                    self.day = 31;
                    false
                } else {
                    !is(unit, "day")
                }
            }
            b'f' => {
                if is(z, "floor") {
                    self.compute_jd();
                    self.ijd = self.ijd.wrapping_sub(i64::from(self.n_floor) * 86_400_000);
                    self.clear_ymd_hms_tz();
                    return false;
                }
                true
            }
            b'j' => {
                if is(z, "julianday") {
                    if idx > 1 {
                        return true;
                    }
                    if self.valid_jd && self.raw_s {
                        self.raw_s = false;
                        return false;
                    }
                }
                true
            }
            b'l' => {
                if is(z, "localtime") {
                    if !self.is_local {
                        self.make_local();
                    }
                    self.is_utc = false;
                    self.is_local = true;
                    return false;
                }
                true
            }
            b'u' => {
                if is(z, "unixepoch") && self.raw_s {
                    if idx > 1 {
                        return true;
                    }
                    let r = self.second * 1000.0 + 210_866_760_000_000.0;
                    if (0.0..464_269_060_800_000.0).contains(&r) {
                        self.clear_ymd_hms_tz();
                        self.ijd = (r + 0.5) as i64;
                        self.valid_jd = true;
                        self.raw_s = false;
                        return false;
                    }
                    true
                } else if is(z, "utc") {
                    if !self.is_utc {
                        // SQLite's search for the UTC time whose local
                        // time is this one: at most four guesses.
                        self.compute_jd();
                        let orig = self.ijd;
                        let mut guess = orig;
                        let mut err = 0i64;
                        let mut count = 0;
                        loop {
                            guess = guess.wrapping_sub(err);
                            let mut probe = DateTime {
                                ijd: guess,
                                valid_jd: true,
                                ..DateTime::default()
                            };
                            probe.make_local();
                            probe.compute_jd();
                            err = probe.ijd.wrapping_sub(orig);
                            if err == 0 || count >= 3 {
                                break;
                            }
                            count += 1;
                        }
                        *self = DateTime {
                            ijd: guess,
                            valid_jd: true,
                            is_utc: true,
                            ..DateTime::default()
                        };
                    }
                    false
                } else {
                    true
                }
            }
            b'w' => self.weekday(z),
            b's' => {
                if !starts(z, "start of ") {
                    if is(z, "subsec") || is(z, "subsecond") {
                        self.use_subsec = true;
                        return false;
                    }
                    return true;
                }
                if !self.valid_jd && !self.valid_ymd && !self.valid_hms {
                    return true;
                }
                let unit = from(z, 9);
                self.compute_ymd();
                self.valid_hms = true;
                self.hour = 0;
                self.minute = 0;
                self.second = 0.0;
                self.raw_s = false;
                self.tz = 0;
                self.valid_jd = false;
                if is(unit, "month") {
                    self.day = 1;
                    false
                } else if is(unit, "year") {
                    self.month = 1;
                    self.day = 1;
                    false
                } else {
                    !is(unit, "day")
                }
            }
            b'+' | b'-' | b'0'..=b'9' => self.shift(z),
            _ => true,
        }
    }

    /// `weekday N` (and `weekday -N`, the one before).
    fn weekday(&mut self, z: &[u8]) -> bool {
        if !starts(z, "weekday ") {
            return true;
        }
        let rest = from(z, 8);
        let Some(r) = number(rest) else {
            return true;
        };
        if !(-6.0..=6.0).contains(&r) {
            return true;
        }
        let mut n = r as i64;
        if !real_same_as_int(r, n) {
            return true;
        }
        self.compute_ymd_hms();
        self.tz = 0;
        self.valid_jd = false;
        self.compute_jd();
        let mut day = ((self.ijd + 129_600_000) / 86_400_000) % 7;
        n = n.abs();
        if day != n {
            if day > n {
                day -= 7;
            }
            self.ijd = self.ijd.wrapping_add((n - day) * 86_400_000);
            if rest.contains(&b'-') {
                self.ijd = self.ijd.wrapping_sub(7 * 86_400_000);
            }
        }
        self.clear_ymd_hms_tz();
        false
    }

    /// The numeric modifiers: `N unit`, `±HH:MM[:SS[.SSS]]` and
    /// `±YYYY-MM-DD[ HH:MM[:SS]]`.
    fn shift(&mut self, z: &[u8]) -> bool {
        let z0 = at(z, 0);
        let mut n = 1;
        while at(z, n) != 0 {
            let c = at(z, n);
            if c == b':' || is_space(c) {
                break;
            }
            if c == b'-' {
                let mut y = [0; 1];
                if n == 5 && get_digits(from(z, 1), &[(4, 0, 14712, 0)], &mut y) == 1 {
                    break;
                }
                if n == 6 && get_digits(from(z, 1), &[(5, 0, 14712, 0)], &mut y) == 1 {
                    break;
                }
            }
            n += 1;
        }
        let Some(mut r) = number(z.get(..n).unwrap_or(z)) else {
            return true;
        };
        let mut z = z;
        let mut z2_at = 0;
        if at(z, n) == b'-' {
            if z0 != b'+' && z0 != b'-' {
                return true;
            }
            let mut v = [0; 3];
            let width = if n == 5 { 4 } else { 5 };
            let fields = [(width, 0, 14712, b'-'), (2, 0, 12, b'-'), (2, 0, 31, 0)];
            if get_digits(from(z, 1), &fields, &mut v) != 3 {
                return true;
            }
            if n == 6 {
                z = from(z, 1);
            }
            let [y, m, mut d] = v;
            if m >= 12 || d >= 31 {
                return true;
            }
            self.compute_ymd_hms();
            self.valid_jd = false;
            if z0 == b'-' {
                self.year -= y;
                self.month -= m;
                d = -d;
            } else {
                self.year += y;
                self.month += m;
            }
            let x = if self.month > 0 {
                (self.month - 1) / 12
            } else {
                (self.month - 12) / 12
            };
            self.year += x;
            self.month -= x * 12;
            self.compute_floor();
            self.compute_jd();
            self.valid_hms = false;
            self.valid_ymd = false;
            self.ijd = self.ijd.wrapping_add(i64::from(d) * 86_400_000);
            if at(z, 11) == 0 {
                return false;
            }
            let mut hm = [0; 2];
            if is_space(at(z, 11))
                && get_digits(from(z, 12), &[(2, 0, 24, b':'), (2, 0, 59, 0)], &mut hm) == 2
            {
                z2_at = 12;
                n = 2;
            } else {
                return true;
            }
        }
        let z2 = from(z, z2_at);
        if at(z2, n) == b':' {
            let z2 = if at(z2, 0).is_ascii_digit() {
                z2
            } else {
                from(z2, 1)
            };
            let mut tx = DateTime::default();
            if tx.parse_hms(z2) {
                return true;
            }
            tx.compute_jd();
            tx.ijd -= 43_200_000;
            let day = tx.ijd / 86_400_000;
            tx.ijd -= day * 86_400_000;
            if z0 == b'-' {
                tx.ijd = -tx.ijd;
            }
            self.compute_jd();
            self.clear_ymd_hms_tz();
            self.ijd = self.ijd.wrapping_add(tx.ijd);
            return false;
        }
        let i = skip_spaces(z2, n);
        let unit = from(z2, i);
        let mut len = unit.len();
        if !(3..=10).contains(&len) {
            return true;
        }
        if at(unit, len - 1).eq_ignore_ascii_case(&b's') {
            len -= 1;
        }
        let unit = unit.get(..len).unwrap_or(unit);
        self.compute_jd();
        let rounder = if r < 0.0 { -0.5 } else { 0.5 };
        self.n_floor = 0;
        // SQLite's `aXformType`: name, limit and seconds, as C floats.
        const UNITS: [(&str, f32, f32); 6] = [
            ("second", 4.6427e14, 1.0),
            ("minute", 7.7379e12, 60.0),
            ("hour", 1.2897e11, 3600.0),
            ("day", 5_373_485.0, 86400.0),
            ("month", 176_546.0, 2_592_000.0),
            ("year", 14713.0, 31_536_000.0),
        ];
        let mut failed = true;
        for (k, &(name, limit, seconds)) in UNITS.iter().enumerate() {
            let limit = f64::from(limit);
            if !is(unit, name) || r <= -limit || r >= limit {
                continue;
            }
            if k == 4 {
                self.compute_ymd_hms();
                self.month += r as i32;
                let x = if self.month > 0 {
                    (self.month - 1) / 12
                } else {
                    (self.month - 12) / 12
                };
                self.year += x;
                self.month -= x * 12;
                self.compute_floor();
                self.valid_jd = false;
                r -= f64::from(r as i32);
            } else if k == 5 {
                let y = r as i32;
                self.compute_ymd_hms();
                self.year += y;
                self.compute_floor();
                self.valid_jd = false;
                r -= f64::from(r as i32);
            }
            self.compute_jd();
            self.ijd = self
                .ijd
                .wrapping_add((r * 1000.0 * f64::from(seconds) + rounder) as i64);
            failed = false;
            break;
        }
        self.clear_ymd_hms_tz();
        failed
    }
}
