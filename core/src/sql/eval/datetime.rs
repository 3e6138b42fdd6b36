//! The date and time functions: `date`, `time`, `datetime`, `julianday`,
//! `unixepoch`, `strftime` and `timediff`, by SQLite's `date.c`, whose
//! steps this module follows one for one so that every input SQLite
//! accepts gives its result and every one it refuses gives NULL.
//!
//! A time is held as SQLite's `DateTime`: milliseconds since the julian
//! day epoch (`ijd`), and/or a calendar date, and/or a time of day, each
//! with a flag saying whether it is current; conversions between them
//! happen on demand.
//!
//! What a time value may be: text `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`,
//! `...:SS`, `...:SS.SSS` (a `T` may separate date and time), `HH:MM...`
//! alone, with a `[+-]HH:MM` or `Z` suffix; a number (a julian day, or
//! with `unixepoch`/`auto` seconds since 1970); `'now'`. Then the
//! modifiers: `N days|hours|minutes|seconds|months|years`, `±HH:MM[:SS]`,
//! `±YYYY-MM-DD[ HH:MM[:SS]]`, `start of` and `end of`
//! `month|year|day`, `weekday N`, `unixepoch`, `julianday`, `auto`,
//! `subsec`/`subsecond`, `floor`, `ceiling`, `localtime` and `utc`.
//!
//! Local time is UTC: the engine has no time zone database (it runs
//! without `std`), so `localtime` and `utc` convert as SQLite does on a
//! machine whose zone is UTC.
//!
//! `'now'` reads the clock the caller hands in (the platform's, through
//! the evaluation context), once per statement run; without a clock it
//! is an error rather than a made-up time.
//!
//! Invariants: no input panics (every conversion is bounded as SQLite
//! bounds it: years -4713 to 9999, julian day numbers checked before
//! they become dates); only `strftime` and `timediff` allocate, through
//! the allocator passed in.

use crate::Result;
use crate::alloc::Allocator;
use crate::record::ValueRef;

use super::cast::{bytes_of, real_value, text_of};
use super::func::{Output, Scalar, c_str, scalar, text};
use super::num::{RealText, atof, is_space, real_same_as_int};
use super::printf::{Buf, append_format};
use super::value::Value;

/// The julian day of the unix epoch, in milliseconds.
const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;

/// The last valid julian day in milliseconds: 9999-12-31 23:59:59.999.
const MAX_JD_MS: i64 = 464_269_060_799_999;

/// Where the current time comes from: unix milliseconds, or the error
/// that says there is no clock.
pub type Clock<'c> = &'c dyn Fn() -> Result<i64>;

/// SQLite's `DateTime`.
#[derive(Clone, Copy, Default)]
struct DateTime {
    /// The julian day number times 86,400,000.
    ijd: i64,
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    /// Time zone offset in minutes.
    tz: i32,
    second: f64,
    valid_jd: bool,
    valid_ymd: bool,
    valid_hms: bool,
    /// Days to take off for `floor` (a day past the month's end).
    n_floor: i32,
    /// `second` holds a raw number not yet read as a time.
    raw_s: bool,
    is_error: bool,
    use_subsec: bool,
    is_utc: bool,
    is_local: bool,
}

/// Byte `i` of a NUL-free text, 0 past its end (as C reads it).
fn at(z: &[u8], i: usize) -> u8 {
    z.get(i).copied().unwrap_or(0)
}

/// The text from `i` on.
fn from(z: &[u8], i: usize) -> &[u8] {
    z.get(i..).unwrap_or(&[])
}

/// SQLite's `getDigits`: fields of `(digits, min, max, separator)`; the
/// number of fields read before one failed.
fn get_digits(z: &[u8], fields: &[(usize, i32, i32, u8)], out: &mut [i32]) -> usize {
    let mut i = 0;
    let mut count = 0;
    for (k, &(n, min, max, next)) in fields.iter().enumerate() {
        let mut val = 0i32;
        for _ in 0..n {
            let c = at(z, i);
            if !c.is_ascii_digit() {
                return count;
            }
            val = val * 10 + i32::from(c - b'0');
            i += 1;
        }
        if val < min || val > max || (next != 0 && next != at(z, i)) {
            return count;
        }
        if let Some(slot) = out.get_mut(k) {
            *slot = val;
        }
        i += 1;
        count += 1;
    }
    count
}

