//! Reading a DHAT heap profile (`dhat-heap.json`).
//!
//! The format is DHAT's JSON, version 2, as the `dhat` crate 0.3 writes it
//! (Valgrind's DHAT writes the same shape): a header (`dhatFileVersion`,
//! `mode`, `cmd`, `tg` = time of the global peak, `te` = time of the end,
//! both in `tu` units), `pps`, one entry per program point (a distinct
//! allocation stack) with its totals, and `ftbl`, the frame strings the
//! program points' `fs` arrays index. `fs[0]` is the frame nearest the
//! allocation; `ftbl[0]` is the `[root]` marker, never referenced by `fs`.
//!
//! Per program point: `tb`/`tbk` bytes and blocks allocated over the run,
//! `tl` summed block lifetimes, `mb`/`mbk` the point's own high-water mark,
//! `gb`/`gbk` what it held at the global peak, `eb`/`ebk` what it still
//! held at the end. The heap-only fields are absent from ad-hoc profiles,
//! which this reader refuses.

use std::fmt;

use serde_json::{Map, Value};

/// The only file version this reader understands.
pub const FILE_VERSION: u64 = 2;

/// One program point: an allocation stack and what was allocated there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramPoint {
    /// Total bytes allocated.
    pub tb: u64,
    /// Total blocks allocated.
    pub tbk: u64,
    /// Sum of block lifetimes, in the profile's time unit.
    pub tl: u64,
    /// This point's own peak of live bytes.
    pub mb: u64,
    /// This point's own peak of live blocks.
    pub mbk: u64,
    /// Bytes live here at the global peak.
    pub gb: u64,
    /// Blocks live here at the global peak.
    pub gbk: u64,
    /// Bytes still live at the end.
    pub eb: u64,
    /// Blocks still live at the end.
    pub ebk: u64,
    /// Frame table indices, allocation end first.
    pub fs: Vec<usize>,
}

/// A parsed profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `rust-heap` for the dhat crate, `heap` for Valgrind.
    pub mode: String,
    /// The profiled command line.
    pub cmd: String,
    /// The time unit of `tg`, `te` and `tl` (µs for the dhat crate).
    pub time_unit: String,
    /// When the global peak was reached.
    pub tg: Option<u64>,
    /// When profiling ended.
    pub te: u64,
    /// The program points.
    pub pps: Vec<ProgramPoint>,
    /// The frame table.
    pub ftbl: Vec<String>,
}

/// Why a file could not be read as a heap profile.
#[derive(Debug)]
pub enum FormatError {
    /// The text is not JSON at all.
    Json(serde_json::Error),
    /// JSON, but not a DHAT profile of a version this reader knows.
    Version(String),
    /// A DHAT profile, but not of the heap.
    Mode(String),
    /// A field is missing or has the wrong type.
    Field(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Json(e) => write!(f, "not JSON: {e}"),
            FormatError::Version(found) => write!(
                f,
                "not a DHAT profile this tool reads: dhatFileVersion is {found}, expected {FILE_VERSION}"
            ),
            FormatError::Mode(mode) => write!(
                f,
                "mode is {mode:?}: only heap profiles (\"rust-heap\", \"heap\") carry the \
                 peak and end figures; profile with dhat::Profiler::new_heap()"
            ),
            FormatError::Field(what) => write!(f, "malformed DHAT profile: {what}"),
        }
    }
}

impl std::error::Error for FormatError {}

