//! The bulk workload's part of a [`Report`]: its steps per engine, side
//! by side, in the human, JSON and CSV forms, and [`Report::problems`],
//! the failures and disagreements a run must not pass over in silence.
//!
//! JSON (bulk only): a root `steps` array, one object per step with
//! `step`, `sql` (its statements), `ratio_ms` (boundlite / SQLite when
//! both completed it), `agreement` (`agree`, `disagree`, `not-compared`;
//! `null` with one engine) and an object per engine: `ms`, `status`
//! (`done`, `failed`, `not-run`), `rows`, `changes`, `checksum`,
//! `error`, `out_of_memory`, `after_failure` (the step that failed
//! earlier on that engine); a root `problems` array of messages; per
//! engine, `min_heap_note`. CSV: `<step>_ms` and `<step>_status` columns
//! per step.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::bulk::{Agreement, Step, StepOutcome, StepReport, compare};
use super::options::Engine;
use super::report::{EngineReport, Report, group, ms, opt};

/// A step's status word.
fn status(report: &StepReport) -> &'static str {
    match report.outcome {
        StepOutcome::Done(_) => "done",
        StepOutcome::Failed(_) => "failed",
        StepOutcome::NotRun => "not-run",
    }
}

/// `step`'s report in `engine`'s run.
fn step_of(engine: &EngineReport, step: Step) -> Option<&StepReport> {
    engine.steps.iter().find(|s| s.step == step)
}

impl Report {
    /// Each step's report from boundlite and from SQLite, when both ran.
    fn step_pairs(&self) -> Vec<(Step, Option<&StepReport>, Option<&StepReport>)> {
        let of = |engine, step| self.engine(engine).and_then(|r| step_of(r, step));
        Step::ALL
            .iter()
            .map(|&step| (step, of(Engine::Boundlite, step), of(Engine::Sqlite, step)))
            .collect()
    }

    /// boundlite / SQLite wall time of `step`, when both completed it.
    pub fn step_ratio(&self, step: Step) -> Option<f64> {
        let time = |engine| {
            self.engine(engine)
                .and_then(|r| step_of(r, step))
                .filter(|s| s.result().is_some())
                .map(|s| s.time.as_secs_f64())
        };
        let (b, s) = (time(Engine::Boundlite)?, time(Engine::Sqlite)?);
        (s > 0.0).then(|| b / s)
    }

    /// Whether both engines agree on `step` (`None` unless both ran).
    pub fn step_agreement(&self, step: Step) -> Option<Agreement> {
        let b = step_of(self.engine(Engine::Boundlite)?, step)?;
        let s = step_of(self.engine(Engine::Sqlite)?, step)?;
        Some(compare(b, s))
    }