/// Whether `z` is `word`, ignoring ASCII case.
fn is(z: &[u8], word: &str) -> bool {
    z.eq_ignore_ascii_case(word.as_bytes())
}

/// Whether `z` starts with `word`, ignoring ASCII case.
fn starts(z: &[u8], word: &str) -> bool {
    z.get(..word.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(word.as_bytes()))
}

/// The index of the first byte at or after `i` that is not a space.
fn skip_spaces(z: &[u8], mut i: usize) -> usize {
    while is_space(at(z, i)) {
        i += 1;
    }
    i
}

/// `sqlite3AtoF(z) > 0`: `z` is a number, whole.
fn number(z: &[u8]) -> Option<f64> {
    let (r, kind) = atof(z);
    matches!(kind, RealText::Integer | RealText::Real).then_some(r)
}

impl DateTime {
    /// `parseTimezone`: `true` on error.
    fn parse_timezone(&mut self, z: &[u8]) -> bool {
        let mut i = skip_spaces(z, 0);
        self.tz = 0;
        let sign = match at(z, i) {
            b'-' => -1,
            b'+' => 1,
            b'Z' | b'z' => {
                i += 1;
                self.is_local = false;
                self.is_utc = true;
                0
            }
            c => return c != 0,
        };
        if sign != 0 {
            i += 1;
            let mut v = [0; 2];
            if get_digits(from(z, i), &[(2, 0, 14, b':'), (2, 0, 59, 0)], &mut v) != 2 {
                return true;
            }
            i += 5;
            let [hours, minutes] = v;
            self.tz = sign * (minutes + hours * 60);
            if self.tz == 0 {
                self.is_local = false;
                self.is_utc = true;
            }
        }
        at(z, skip_spaces(z, i)) != 0
    }

    /// `parseHhMmSs`: `true` on error.
    fn parse_hms(&mut self, z: &[u8]) -> bool {
        let mut v = [0; 2];
        if get_digits(z, &[(2, 0, 24, b':'), (2, 0, 59, 0)], &mut v) != 2 {
            return true;
        }
        let [h, m] = v;
        let mut i = 5;
        let mut s = 0;
        let mut ms = 0.0f64;
        if at(z, i) == b':' {
            i += 1;
            let mut sv = [0; 1];
            if get_digits(from(z, i), &[(2, 0, 59, 0)], &mut sv) != 1 {
                return true;
            }
            s = sv[0];
            i += 2;
            if at(z, i) == b'.' && at(z, i + 1).is_ascii_digit() {
                let mut scale = 1.0f64;
                i += 1;
                while at(z, i).is_ascii_digit() {
                    ms = ms * 10.0 + f64::from(at(z, i) - b'0');
                    scale *= 10.0;
                    i += 1;
                }
                ms /= scale;
                if ms > 0.999 {
                    ms = 0.999;
                }
            }
        }
        if h == 24 && (m != 0 || s != 0 || ms != 0.0) {
            return true;
        }
        self.valid_jd = false;
        self.raw_s = false;
        self.valid_hms = true;
        self.hour = h;
        self.minute = m;
        self.second = f64::from(s) + ms;
        self.parse_timezone(from(z, i))
    }

    /// `datetimeError`.
    fn error(&mut self) {
        *self = DateTime {
            is_error: true,
            ..DateTime::default()
        };
    }

