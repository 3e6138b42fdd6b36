//! `LIKE` and `GLOB` pattern matching, without memory and in time
//! proportional to the product of the pattern and text lengths.
//!
//! - `LIKE`: `%` matches any sequence, `_` any one character; letters
//!   compare ignoring ASCII case only (as SQLite without ICU); an escape
//!   character makes the next pattern character literal.
//! - `GLOB`: `*` and `?` as `%` and `_`, `[...]` a set of characters with
//!   ranges (`[a-z]`), `[^...]` its complement, `]` first in a set being
//!   literal; case matters. A set with no closing `]` matches nothing.
//!
//! Both read text as SQLite's `sqlite3Utf8Read` does (lenient about
//! malformed UTF-8) and stop at the first NUL byte, as SQLite's
//! NUL-terminated matcher does.
//!
//! Invariant: matching never recurses and never backtracks further than
//! the last wildcard seen: wildcards that match any sequence are the only
//! choice points, and a later one subsumes an earlier one (the classic
//! result for patterns whose other elements each match one character),
//! so the loop visits each (pattern, text) position pair at most once per
//! wildcard restart: O(pattern × text).

/// The longest pattern accepted, in bytes (SQLite's default
/// `SQLITE_MAX_LIKE_PATTERN_LENGTH`).
pub const MAX_PATTERN_LENGTH: usize = 50_000;

/// Reads one character at `*i`, as SQLite's `sqlite3Utf8Read`: a lead
/// byte's payload followed by any continuation bytes; overlong forms,
/// surrogates and U+FFFE/U+FFFF read as U+FFFD.
pub fn read_char(bytes: &[u8], i: &mut usize) -> Option<u32> {
    let lead = *bytes.get(*i)?;
    *i += 1;
    if lead < 0xc0 {
        return Some(u32::from(lead));
    }
    let mut c = u32::from(match lead {
        0xc0..=0xdf => lead & 0x1f,
        0xe0..=0xef => lead & 0x0f,
        0xf0..=0xf7 => lead & 0x07,
        0xf8..=0xfb => lead & 0x03,
        0xfc..=0xfd => lead & 0x01,
        _ => 0,
    });
    while let Some(&b) = bytes.get(*i).filter(|&&b| b & 0xc0 == 0x80) {
        c = (c << 6).wrapping_add(u32::from(b & 0x3f));
        *i += 1;
    }
    if c < 0x80 || c & 0xffff_f800 == 0xd800 || c & 0xffff_fffe == 0xfffe {
        c = 0xfffd;
    }
    Some(c)
}

/// `bytes` up to its first NUL.
fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes)
}

/// `bytes` up to its first NUL, and whether that much is ASCII: one pass
/// over the usual ASCII text.
fn until_nul_ascii(bytes: &[u8]) -> (&[u8], bool) {
    match bytes.iter().position(|&b| b == 0 || !b.is_ascii()) {
        None => (bytes, true),
        Some(i) if bytes.get(i) == Some(&0) => (bytes.get(..i).unwrap_or(bytes), true),
        Some(_) => (until_nul(bytes), false),
    }
}

/// The rules of one matcher.
struct Rules {
    /// Matches any sequence (`%`, `*`).
    any_seq: Option<u32>,
    /// Matches one character (`_`, `?`).
    any_one: Option<u32>,
    /// Makes the next character literal (`LIKE ... ESCAPE`).
    escape: Option<u32>,
    /// Whether `[...]` sets are recognised (`GLOB`).
    sets: bool,
    /// Whether ASCII letters match regardless of case (`LIKE`).
    no_case: bool,
}

/// What one pattern element did at one text position.
enum Step {
    /// It matched; the pattern continues at this index.
    Matched(usize),
    /// It did not match here.
    Mismatch,
    /// The pattern is malformed (a set without `]`, an escape at the
    /// end): nothing can match.
    Never,
}

/// `text LIKE pattern [ESCAPE escape]`.
///
/// ```
/// use boundlite::sql::eval::{like, glob};
/// assert!(like(b"a%C", b"AbbbC", None));
/// assert!(like(b"10!%", b"10%", Some('!' as u32)));
/// assert!(!like(b"10!%", b"100", Some('!' as u32)));
/// assert!(glob(b"[a-c]*[^0-9]", b"banana"));
/// assert!(!glob(b"A*", b"abc"));
/// ```
pub fn like(pattern: &[u8], text: &[u8], escape: Option<u32>) -> bool {
    let rules = Rules {
        any_seq: Some(u32::from(b'%')).filter(|&c| Some(c) != escape),
        any_one: Some(u32::from(b'_')).filter(|&c| Some(c) != escape),
        escape,
        sets: false,
        no_case: true,
    };
    matches_fast(&rules, until_nul_ascii(pattern), until_nul_ascii(text))
}

/// `text GLOB pattern`.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let rules = Rules {
        any_seq: Some(u32::from(b'*')),
        any_one: Some(u32::from(b'?')),
        escape: None,
        sets: true,
        no_case: false,
    };
    matches_fast(&rules, until_nul_ascii(pattern), until_nul_ascii(text))
}

