//! `--format sarif`: SARIF 2.1.0 that GitHub code scanning accepts: every
//! rule with its help text, each result with its location and a stable
//! fingerprint. SARIF is one document, so it is written at the end.

use super::{Item, Reporter, Stats};
use errsig::explain::{headline, markdown};
use errsig::rules::{Catalog, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};
use std::sync::Arc;

pub struct Sarif {
    out: Box<dyn Write>,
    catalog: Arc<Catalog>,
    results: Vec<Value>,
}

impl Sarif {
    pub fn new(out: Box<dyn Write>, catalog: Arc<Catalog>) -> Self {
        Sarif { out, catalog, results: Vec::new() }
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a: a stable fingerprint across runs and machines without a
/// cryptographic dependency (it identifies, it does not protect).
fn fnv(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A path as a SARIF URI reference: forward slashes, relative as given.
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p).to_owned();
    p.replace(' ', "%20")
}

impl Reporter for Sarif {
    fn finding(&mut self, item: &Item<'_>) -> io::Result<()> {
        let f = item.finding;
        let e = &f.event;
        let index = self.catalog.rules().iter().position(|r| r.id == f.rule.id).unwrap_or(0);
        let text = if item.path == "<stdin>" { "stdin".to_owned() } else { uri(item.path) };
        self.results.push(json!({
            "ruleId": f.rule.id,
            "ruleIndex": index,
            "level": level(f.severity),
            "message": { "text": format!("{}. {}", headline(&f.rule, e), f.rule.summary.trim()) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": text },
                    "region": {
                        "startLine": e.start.line + 1,
                        "startColumn": e.start.column + 1,
                        "endLine": e.end.line + 1,
                        "endColumn": e.end.column + 1,
                    }
                }
            }],
            "partialFingerprints": {
                "errsig/v1": fnv(&[&f.rule.id, e.message.as_deref().unwrap_or(""), e.request_id.as_deref().unwrap_or(""), &e.text]),
            },
            "properties": {
                "status": e.status,
                "statusInferred": e.status_inferred,
                "errorType": e.error_type,
                "requestId": e.request_id,
                "producer": e.producer.as_str(),
                "platform": e.platform.as_str(),
            }
        }));
        Ok(())
    }

    fn finish(&mut self, _: &Stats) -> io::Result<()> {
        let rules: Vec<Value> = self
            .catalog
            .rules()
            .iter()
            .map(|r| {
                let md = markdown(r, None);
                json!({
                    "id": r.id,
                    "name": r.id.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                    "shortDescription": { "text": r.title },
                    "fullDescription": { "text": if r.summary.is_empty() { r.title.clone() } else { r.summary.trim().to_owned() } },
                    "help": { "text": md, "markdown": md },
                    "defaultConfiguration": { "level": level(r.severity) },
                    "helpUri": r.links.first().map(|l| l.url.clone()),
                    "properties": { "tags": ["anthropic-api"] },
                })
            })
            .map(|mut v| {
                if v["helpUri"].is_null() {
                    v.as_object_mut().map(|o| o.remove("helpUri"));
                }
                v
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "errsig",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": std::mem::take(&mut self.results),
            }]
        });
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