    /// `computeJD`.
    fn compute_jd(&mut self) {
        if self.valid_jd {
            return;
        }
        let (mut y, mut m, d) = if self.valid_ymd {
            (self.year, self.month, self.day)
        } else {
            let mut d = 1;
            if self.valid_hms && self.hour == 24 {
                self.hour = 0;
                d = 2;
            }
            (2000, 1, d)
        };
        if !(-4713..=9999).contains(&y) || self.raw_s {
            self.error();
            return;
        }
        if m <= 2 {
            y -= 1;
            m += 12;
        }
        // SQLite computes in `int`; i64 gives the same values and cannot
        // overflow whatever the month and day hold.
        let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
        let a = (y + 4800) / 100;
        let b = 38 - a + (a / 4);
        let x1 = 36525 * (y + 4716) / 100;
        let x2 = 306_001 * (m + 1) / 10000;
        let whole = x1 + x2 + d + b;
        self.ijd = ((whole as f64 - 1524.5) * 86_400_000.0) as i64;
        self.valid_jd = true;
        if self.valid_hms {
            self.ijd += i64::from(self.hour) * 3_600_000
                + i64::from(self.minute) * 60_000
                + (self.second * 1000.0 + 0.5) as i64;
            if self.tz != 0 {
                self.ijd -= i64::from(self.tz) * 60_000;
                self.valid_ymd = false;
                self.valid_hms = false;
                self.tz = 0;
                self.is_utc = true;
                self.is_local = false;
            }
        }
    }

    /// `computeFloor`.
    fn compute_floor(&mut self) {
        let max = days_of_month(self.year, self.month);
        self.n_floor = if self.day > max { self.day - max } else { 0 };
    }

    /// `parseYyyyMmDd`: `true` on error.
    fn parse_ymd(&mut self, z: &[u8]) -> bool {
        let (neg, z) = if at(z, 0) == b'-' {
            (true, from(z, 1))
        } else {
            (false, z)
        };
        let mut v = [0; 3];
        let fields = [(4, 0, 14712, b'-'), (2, 1, 12, b'-'), (2, 1, 31, 0)];
        if get_digits(z, &fields, &mut v) != 3 {
            return true;
        }
        let [mut y, mut m, mut d] = v;
        let mut i = 10;
        while is_space(at(z, i)) || at(z, i) == b'T' {
            i += 1;
        }
        let rest = from(z, i);
        if !self.parse_hms(rest) {
            if self.hour == 24 {
                let max = days_of_month(y, m);
                self.hour = 0;
                d += 1;
                if d > max {
                    d -= max;
                    m += 1;
                    if m > 12 {
                        m = 1;
                        y += 1;
                    }
                }
            }
        } else if rest.is_empty() {
            self.valid_hms = false;
        } else {
            return true;
        }
        self.valid_jd = false;
        self.valid_ymd = true;
        self.year = if neg { -y } else { y };
        self.month = m;
        self.day = d;
        self.compute_floor();
        if self.tz != 0 {
            self.compute_jd();
        }
        false
    }

    /// `setDateTimeToCurrent`.
    fn set_now(&mut self, clock: Clock<'_>) -> Result<bool> {
        let now = clock()?;
        self.ijd = now.saturating_add(UNIX_EPOCH_JD_MS);
        if self.ijd > 0 {
            self.valid_jd = true;
            self.is_utc = true;
            self.is_local = false;
            self.clear_ymd_hms_tz();
            Ok(false)
        } else {
            Ok(true)
        }
    }

    /// `setRawDateNumber`.
    fn set_raw(&mut self, r: f64) {
        self.second = r;
        self.raw_s = true;
        if (0.0..5_373_484.5).contains(&r) {
            self.ijd = (r * 86_400_000.0 + 0.5) as i64;
            self.valid_jd = true;
        }
    }

    /// `parseDateOrTime`: `true` on error.
    fn parse_date_or_time(&mut self, z: &[u8], clock: Clock<'_>) -> Result<bool> {
        if !self.parse_ymd(z) || !self.parse_hms(z) {
            return Ok(false);
        }
        if is(z, "now") {
            return self.set_now(clock);
        }
        if let Some(r) = number(z) {
            self.set_raw(r);
            return Ok(false);
        }
        if is(z, "subsec") || is(z, "subsecond") {
            self.use_subsec = true;
            return self.set_now(clock);
        }
        Ok(true)
    }