impl Profile {
    /// Parses and checks the text of a profile.
    pub fn parse(text: &str) -> Result<Profile, FormatError> {
        let value: Value = serde_json::from_str(text).map_err(FormatError::Json)?;
        let Some(root) = value.as_object() else {
            return Err(FormatError::Version(
                "absent (the JSON is not an object)".into(),
            ));
        };
        match root.get("dhatFileVersion") {
            Some(v) if v.as_u64() == Some(FILE_VERSION) => {}
            Some(v) => return Err(FormatError::Version(v.to_string())),
            None => return Err(FormatError::Version("absent".into())),
        }
        let mode = string(root, "mode")?;
        if mode != "rust-heap" && mode != "heap" {
            return Err(FormatError::Mode(mode));
        }
        let ftbl = array(root, "ftbl")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| FormatError::Field(format!("ftbl[{i}] is not a string")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pps = array(root, "pps")?
            .iter()
            .enumerate()
            .map(|(i, v)| program_point(i, v, ftbl.len()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Profile {
            mode,
            cmd: root
                .get("cmd")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            time_unit: root
                .get("tu")
                .and_then(Value::as_str)
                .unwrap_or("µs")
                .to_string(),
            tg: root.get("tg").and_then(Value::as_u64),
            te: root.get("te").and_then(Value::as_u64).unwrap_or(0),
            pps,
            ftbl,
        })
    }
}

fn string(root: &Map<String, Value>, key: &str) -> Result<String, FormatError> {
    root.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| FormatError::Field(format!("{key:?} is missing or not a string")))
}

fn array<'a>(root: &'a Map<String, Value>, key: &str) -> Result<&'a Vec<Value>, FormatError> {
    root.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| FormatError::Field(format!("{key:?} is missing or not an array")))
}

fn program_point(i: usize, v: &Value, frames: usize) -> Result<ProgramPoint, FormatError> {
    let Some(pp) = v.as_object() else {
        return Err(FormatError::Field(format!("pps[{i}] is not an object")));
    };
    let count = |key: &str| -> Result<u64, FormatError> {
        pp.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| FormatError::Field(format!("pps[{i}].{key} is missing or not a count")))
    };
    let fs = pp
        .get("fs")
        .and_then(Value::as_array)
        .ok_or_else(|| FormatError::Field(format!("pps[{i}].fs is missing or not an array")))?
        .iter()
        .map(|f| match f.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n < frames => Ok(n),
            _ => Err(FormatError::Field(format!(
                "pps[{i}].fs holds {f}, not an index into ftbl ({frames} entries)"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProgramPoint {
        tb: count("tb")?,
        tbk: count("tbk")?,
        // Valgrind omits lifetimes when they were not tracked.
        tl: pp.get("tl").and_then(Value::as_u64).unwrap_or(0),
        mb: count("mb")?,
        mbk: count("mbk")?,
        gb: count("gb")?,
        gbk: count("gbk")?,
        eb: count("eb")?,
        ebk: count("ebk")?,
        fs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"dhatFileVersion":2,"mode":"rust-heap","verb":"Allocated",
        "bklt":true,"bkacc":false,"tu":"µs","Mtu":"s","tuth":10,"cmd":"x","pid":1,
        "tg":5,"te":9,
        "pps":[{"tb":10,"tbk":2,"tl":3,"mb":8,"mbk":1,"gb":8,"gbk":1,"eb":0,"ebk":0,"fs":[1]}],
        "ftbl":["[root]","0x1: a::b (src/b.rs:1:1)"]}"#;

    #[test]
    fn reads_a_heap_profile() {
        let p = Profile::parse(MINIMAL).unwrap();
        assert_eq!(p.mode, "rust-heap");
        assert_eq!(p.tg, Some(5));
        assert_eq!(p.te, 9);
        assert_eq!(p.pps.len(), 1);
        assert_eq!(p.pps[0].tb, 10);
        assert_eq!(p.pps[0].fs, [1]);
        assert_eq!(p.ftbl.len(), 2);
    }

    #[test]
    fn refuses_other_versions_modes_and_bad_indices() {
        let v3 = MINIMAL.replace("\"dhatFileVersion\":2", "\"dhatFileVersion\":3");
        assert!(matches!(Profile::parse(&v3), Err(FormatError::Version(_))));
        let adhoc = MINIMAL.replace("rust-heap", "rust-ad-hoc");
        assert!(matches!(Profile::parse(&adhoc), Err(FormatError::Mode(_))));
        let bad_index = MINIMAL.replace("\"fs\":[1]", "\"fs\":[7]");
        assert!(matches!(
            Profile::parse(&bad_index),
            Err(FormatError::Field(_))
        ));
        let no_gb = MINIMAL.replace("\"gb\":8,", "");
        assert!(matches!(Profile::parse(&no_gb), Err(FormatError::Field(_))));
        assert!(matches!(Profile::parse("{"), Err(FormatError::Json(_))));
        assert!(matches!(
            Profile::parse("[1]"),
            Err(FormatError::Version(_))
        ));
    }
}
