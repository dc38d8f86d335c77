//! The rule loader (`Catalog::add_toml`) and the `.errsig.toml` loader
//! (`Config::parse`): any text is a value or an error naming a place,
//! never a panic.
#![no_main]

use errsig::config::Config;
use errsig::rules::Catalog;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static BUILTIN: LazyLock<Catalog> = LazyLock::new(Catalog::builtin);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut catalog = BUILTIN.clone();
    let before = catalog.rules().len();
    if let Err(e) = catalog.add_toml("fuzz.toml", text) {
        let shown = e.to_string();
        assert!(shown.contains("fuzz.toml"), "an error names its file: {shown}");
    }
    let mut catalog = BUILTIN.clone();
    match Config::parse(".errsig.toml", text, &mut catalog) {
        Ok(config) => {
            assert!(catalog.rules().len() >= before);
            // A loaded configuration works on a finding.
            let found = errsig::scan_bytes(
                std::sync::Arc::new(catalog),
                config.columns,
                b"API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Permission denied\"}}\n",
            );
            for f in &found {
                let _ = config.suppressed(Some(std::path::Path::new("a/ci.log")), f);
                let _ = config.severity_of(f);
            }
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.contains(".errsig.toml"), "an error names its file: {shown}");
        }
    }
});