    /// `computeYMD`.
    fn compute_ymd(&mut self) {
        if self.valid_ymd {
            return;
        }
        if !self.valid_jd {
            self.year = 2000;
            self.month = 1;
            self.day = 1;
        } else if !valid_julian_day(self.ijd) {
            self.error();
            return;
        } else {
            let z = ((self.ijd + 43_200_000) / 86_400_000) as i32;
            let alpha = ((f64::from(z) + 32044.75) / 36524.25) as i32 - 52;
            let a = z + 1 + alpha - ((alpha + 100) / 4) + 25;
            let b = a + 1524;
            let c = ((f64::from(b) - 122.1) / 365.25) as i32;
            let d = (36525 * (c & 32767)) / 100;
            let e = (f64::from(b - d) / 30.6001) as i32;
            let x1 = (30.6001 * f64::from(e)) as i32;
            self.day = b - d - x1;
            self.month = if e < 14 { e - 1 } else { e - 13 };
            self.year = if self.month > 2 { c - 4716 } else { c - 4715 };
        }
        self.valid_ymd = true;
    }

    /// `computeHMS`.
    fn compute_hms(&mut self) {
        if self.valid_hms {
            return;
        }
        self.compute_jd();
        let day_ms = (self.ijd.wrapping_add(43_200_000) % 86_400_000) as i32;
        self.second = f64::from(day_ms % 60000) / 1000.0;
        let day_min = day_ms / 60000;
        self.minute = day_min % 60;
        self.hour = day_min / 60;
        self.raw_s = false;
        self.valid_hms = true;
    }

    /// `computeYMD_HMS`.
    fn compute_ymd_hms(&mut self) {
        self.compute_ymd();
        self.compute_hms();
    }

