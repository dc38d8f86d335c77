//! The JSON Schemas of what users write: `.errsig.toml` and rule files.
//!
//! Generated from the types that read them (schemars), so a schema cannot
//! drift from the loader. They are committed under `schemas/` for TOML
//! editors (taplo, Even Better TOML: the repository's `.taplo.toml`, or a
//! `#:schema` line in the file); a test keeps the committed files equal to
//! these (`ERRSIG_UPDATE_SCHEMAS=1` rewrites them). Draft 7, which those
//! editors read. The loader checks more than a schema can say (regexes
//! compile, anchors are long enough, `[severity]` names a known rule):
//! the schema is for completion and the first checks as you type.

use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::Value;

/// The settings every schema is made with: draft 7, which TOML editors
/// read.
pub fn settings() -> SchemaSettings {
    SchemaSettings::draft07()
}

/// The generator of the schemas of what users write (deserialised).
fn generator() -> SchemaGenerator {
    settings().into_generator()
}

/// The JSON Schema of `.errsig.toml`.
pub fn config() -> Value {
    crate::config::file_schema(&mut generator()).to_value()
}

/// The JSON Schema of a rule file (`--rules FILE`, `server/rules/*.toml`).
pub fn rules() -> Value {
    crate::rules::file_schema(&mut generator()).to_value()
}
