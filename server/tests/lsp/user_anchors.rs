//! A user rule's anchor literal (`[[rule.anchors]]` in the project's
//! `.errsig.toml`) finds its wording in an open document (issue 10, point 1).

use super::client::Client;
use super::{open, uri_of, workspace};
use serde_json::json;

#[test]
fn a_project_rules_anchor_finds_its_wording_in_an_open_document() {
    let ws = workspace("user-anchor");
    std::fs::write(
        ws.join(".errsig.toml"),
        r#"
[[rule]]
id = "ours-quota"
title = "Our gateway's Anthropic quota is used up"
severity = "warning"
priority = 40
[rule.match]
message = '^Anthropic quota exhausted'
[[rule.anchors]]
text = "Anthropic quota exhausted"
status = 429
"#,
    )
    .unwrap_or_default();
    let log = ws.join("job.log");
    let text = "starting job 17\n[gw] Anthropic quota exhausted for team-ml · retry in 60s\njob failed\n";
    std::fs::write(&log, text).unwrap_or_default();
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let uri = uri_of(&log);
    open(&mut c, &uri, "log", text);
    let d = c.diagnostics(&uri, |d| d.len() == 1);
    assert_eq!(d[0]["code"], "ours-quota", "{}", d[0]);
    assert_eq!(d[0]["range"]["start"], json!({ "line": 1, "character": 5 }), "{}", d[0]);
    assert_eq!(d[0]["severity"], 2);
    // The server holds that one finding, and no other.
    let s = c.request("errsig/debugStats", json!({ "uri": uri }));
    assert_eq!(s["findings"], 1, "{s}");
    assert_eq!(c.shutdown(), Some(0));
}
