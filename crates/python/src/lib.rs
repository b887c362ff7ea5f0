//! `dupscan._dupscan`: the native half of the `dupscan` Python package.
//!
//! Thin wrappers over the library: [`Scanner`] for texts held in memory,
//! [`pipeline::run`] for files, [`dedup::plan`] for a keep mask. Each takes
//! the algorithm's parameters as a JSON object whose names are those of the
//! report's `params` (the Python side passes `**params` through
//! `json.dumps`), validated by [`Options::validate`]; releases the GIL while
//! the stages run; shows no progress; and returns results as JSON text in
//! the report's own serialization, which the Python side loads. Errors
//! become the package's exceptions (`dupscan.ParamError`,
//! `dupscan.InputError`, `dupscan.DupscanError`), defined in
//! `python/dupscan/_errors.py`, carrying the message the command line
//! prints and its exit code.

use std::path::PathBuf;

use dupscan::config::{
    Grouping, Options, ScanConfig, ScanParams, Scope, SpanPath, UnitKind, Verification,
};
use dupscan::corpus::BadLines;
use dupscan::dedup::{self, Keep};
use dupscan::minhash::Sketch;
use dupscan::pipeline;
use dupscan::progress::Silent;
use dupscan::report::{Json, Report, ReportWriter};
use dupscan::scanner::Scanner;
use dupscan::shingle::ShingleKind;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The Python module `dupscan._dupscan`.
#[pymodule]
fn _dupscan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(scan_files, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_mask, m)?)?;
    m.add_function(wrap_pyfunction!(contamination, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The groups of `texts` (ids `ids`, default their positions), as the JSON
/// report's `groups` array.
#[pyfunction]
#[pyo3(signature = (texts, ids, unit, threshold, params, threads))]
fn scan(
    py: Python<'_>,
    texts: Vec<String>,
    ids: Option<Vec<String>>,
    unit: &str,
    threshold: Option<f64>,
    params: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let scanner = scanner(py, unit, threshold, params, |_| {})?;
    let docs = documents(py, "ids", ids, texts)?;
    detached(py, threads, move || {
        let scan = scanner.scan(docs);
        let report = Report::from_scan(&scan);
        let groups: Vec<_> = (0..report.len()).map(|i| report.group(i)).collect();
        serde_json::to_string(&groups).map_err(|e| Failure::Other(e.to_string()))
    })
}

/// The whole JSON report of a scan of `paths` (with a reference, a
/// contamination check), as `dupscan scan --format json` writes it. `read`
/// is a JSON object of how to read them: `reference` (paths),
/// `text_field`, `id_field`, `skip_bad_lines`, `max_document_bytes`.
#[pyfunction]
#[pyo3(signature = (paths, unit, threshold, params, read, threads))]
fn scan_files(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    unit: &str,
    threshold: Option<f64>,
    params: &str,
    read: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let mut p = ScanParams::new(paths, unit_kind(py, unit)?);
    p.options.threshold = threshold;
    apply_params(&mut p.options, params).map_err(|e| raise(py, e))?;
    apply_read(&mut p, read).map_err(|e| raise(py, e))?;
    let config = ScanConfig::new(p).map_err(|e| raise(py, e.into()))?;
    detached(py, threads, move || {
        let scan = pipeline::run(&config, &Silent)?;
        let mut out = Vec::new();
        Json.write(&Report::from_scan(&scan), &mut out)
            .map_err(|e| Failure::Other(e.to_string()))?;
        String::from_utf8(out).map_err(|e| Failure::Other(e.to_string()))
    })
}

/// Sets how `p`'s inputs are read from `read`, a JSON object; `null`
/// leaves the default.
fn apply_read(p: &mut ScanParams, read: &str) -> Result<(), Failure> {
    let read: Map<String, Value> = serde_json::from_str(read)
        .map_err(|e| dupscan::Error::Param(format!("read options must be a JSON object: {e}")))?;
    for (name, v) in read {
        if v.is_null() {
            continue;
        }
        match name.as_str() {
            "reference" => p.reference = field(&name, v)?,
            "text_field" => p.read.text_field = field(&name, v)?,
            "id_field" => p.read.id_field = field(&name, v)?,
            "skip_bad_lines" => {
                if field(&name, v)? {
                    p.read.bad_lines = BadLines::Skip;
                }
            }
            "max_document_bytes" => p.read.max_document_bytes = field(&name, v)?,
            _ => return Err(param(&name, "unknown read option")),
        }
    }
    Ok(())
}

/// One flag per text: `true` when `dupscan dedup` would keep the document
/// (all of it is not a duplicate of text kept earlier).
#[pyfunction]
#[pyo3(signature = (texts, unit, threshold, keep, params, threads))]
fn dedup_mask(
    py: Python<'_>,
    texts: Vec<String>,
    unit: &str,
    threshold: Option<f64>,
    keep: &str,
    params: &str,
    threads: Option<usize>,
) -> PyResult<Vec<bool>> {
    let keep: Keep = parse_value(py, "keep", keep)?;
    // As `dupscan dedup` scans: repeats inside a document count, and removal
    // walks connected components.
    let scanner = scanner(py, unit, threshold, params, |o| {
        o.scope = Scope::All;
        o.grouping = Grouping::Components;
    })?;
    // The mask is by position: no id is read, so none is made.
    let docs = texts.into_iter().map(|t| (String::new(), t));
    detached(py, threads, move || {
        let scan = scanner.scan(docs);
        let plan = dedup::plan(&scan, keep);
        Ok(plan.docs.iter().map(|d| !d.dropped).collect())
    })
}

/// The contamination summary of a check of `reference_texts` against
/// `texts`: the report's `contamination.items`, whose `doc` (and
/// `best.doc`) are positions in the two lists.
#[pyfunction]
#[pyo3(signature = (reference_texts, texts, unit, threshold, params, threads))]
fn contamination(
    py: Python<'_>,
    reference_texts: Vec<String>,
    texts: Vec<String>,
    unit: &str,
    threshold: Option<f64>,
    params: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    let scanner = scanner(py, unit, threshold, params, |_| {})?;
    let (reference, docs) = (numbered(reference_texts), numbered(texts));
    detached(py, threads, move || {
        let scan = scanner.scan_against_reference(reference, docs);
        let report = Report::from_scan(&scan);
        let items = report.contamination.map(|c| c.items).unwrap_or_default();
        serde_json::to_string(&items).map_err(|e| Failure::Other(e.to_string()))
    })
}

/// Why a call failed, before it becomes a Python exception.
enum Failure {
    /// An error of the library, with its exit code.
    Dupscan(dupscan::Error),
    /// Anything else (serialization, threads).
    Other(String),
}

impl From<dupscan::Error> for Failure {
    fn from(e: dupscan::Error) -> Self {
        Failure::Dupscan(e)
    }
}

/// Runs `work` with the GIL released, on `threads` worker threads (default:
/// rayon's global pool, one per core).
fn detached<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, Failure> + Send,
) -> PyResult<T> {
    let result = py.detach(|| match threads {
        None => work(),
        Some(0) => Err(dupscan::Error::Param("threads must be at least 1".into()).into()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Failure::Other(format!("starting worker threads: {e}")))?
            .install(work),
    });
    result.map_err(|e| raise(py, e))
}

/// A scanner at `unit` with `threshold` and the JSON `params`, adjusted by
/// `fix` before validation.
fn scanner(
    py: Python<'_>,
    unit: &str,
    threshold: Option<f64>,
    params: &str,
    fix: impl FnOnce(&mut Options),
) -> PyResult<Scanner> {
    let mut options = Options::new(unit_kind(py, unit)?);
    options.threshold = threshold;
    apply_params(&mut options, params).map_err(|e| raise(py, e))?;
    fix(&mut options);
    Scanner::new(options).map_err(|e| raise(py, e.into()))
}

/// `(id, text)` pairs, ids given or the texts' positions.
fn documents(
    py: Python<'_>,
    what: &str,
    ids: Option<Vec<String>>,
    texts: Vec<String>,
) -> PyResult<Vec<(String, String)>> {
    match ids {
        None => Ok(numbered(texts)),
        Some(ids) if ids.len() == texts.len() => Ok(ids.into_iter().zip(texts).collect()),
        Some(ids) => Err(raise(
            py,
            dupscan::Error::Param(format!(
                "{what} has {} items for {} texts",
                ids.len(),
                texts.len()
            ))
            .into(),
        )),
    }
}

/// Texts with their positions as ids.
fn numbered(texts: Vec<String>) -> Vec<(String, String)> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i.to_string(), t))
        .collect()
}

