//! Every rule's samples, through the whole engine: each `match` text must
//! yield a finding named by that rule, each `no_match` text must not.

use errsig::rules::Catalog;
use errsig::scan_bytes;
use std::sync::Arc;

#[test]
fn rule_samples_match_and_do_not_match() {
    let catalog = Arc::new(Catalog::builtin());
    let mut errors = Vec::new();
    let mut checked = 0;
    for rule in catalog.rules() {
        assert!(!rule.samples.matching.is_empty(), "rule {} has no sample that must match", rule.id);
        for s in &rule.samples.matching {
            checked += 1;
            let found = scan_bytes(catalog.clone(), None, s.as_bytes());
            if !found.iter().any(|f| f.rule.id == rule.id) {
                let got: Vec<_> =
                    found.iter().map(|f| (f.rule.id.as_str(), f.event.status, f.event.message.clone())).collect();
                errors.push(format!("{}: must match, got {got:?}:\n    {s}", rule.id));
            }
        }
        for s in &rule.samples.not_matching {
            checked += 1;
            let found = scan_bytes(catalog.clone(), None, s.as_bytes());
            if found.iter().any(|f| f.rule.id == rule.id) {
                errors.push(format!("{}: must not match:\n    {s}", rule.id));
            }
        }
    }
    assert!(checked > 50, "only {checked} samples");
    assert!(errors.is_empty(), "{} sample failures:\n{}", errors.len(), errors.join("\n"));
}