    /// `clearYMD_HMS_TZ`.
    fn clear_ymd_hms_tz(&mut self) {
        self.valid_ymd = false;
        self.valid_hms = false;
        self.tz = 0;
    }

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
    fn modify(&mut self, z: &[u8], idx: usize) -> bool {
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

/// `daysOfMonth`.
fn days_of_month(y: i32, m: i32) -> i32 {
    if (1i32 << m.clamp(0, 30)) & 0x15aa != 0 {
        31
    } else if m != 2 {
        30
    } else if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
        29
    } else {
        28
    }
}

/// `validJulianDay`.
fn valid_julian_day(ijd: i64) -> bool {
    (0..=MAX_JD_MS).contains(&ijd)
}

/// SQLite's `isDate`: the time `args` (a value, then modifiers) name,
/// or `None` (NULL) when they name none.
fn is_date(args: &[ValueRef<'_>], clock: Clock<'_>) -> Result<Option<DateTime>> {
    let mut p = DateTime::default();
    let Some((&first, modifiers)) = args.split_first() else {
        return Ok((!p.set_now(clock)?).then_some(p));
    };
    match first {
        ValueRef::Integer(_) | ValueRef::Real(_) => p.set_raw(real_value(first)),
        other => {
            let Some(t) = text_of(other) else {
                return Ok(None);
            };
            if p.parse_date_or_time(c_str(bytes_of(&t)), clock)? {
                return Ok(None);
            }
        }
    }
    for (i, &m) in modifiers.iter().enumerate() {
        let Some(t) = text_of(m) else {
            return Ok(None);
        };
        if p.modify(c_str(bytes_of(&t)), i + 1) {
            return Ok(None);
        }
    }
    p.compute_jd();
    if p.is_error || !valid_julian_day(p.ijd) {
        return Ok(None);
    }
    if args.len() == 1 && p.valid_ymd && p.day > 28 {
        p.valid_ymd = false;
    }
    Ok(Some(p))
}

/// `'0' + (v / div) % 10`, for the fixed layouts.
fn digit(v: i32, div: i32) -> u8 {
    b'0' + ((v / div) % 10).unsigned_abs() as u8
}

/// `YYYY-MM-DD` (with a leading `-` for years before 0) into `buf`;
/// the length written.
fn put_date(x: &DateTime, buf: &mut [u8; 32]) -> usize {
    let y = x.year.abs();
    let mut out = [0u8; 11];
    let mut n = 0;
    if x.year < 0 {
        out[0] = b'-';
        n = 1;
    }
    for (k, b) in [
        digit(y, 1000),
        digit(y, 100),
        digit(y, 10),
        digit(y, 1),
        b'-',
        digit(x.month, 10),
        digit(x.month, 1),
        b'-',
        digit(x.day, 10),
        digit(x.day, 1),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(slot) = out.get_mut(n + k) {
            *slot = b;
        }
    }
    let len = n + 10;
    if let (Some(dst), Some(src)) = (buf.get_mut(..len), out.get(..len)) {
        dst.copy_from_slice(src);
    }
    len
}

/// `HH:MM:SS` or, with `subsec`, `HH:MM:SS.SSS`, into `buf` at `at`;
/// the length after.
fn put_time(x: &DateTime, buf: &mut [u8; 32], at: usize) -> usize {
    let mut fields = [
        digit(x.hour, 10),
        digit(x.hour, 1),
        b':',
        digit(x.minute, 10),
        digit(x.minute, 1),
        b':',
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    let n = if x.use_subsec {
        let s = (1000.0 * x.second + 0.5) as i32;
        fields[6..12].copy_from_slice(&[
            digit(s, 10000),
            digit(s, 1000),
            b'.',
            digit(s, 100),
            digit(s, 10),
            digit(s, 1),
        ]);
        12
    } else {
        let s = x.second as i32;
        fields[6..8].copy_from_slice(&[digit(s, 10), digit(s, 1)]);
        8
    };
    for (k, &b) in fields.iter().take(n).enumerate() {
        if let Some(slot) = buf.get_mut(at + k) {
            *slot = b;
        }
    }
    at + n
}

/// One of the date and time functions on evaluated arguments.
pub(super) fn call<A: Allocator>(
    function: Scalar,
    args: &[ValueRef<'_>],
    clock: Clock<'_>,
    alloc: A,
) -> Result<Output<A>> {
    if function == Scalar::StrFTime {
        return strftime(args, clock, alloc);
    }
    if function == Scalar::TimeDiff {
        return timediff(args, clock, alloc);
    }
    let Some(mut x) = is_date(args, clock)? else {
        return scalar(ValueRef::Null);
    };
    let mut buf = [0u8; 32];
    match function {
        Scalar::JulianDay => {
            x.compute_jd();
            scalar(ValueRef::Real(x.ijd as f64 / 86_400_000.0))
        }
        Scalar::UnixEpoch => {
            x.compute_jd();
            if x.use_subsec {
                scalar(ValueRef::Real((x.ijd - UNIX_EPOCH_JD_MS) as f64 / 1000.0))
            } else {
                scalar(ValueRef::Integer(x.ijd / 1000 - 21_086_676 * 10_000))
            }
        }
        Scalar::Date => {
            x.compute_ymd();
            let n = put_date(&x, &mut buf);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
        Scalar::Time => {
            x.compute_hms();
            let n = put_time(&x, &mut buf, 0);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
        _ => {
            x.compute_ymd_hms();
            let mut n = put_date(&x, &mut buf);
            if let Some(slot) = buf.get_mut(n) {
                *slot = b' ';
            }
            n = put_time(&x, &mut buf, n + 1);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
    }
}

/// `daysAfterJan01`.
fn days_after_jan01(x: &DateTime) -> i64 {
    let mut jan01 = *x;
    jan01.valid_jd = false;
    jan01.month = 1;
    jan01.day = 1;
    jan01.compute_jd();
    (x.ijd - jan01.ijd + 43_200_000) / 86_400_000
}

/// `daysAfterMonday`.
fn days_after_monday(x: &DateTime) -> i64 {
    ((x.ijd + 43_200_000) / 86_400_000) % 7
}

/// `daysAfterSunday`.
fn days_after_sunday(x: &DateTime) -> i64 {
    ((x.ijd + 129_600_000) / 86_400_000) % 7
}

/// The Thursday of `x`'s ISO week, as `%G` and `%V` use it.
fn iso_thursday(x: &DateTime) -> DateTime {
    let mut y = *x;
    y.ijd += (3 - days_after_monday(x)) * 86_400_000;
    y.valid_ymd = false;
    y.compute_ymd();
    y
}

/// `strftime(format, time, modifiers...)`: NULL for an unknown `%`
/// conversion.
fn strftime<A: Allocator>(args: &[ValueRef<'_>], clock: Clock<'_>, alloc: A) -> Result<Output<A>> {
    let Some((&format, time)) = args.split_first() else {
        return scalar(ValueRef::Null);
    };
    let Some(format) = text_of(format) else {
        return scalar(ValueRef::Null);
    };
    let Some(mut x) = is_date(time, clock)? else {
        return scalar(ValueRef::Null);
    };
    let fmt = c_str(bytes_of(&format));
    x.compute_jd();
    x.compute_ymd_hms();
    let mut out = Buf::new(alloc);
    let int = |v: i64| ValueRef::Integer(v);
    let mut i = 0;
    let mut j = 0;
    while i < fmt.len() {
        if at(fmt, i) != b'%' {
            i += 1;
            continue;
        }
        if j < i {
            out.push(fmt.get(j..i).unwrap_or(&[]))?;
        }
        i += 1;
        j = i + 1;
        let cf = at(fmt, i);
        let (y, m, d) = (i64::from(x.year), i64::from(x.month), i64::from(x.day));
        let (h, mi) = (i64::from(x.hour), i64::from(x.minute));
        let s = i64::from(x.second as i32);
        match cf {
            b'd' => append_format(&mut out, b"%02d", &[int(d)])?,
            b'e' => append_format(&mut out, b"%2d", &[int(d)])?,
            b'f' => {
                let s = if x.second > 59.999 { 59.999 } else { x.second };
                append_format(&mut out, b"%06.3f", &[ValueRef::Real(s)])?;
            }
            b'F' => append_format(&mut out, b"%04d-%02d-%02d", &[int(y), int(m), int(d)])?,
            b'G' | b'g' => {
                let t = iso_thursday(&x);
                if cf == b'g' {
                    append_format(&mut out, b"%02d", &[int(i64::from(t.year % 100))])?;
                } else {
                    append_format(&mut out, b"%04d", &[int(i64::from(t.year))])?;
                }
            }
            b'H' => append_format(&mut out, b"%02d", &[int(h)])?,
            b'k' => append_format(&mut out, b"%2d", &[int(h)])?,
            b'I' | b'l' => {
                let mut h12 = h;
                if h12 > 12 {
                    h12 -= 12;
                }
                if h12 == 0 {
                    h12 = 12;
                }
                let f: &[u8] = if cf == b'I' { b"%02d" } else { b"%2d" };
                append_format(&mut out, f, &[int(h12)])?;
            }
            b'j' => append_format(&mut out, b"%03d", &[int(days_after_jan01(&x) + 1)])?,
            b'J' => append_format(
                &mut out,
                b"%.16g",
                &[ValueRef::Real(x.ijd as f64 / 86_400_000.0)],
            )?,
            b'm' => append_format(&mut out, b"%02d", &[int(m)])?,
            b'M' => append_format(&mut out, b"%02d", &[int(mi)])?,
            b'p' | b'P' => {
                let pm = x.hour >= 12;
                out.push(match (cf == b'p', pm) {
                    (true, true) => b"PM",
                    (true, false) => b"AM",
                    (false, true) => b"pm",
                    (false, false) => b"am",
                })?;
            }
            b'R' => append_format(&mut out, b"%02d:%02d", &[int(h), int(mi)])?,
            b's' => {
                if x.use_subsec {
                    let v = (x.ijd - UNIX_EPOCH_JD_MS) as f64 / 1000.0;
                    append_format(&mut out, b"%.3f", &[ValueRef::Real(v)])?;
                } else {
                    let v = x.ijd / 1000 - 21_086_676 * 10_000;
                    append_format(&mut out, b"%lld", &[int(v)])?;
                }
            }
            b'S' => append_format(&mut out, b"%02d", &[int(s)])?,
            b'T' => append_format(&mut out, b"%02d:%02d:%02d", &[int(h), int(mi), int(s)])?,
            b'u' | b'w' => {
                let mut c = days_after_sunday(&x) as u8 + b'0';
                if c == b'0' && cf == b'u' {
                    c = b'7';
                }
                out.push(&[c])?;
            }
            b'U' => {
                let week = (days_after_jan01(&x) - days_after_sunday(&x) + 7) / 7;
                append_format(&mut out, b"%02d", &[int(week)])?;
            }
            b'V' => {
                let t = iso_thursday(&x);
                append_format(&mut out, b"%02d", &[int(days_after_jan01(&t) / 7 + 1)])?;
            }
            b'W' => {
                let week = (days_after_jan01(&x) - days_after_monday(&x) + 7) / 7;
                append_format(&mut out, b"%02d", &[int(week)])?;
            }
            b'Y' => append_format(&mut out, b"%04d", &[int(y)])?,
            b'%' => out.push(b"%")?,
            _ => return scalar(ValueRef::Null),
        }
        i += 1;
    }
    if j < i {
        out.push(fmt.get(j..i).unwrap_or(&[]))?;
    }
    Ok(Output::Value(Value::Text(out.bytes)))
}

/// `timediff(a, b)`: the time from `b` to `a` as
/// `±YYYY-MM-DD HH:MM:SS.SSS`, in whole months and years first.
fn timediff<A: Allocator>(args: &[ValueRef<'_>], clock: Clock<'_>, alloc: A) -> Result<Output<A>> {
    let one = |i: usize| args.get(i..=i).unwrap_or(&[]);
    let Some(mut d1) = is_date(one(0), clock)? else {
        return scalar(ValueRef::Null);
    };
    let Some(mut d2) = is_date(one(1), clock)? else {
        return scalar(ValueRef::Null);
    };
    d1.compute_ymd_hms();
    d2.compute_ymd_hms();
    let sign;
    let mut y;
    let mut m;
    if d1.ijd >= d2.ijd {
        sign = b"+";
        y = d1.year - d2.year;
        if y != 0 {
            d2.year = d1.year;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        m = d1.month - d2.month;
        if m < 0 {
            y -= 1;
            m += 12;
        }
        if m != 0 {
            d2.month = d1.month;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        while d1.ijd < d2.ijd {
            m -= 1;
            if m < 0 {
                m = 11;
                y -= 1;
            }
            d2.month -= 1;
            if d2.month < 1 {
                d2.month = 12;
                d2.year -= 1;
            }
            d2.valid_jd = false;
            d2.compute_jd();
        }
        d1.ijd -= d2.ijd;
    } else {
        sign = b"-";
        y = d2.year - d1.year;
        if y != 0 {
            d2.year = d1.year;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        m = d2.month - d1.month;
        if m < 0 {
            y -= 1;
            m += 12;
        }
        if m != 0 {
            d2.month = d1.month;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        while d1.ijd > d2.ijd {
            m -= 1;
            if m < 0 {
                m = 11;
                y -= 1;
            }
            d2.month += 1;
            if d2.month > 12 {
                d2.month = 1;
                d2.year += 1;
            }
            d2.valid_jd = false;
            d2.compute_jd();
        }
        d1.ijd = d2.ijd - d1.ijd;
    }
    d1.ijd += 148_699_540_800_000;
    d1.clear_ymd_hms_tz();
    d1.compute_ymd_hms();
    let mut out = Buf::new(alloc);
    append_format(
        &mut out,
        b"%s%04d-%02d-%02d %02d:%02d:%06.3f",
        &[
            ValueRef::Text(sign),
            ValueRef::Integer(i64::from(y)),
            ValueRef::Integer(i64::from(m)),
            ValueRef::Integer(i64::from(d1.day - 1)),
            ValueRef::Integer(i64::from(d1.hour)),
            ValueRef::Integer(i64::from(d1.minute)),
            ValueRef::Real(d1.second),
        ],
    )?;
    Ok(Output::Value(Value::Text(out.bytes)))
}
