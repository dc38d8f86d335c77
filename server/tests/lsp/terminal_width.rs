//! A long Python SDK exception in a narrow Neovim terminal (issue 10, point
//! 8): the server, told the width the rows have, gives the diagnostic the
//! CLI gives with `--columns`, at every width the terminal takes.

use super::client::Client;
use super::{fixture, open, workspace};
use serde_json::json;

/// The text a Neovim `:terminal` of `cols` columns holds after printing
/// `text` with `cat`: each line cut into rows of `cols` characters (the
/// fixture is ASCII), trailing blanks dropped as Neovim drops them, and the
/// line Neovim adds when the job ends.
fn as_terminal_rows(text: &str, cols: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push('\n');
        }
        for row in chars.chunks(cols) {
            out.push_str(row.iter().collect::<String>().trim_end());
            out.push('\n');
        }
    }
    out.push_str("\n[Process exited 0]");
    out
}

#[test]
fn a_long_sdk_exception_in_a_50_column_terminal_gets_its_diagnostic() {
    let text = fixture("py-sdk-uncaught-permission_details.txt");
    let exception = text.lines().last().unwrap_or("");
    assert!(exception.len() > 240, "the exception line is the long one: {}", exception.len());
    let ws = workspace("sdk-width");
    let mut c = Client::start(&ws);
    c.initialize(json!({}), json!({}), &ws);
    let uri = "term://~/w//4343:/bin/sh";
    for (version, cols) in [50usize, 48, 50].into_iter().enumerate() {
        let rows = as_terminal_rows(&text, cols);
        let first = rows.lines().position(|l| l.starts_with("anthropic.PermissionDeniedError")).unwrap_or(0);
        let last = rows.lines().count() - 3;
        if version == 0 {
            open(&mut c, uri, "", &rows);
        } else {
            // Neovim re-wraps the rows on a resize: the whole text changes.
            c.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version as i32 }, "contentChanges": [{ "text": rows }] }),
            );
        }
        c.notify("errsig/terminalWidth", json!({ "uri": uri, "columns": cols }));
        // It ends on the exception's last row (a last row exactly as wide
        // as the terminal continues, for the scanner, on the empty row after
        // it, where the range then ends, at character 0).
        let d = c.diagnostics(uri, |d| {
            d.len() == 1
                && d[0]["range"]["start"]["line"] == first
                && d[0]["range"]["end"]["line"].as_u64().is_some_and(|l| l as usize >= last)
        });
        assert_eq!(d[0]["code"], "403-generic", "{cols} columns: {}", d[0]);
        let s = c.request("errsig/debugStats", json!({ "uri": uri }));
        assert_eq!((s["columns"].as_u64(), s["findings"].as_u64()), (Some(cols as u64), Some(1)), "{s}");
        // The same rule and lines as `errsig/scanText` with the width given:
        // the terminal path and the CLI's `--columns` agree.
        let r = c.request("errsig/scanText", json!({ "text": rows, "columns": cols }));
        assert_eq!(r.as_array().map(Vec::len), Some(1), "{r}");
        assert_eq!((r[0]["rule"].as_str(), r[0]["line"].as_u64()), (Some("403-generic"), Some(first as u64)), "{r}");
        assert_eq!(r[0]["endLine"], d[0]["range"]["end"]["line"], "{r}");
    }
    assert_eq!(c.shutdown(), Some(0));
}