fn unit_kind(py: Python<'_>, unit: &str) -> PyResult<UnitKind> {
    parse_value(py, "unit", unit)
}

/// A keyword's string value read as the report spells it (`"sentence"`,
/// `"first"`, ...).
fn parse_value<T: DeserializeOwned>(py: Python<'_>, name: &str, value: &str) -> PyResult<T> {
    field(name, Value::String(value.into())).map_err(|e| raise(py, e))
}

/// Sets the options named in `params`, a JSON object with the names of the
/// report's `params` (the span path's flattened with a `span_` prefix, as
/// their flags are); `null` leaves the default.
fn apply_params(o: &mut Options, params: &str) -> Result<(), Failure> {
    let params: Map<String, Value> = serde_json::from_str(params)
        .map_err(|e| dupscan::Error::Param(format!("params must be a JSON object: {e}")))?;
    for (name, value) in params {
        if value.is_null() {
            continue;
        }
        let v = value;
        match name.as_str() {
            "shingle" => o.shingle = Some(field::<ShingleKind>(&name, v)?),
            "ngram" => o.ngram = Some(field(&name, v)?),
            "num_perm" => o.num_perm = field(&name, v)?,
            "sketch" => o.sketch = field::<Sketch>(&name, v)?,
            "bands" => o.bands = Some(field(&name, v)?),
            "rows" => o.rows = Some(field(&name, v)?),
            "seed" => o.seed = field(&name, v)?,
            "min_tokens" => o.min_tokens = Some(field(&name, v)?),
            "scope" => o.scope = field::<Scope>(&name, v)?,
            "verify" => o.verification = field::<Verification>(&name, v)?,
            "normalize" => {
                let Value::Object(folds) = v else {
                    return Err(param(&name, "expected an object of booleans"));
                };
                for (fold, on) in folds {
                    let on: bool = field(&format!("normalize.{fold}"), on)?;
                    let n = &mut o.normalizer;
                    match fold.as_str() {
                        "nfkc" => n.nfkc = on,
                        "case" => n.case = on,
                        "punctuation" => n.punctuation = on,
                        "whitespace" => n.whitespace = on,
                        _ => {
                            return Err(param(
                                &format!("normalize.{fold}"),
                                "unknown fold; expected nfkc, case, punctuation or whitespace",
                            ));
                        }
                    }
                }
            }
            "groups" => o.grouping = field::<Grouping>(&name, v)?,
            "spans" => o.spans = Some(field::<SpanPath>(&name, v)?),
            "span_ngram" => o.span.ngram = field(&name, v)?,
            "span_window" => o.span.window = field(&name, v)?,
            "span_max_df" => o.span.max_df = field(&name, v)?,
            "span_min_words" => o.span.min_words = field(&name, v)?,
            "span_min_cover" => o.span.min_cover = field(&name, v)?,
            "span_reference_min_cover" => o.span.reference_min_cover = field(&name, v)?,
            _ => {
                return Err(param(
                    &name,
                    &format!("unknown parameter; expected one of {PARAMS}"),
                ));
            }
        }
    }
    Ok(())
}

