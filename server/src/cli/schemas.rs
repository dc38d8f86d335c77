//! The committed JSON Schemas (`schemas/`) are the generated ones.
//!
//! A test of the binary, because the JSON record's type is the binary's
//! (`cli/report/json.rs`); the library gives the other two
//! (`errsig::schemas`). `ERRSIG_UPDATE_SCHEMAS=1 cargo test --release --bin
//! errsig schemas` writes them after a change, to be reviewed and committed.

use std::path::Path;

#[test]
fn the_committed_schemas_are_the_generated_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let schemas = [
        ("errsig.schema.json", errsig::schemas::config()),
        ("rules.schema.json", errsig::schemas::rules()),
        ("scan-record.schema.json", super::report::record_schema()),
    ];
    let update = std::env::var_os("ERRSIG_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in schemas {
        let generated = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            if update {
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &generated)).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the generated schemas: run `ERRSIG_UPDATE_SCHEMAS=1 cargo test --release --bin errsig schemas` and commit them"
    );
}