    /// Every step that failed, on any engine, and every step the engines
    /// disagree on; empty when the bulk run went through (always empty
    /// for the other workloads).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for report in &self.engines {
            for step in &report.steps {
                if let Some(failure) = step.failure() {
                    out.push(format!(
                        "{}: step {} failed: {}",
                        report.engine.name(),
                        step.step.name(),
                        failure.describe()
                    ));
                }
            }
        }
        for (step, b, s) in self.step_pairs() {
            if let (Some(b), Some(s)) = (b, s) {
                if compare(b, s) == Agreement::Disagree {
                    let describe = |r: &StepReport| {
                        r.result().map_or_else(String::new, |r| {
                            format!(
                                "{} rows, {} changed, checksum {:016x}",
                                r.rows, r.changes, r.checksum
                            )
                        })
                    };
                    out.push(format!(
                        "step {}: the engines disagree (boundlite: {}; sqlite: {})",
                        step.name(),
                        describe(b),
                        describe(s)
                    ));
                }
            }
        }
        out
    }

    /// The first line of the human form.
    pub(super) fn steps_header(&self, out: &mut String) {
        let options = &self.options;
        let spec = &options.spec;
        let _ = writeln!(
            out,
            "memory-benchmark: bulk (wal), {} steps, {} seeded rows, {} B zeroblob, \
             page {} B, cache {} ({} frames){}, rng seed {:#x}",
            Step::ALL.len(),
            spec.seeded_rows(),
            group(spec.blob_bytes),
            options.page_size,
            options.cache_size,
            options.cache_frames(),
            if options.checkpoint {
                ", checkpoint"
            } else {
                ""
            },
            spec.rng_seed,
        );
    }

    /// The steps table, then the failures, disagreements and min-heap
    /// notes.
    pub(super) fn steps_human(&self, out: &mut String) {
        let both = self.engines.len() == 2;
        let _ = write!(out, "\n{:<14}", "step");
        for report in &self.engines {
            let _ = write!(out, "{:>16}", format!("{} (ms)", report.engine.name()));
        }
        if both {
            let _ = write!(out, "{:>10}", "ratio");
        }
        let _ = writeln!(out, "{:>10}{:>10}  result", "rows", "changes");
        let mut totals = vec![0.0; self.engines.len()];
        for step in Step::ALL {
            let _ = write!(out, "{:<14}", step.name());
            let reports: Vec<Option<&StepReport>> =
                self.engines.iter().map(|r| step_of(r, step)).collect();
            for (report, total) in reports.iter().zip(&mut totals) {
                let cell = match report {
                    Some(r) if r.outcome != StepOutcome::NotRun => {
                        *total += r.time.as_secs_f64() * 1e3;
                        format!("{:.1}", r.time.as_secs_f64() * 1e3)
                    }
                    _ => "-".into(),
                };
                let _ = write!(out, "{cell:>16}");
            }
            if both {
                match self.step_ratio(step) {
                    Some(r) => {
                        let _ = write!(out, "{:>9.2}x", r);
                    }
                    None => {
                        let _ = write!(out, "{:>10}", "-");
                    }
                }
            }
            let result = reports.iter().flatten().find_map(|r| r.result());
            let (rows, changes) = result.map_or(("-".into(), "-".into()), |r| {
                (group(r.rows), group(r.changes))
            });
            let _ = writeln!(
                out,
                "{rows:>10}{changes:>10}  {}",
                self.step_verdict(step, &reports)
            );
        }
        let _ = write!(out, "{:<14}", "total");
        for total in &totals {
            let _ = write!(out, "{:>16}", format!("{total:.1}"));
        }
        if let ([b, s], true) = (totals.as_slice(), both) {
            if *s > 0.0 {
                let _ = write!(out, "{:>9.2}x", b / s);
            }
        }
        out.push('\n');
        for problem in self.problems() {
            let _ = writeln!(out, "{problem}");
        }
        for report in &self.engines {
            if let Some(note) = &report.min_heap_note {
                let _ = writeln!(out, "{} min heap: {note}", report.engine.name());
            }
        }
    }

    /// The result column of `step`'s row.
    fn step_verdict(&self, step: Step, reports: &[Option<&StepReport>]) -> String {
        let failed: Vec<&str> = self
            .engines
            .iter()
            .zip(reports)
            .filter(|(_, r)| r.is_some_and(|r| r.failure().is_some()))
            .map(|(e, _)| e.engine.name())
            .collect();
        if !failed.is_empty() {
            return format!("FAILED on {}", failed.join(" and "));
        }
        let after: Vec<String> = self
            .engines
            .iter()
            .zip(reports)
            .filter_map(|(e, r)| {
                let earlier = r.and_then(|r| r.after_failure)?;
                Some(format!("{}'s {}", e.engine.name(), earlier.name()))
            })
            .collect();
        if reports
            .iter()
            .any(|r| r.is_none_or(|r| r.result().is_none()))
        {
            return if after.is_empty() {
                "not run".into()
            } else {
                format!("not run (after {} failed)", after.join(", "))
            };
        }
        if !after.is_empty() {
            return format!("not compared (after {} failed)", after.join(", "));
        }
        match self.step_agreement(step) {
            Some(Agreement::Agree) => "agree".into(),
            Some(Agreement::Disagree) => "DISAGREE".into(),
            Some(Agreement::NotCompared) => "not compared".into(),
            None => "ok".into(),
        }
    }

    /// Adds `steps`, `problems` and each engine's `min_heap_note` to the
    /// JSON `root`.
    pub(super) fn steps_json(&self, root: &mut Map<String, Value>) {
        let steps: Vec<Value> = self
            .step_pairs()
            .into_iter()
            .map(|(step, b, s)| {
                let mut object = Map::new();
                object.insert("step".into(), step.name().into());
                let sql: Vec<Value> = step.statements().iter().map(|s| s.sql.into()).collect();
                object.insert("sql".into(), sql.into());
                object.insert(
                    "ratio_ms".into(),
                    opt(self.step_ratio(step).map(|r| (r * 1e3).round() / 1e3)),
                );
                let agreement = self.step_agreement(step).map(|a| match a {
                    Agreement::Agree => "agree",
                    Agreement::Disagree => "disagree",
                    Agreement::NotCompared => "not-compared",
                });
                object.insert("agreement".into(), opt(agreement));
                for (engine, report) in [(Engine::Boundlite, b), (Engine::Sqlite, s)] {
                    if let Some(report) = report {
                        object.insert(engine.name().into(), step_json(report));
                    }
                }
                Value::Object(object)
            })
            .collect();
        root.insert("steps".into(), steps.into());
        let problems: Vec<Value> = self.problems().into_iter().map(Value::from).collect();
        root.insert("problems".into(), problems.into());
        if let Some(Value::Object(engines)) = root.get_mut("engines") {
            for report in &self.engines {
                if let Some(Value::Object(fields)) = engines.get_mut(report.engine.name()) {
                    fields.insert("min_heap_note".into(), opt(report.min_heap_note.clone()));
                }
            }
        }
    }

    /// The step columns of the CSV header (none but for bulk).
    pub(super) fn steps_csv_keys(&self) -> Vec<String> {
        if !self.options.spec.workload.is_bulk() {
            return Vec::new();
        }
        Step::ALL
            .iter()
            .flat_map(|step| {
                let name = step.name().replace('-', "_");
                [format!("{name}_ms"), format!("{name}_status")]
            })
            .collect()
    }

    /// `report`'s values for [`Report::steps_csv_keys`].
    pub(super) fn steps_csv_values(&self, report: &EngineReport) -> Vec<Value> {
        if !self.options.spec.workload.is_bulk() {
            return Vec::new();
        }
        Step::ALL
            .iter()
            .flat_map(|&step| match step_of(report, step) {
                Some(r) => [ms(r.time), status(r).into()],
                None => [Value::Null, Value::Null],
            })
            .collect()
    }
}

/// One engine's run of one step, as JSON.
fn step_json(report: &StepReport) -> Value {
    let result = report.result();
    let failure = report.failure();
    json!({
        "ms": ms(report.time),
        "status": status(report),
        "rows": opt(result.map(|r| r.rows)),
        "changes": opt(result.map(|r| r.changes)),
        "checksum": opt(result.map(|r| format!("{:016x}", r.checksum))),
        "error": opt(failure.map(|f| f.message.clone())),
        "out_of_memory": opt(failure.map(|f| f.out_of_memory)),
        "after_failure": opt(report.after_failure.map(Step::name)),
    })
}