/// The names [`apply_params`] takes.
const PARAMS: &str = "shingle, ngram, num_perm, sketch, bands, rows, seed, min_tokens, scope, \
                      verify, normalize, groups, spans, span_ngram, span_window, span_max_df, \
                      span_min_words, span_min_cover, span_reference_min_cover";

/// `value` as a `T`, or a parameter error naming `name`.
fn field<T: DeserializeOwned>(name: &str, value: Value) -> Result<T, Failure> {
    let shown = value.to_string();
    serde_json::from_value(value).map_err(|e| param(name, &format!("{shown}: {e}")))
}

fn param(name: &str, message: &str) -> Failure {
    dupscan::Error::Param(format!("{name}: {message}")).into()
}

/// The Python exception for `failure`: a class of `dupscan._errors` chosen
/// by the error's kind, holding the message and the exit code the command
/// line would give.
fn raise(py: Python<'_>, failure: Failure) -> PyErr {
    let (class, message, code) = match failure {
        Failure::Dupscan(e) => {
            let class = match &e {
                dupscan::Error::Param(_) => "ParamError",
                dupscan::Error::Read { .. }
                | dupscan::Error::BadLine { .. }
                | dupscan::Error::TooLarge { .. }
                | dupscan::Error::Unsupported { .. }
                | dupscan::Error::Changed { .. } => "InputError",
                _ => "DupscanError",
            };
            (class, e.to_string(), e.exit_code())
        }
        Failure::Other(message) => ("DupscanError", message, dupscan::error::EXIT_ERROR),
    };
    let made = py
        .import("dupscan._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((message.as_str(), code)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(_) => PyRuntimeError::new_err(message),
    }
}