/// Matches through [`matches_ascii`] when both sides are ASCII and the
/// pattern has no set, else through the general [`matches`].
fn matches_fast(
    rules: &Rules,
    (pattern, pattern_ascii): (&[u8], bool),
    (text, text_ascii): (&[u8], bool),
) -> bool {
    let has_set = rules.sets && pattern.contains(&b'[');
    if !has_set && pattern_ascii && text_ascii {
        // A special character outside ASCII cannot occur in an ASCII
        // pattern, so it is as if there were none.
        let byte = |c: Option<u32>| {
            c.and_then(|c| u8::try_from(c).ok())
                .filter(u8::is_ascii)
                .unwrap_or(AsciiRules::NONE)
        };
        let ascii = AsciiRules {
            any_seq: byte(rules.any_seq),
            any_one: byte(rules.any_one),
            escape: byte(rules.escape),
            no_case: rules.no_case,
        };
        return matches_ascii(&ascii, pattern, text);
    }
    matches(rules, pattern, text)
}

/// [`Rules`] for ASCII text and patterns without sets, where every
/// character is one byte; a special character the rules lack is
/// [`AsciiRules::NONE`], which no ASCII byte equals.
struct AsciiRules {
    any_seq: u8,
    any_one: u8,
    escape: u8,
    no_case: bool,
}

impl AsciiRules {
    /// Stands for a special character the rules do not have.
    const NONE: u8 = 0xff;
}

/// [`matches`] one byte per character: the same greedy loop without
/// decoding UTF-8, the common case of a `LIKE` scan.
fn matches_ascii(rules: &AsciiRules, pattern: &[u8], text: &[u8]) -> bool {
    let same = |a: u8, b: u8| a == b || (rules.no_case && a.eq_ignore_ascii_case(&b));
    let (mut p, mut t) = (0usize, 0usize);
    let mut restart: Option<(usize, usize)> = None;
    loop {
        let matched = match (pattern.get(p), text.get(t)) {
            (Some(&pc), _) if pc == rules.any_seq => {
                p += 1;
                restart = Some((p, t));
                continue;
            }
            (None, None) => return true,
            (Some(&pc), Some(&c)) => {
                if pc == rules.any_one {
                    Some(p + 1)
                } else if pc == rules.escape {
                    match pattern.get(p + 1) {
                        Some(&lit) => same(lit, c).then_some(p + 2),
                        None => return false,
                    }
                } else {
                    same(pc, c).then_some(p + 1)
                }
            }
            (None, Some(_)) | (Some(_), None) => None,
        };
        match matched {
            Some(next) => {
                p = next;
                t += 1;
            }
            None => {
                let Some((after, from)) = restart else {
                    return false;
                };
                if from >= text.len() {
                    return false;
                }
                // When the wildcard is followed by a plain character, the
                // next attempt can only start where the text has it (as
                // SQLite's `patternCompare` searches for it).
                let mut start = from + 1;
                if let Some(&lit) = pattern.get(after) {
                    if ![rules.any_one, rules.escape, rules.any_seq].contains(&lit) {
                        let skipped = text
                            .get(start..)
                            .and_then(|rest| rest.iter().position(|&c| same(lit, c)));
                        match skipped {
                            Some(n) => start += n,
                            None => return false,
                        }
                    }
                }
                restart = Some((after, start));
                p = after;
                t = start;
            }
        }
    }
}

/// Whether two characters match under `rules`.
fn same_char(rules: &Rules, a: u32, b: u32) -> bool {
    let fold = |c: u32| {
        if (u32::from(b'A')..=u32::from(b'Z')).contains(&c) {
            c + 32
        } else {
            c
        }
    };
    a == b || (rules.no_case && a < 0x80 && b < 0x80 && fold(a) == fold(b))
}

/// Matches the set whose `[` ends at `p` against `c`.
fn match_set(pattern: &[u8], mut p: usize, c: u32) -> Step {
    let mut seen = false;
    let mut invert = false;
    let mut next = read_char(pattern, &mut p);
    if next == Some(u32::from(b'^')) {
        invert = true;
        next = read_char(pattern, &mut p);
    }
    if next == Some(u32::from(b']')) {
        seen = c == u32::from(b']');
        next = read_char(pattern, &mut p);
    }
    let mut prior: Option<u32> = None;
    loop {
        let Some(c2) = next else {
            return Step::Never;
        };
        if c2 == u32::from(b']') {
            break;
        }
        let range_follows =
            c2 == u32::from(b'-') && pattern.get(p).is_some_and(|&b| b != b']') && prior.is_some();
        if let (true, Some(low)) = (range_follows, prior) {
            let Some(high) = read_char(pattern, &mut p) else {
                return Step::Never;
            };
            seen |= (low..=high).contains(&c);
            prior = None;
        } else {
            seen |= c == c2;
            prior = Some(c2).filter(|&c| c > 0);
        }
        next = read_char(pattern, &mut p);
    }
    if seen != invert {
        Step::Matched(p)
    } else {
        Step::Mismatch
    }
}

