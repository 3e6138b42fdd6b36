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
//! The type and the parsing of time values live here; `modify` holds the
//! modifiers, `text` what each function returns.
//!
//! Invariants: no input panics (years are checked to be -4713 to 9999
//! before they become day numbers, day numbers to be in range before
//! they become dates, and arithmetic between the checks wraps, as
//! SQLite's does); only `strftime` and `timediff` allocate, through the
//! allocator passed in.

mod modify;
mod text;

use crate::Result;
use crate::record::ValueRef;

use super::cast::{bytes_of, real_value, text_of};
use super::func::c_str;
use super::num::{RealText, atof, is_space};

pub(in crate::sql::eval) use text::call;

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