/// Matches one non-wildcard pattern element, starting at `p`, against
/// the text character `c`.
fn match_one(rules: &Rules, pattern: &[u8], p: usize, c: u32) -> Step {
    let mut q = p;
    let Some(pc) = read_char(pattern, &mut q) else {
        return Step::Mismatch;
    };
    if Some(pc) == rules.any_one {
        return Step::Matched(q);
    }
    if rules.sets && pc == u32::from(b'[') {
        return match_set(pattern, q, c);
    }
    let literal = if Some(pc) == rules.escape {
        match read_char(pattern, &mut q) {
            Some(lit) => lit,
            None => return Step::Never,
        }
    } else {
        pc
    };
    if same_char(rules, literal, c) {
        Step::Matched(q)
    } else {
        Step::Mismatch
    }
}

/// The matching loop: greedy, remembering only the last any-sequence
/// wildcard and the text position it was last tried with.
fn matches(rules: &Rules, pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // (pattern index after the wildcard, text index it resumes from)
    let mut restart: Option<(usize, usize)> = None;
    loop {
        let mut q = p;
        let pc = read_char(pattern, &mut q);
        if pc.is_some() && pc == rules.any_seq {
            p = q;
            restart = Some((p, t));
            continue;
        }
        let mut u = t;
        let step = match (pc, read_char(text, &mut u)) {
            (None, None) => return true,
            (Some(_), Some(c)) => match_one(rules, pattern, p, c),
            (None, Some(_)) | (Some(_), None) => Step::Mismatch,
        };
        match step {
            Step::Matched(next) => {
                p = next;
                t = u;
            }
            Step::Never => return false,
            Step::Mismatch => {
                let Some((after, from)) = restart else {
                    return false;
                };
                let mut resume = from;
                if read_char(text, &mut resume).is_none() {
                    return false;
                }
                restart = Some((after, resume));
                p = after;
                t = resume;
            }
        }
    }
}

/// The character an `ESCAPE` text names (up to its first NUL): it must
/// be exactly one.
pub fn escape_of(bytes: &[u8]) -> crate::Result<u32> {
    let bytes = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
    let mut i = 0;
    match read_char(bytes, &mut i) {
        Some(c) if i == bytes.len() => Ok(c),
        _ => Err(crate::Error::Sql(
            "ESCAPE expression must be a single character",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
    extern crate std;

    use super::*;

    /// Every pattern of up to 4 elements and text of up to 4 characters
    /// over a small alphabet: the byte-wise matcher agrees with the
    /// general one, for LIKE with and without an escape and for GLOB.
    #[test]
    fn ascii_matcher_agrees_with_the_general_one() {
        let alphabet = b"aAb%_!*?";
        let strings = |max: usize| {
            let mut all = std::vec![std::vec::Vec::new()];
            let mut last = all.clone();
            for _ in 0..max {
                let mut next = std::vec::Vec::new();
                for s in &last {
                    for &c in alphabet {
                        let mut t = s.clone();
                        t.push(c);
                        next.push(t);
                    }
                }
                all.extend(next.iter().cloned());
                last = next;
            }
            all
        };
        let (patterns, texts) = (strings(4), strings(3));
        let like_rules = |escape: Option<u32>| Rules {
            any_seq: Some(u32::from(b'%')).filter(|&c| Some(c) != escape),
            any_one: Some(u32::from(b'_')).filter(|&c| Some(c) != escape),
            escape,
            sets: false,
            no_case: true,
        };
        let glob_rules = Rules {
            any_seq: Some(u32::from(b'*')),
            any_one: Some(u32::from(b'?')),
            escape: None,
            sets: true,
            no_case: false,
        };
        let mut disagreements = 0;
        for rules in [
            like_rules(None),
            like_rules(Some(u32::from(b'!'))),
            like_rules(Some(u32::from(b'%'))),
            glob_rules,
        ] {
            for p in &patterns {
                for t in &texts {
                    let fast = matches_fast(&rules, until_nul_ascii(p), until_nul_ascii(t));
                    if matches(&rules, p, t) != fast {
                        disagreements += 1;
                    }
                }
            }
        }
        assert_eq!(disagreements, 0);
    }

    #[test]
    fn text_ends_at_its_first_nul_and_is_ascii_only_up_to_it() {
        assert_eq!(until_nul_ascii(b"abc"), (&b"abc"[..], true));
        assert_eq!(until_nul_ascii(b""), (&b""[..], true));
        assert_eq!(until_nul_ascii(b"ab\0\xc3\xa9"), (&b"ab"[..], true));
        assert_eq!(until_nul_ascii(b"a\xc3\xa9\0b"), (&b"a\xc3\xa9"[..], false));
        assert_eq!(until_nul_ascii(b"\xff"), (&b"\xff"[..], false));
        // Through the matchers: nothing after a NUL takes part.
        assert!(like(b"ab%", b"ab\0\xc3\xa9", None));
        assert!(!like(b"%\xc3\xa9", b"ab\0\xc3\xa9", None));
        assert!(like("\u{e9}%".as_bytes(), "\u{e9}t\u{e9}".as_bytes(), None));
        assert!(glob(b"a*", b"a\0zzz"));
    }
}
