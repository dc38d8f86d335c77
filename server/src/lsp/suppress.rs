//! Writing suppressions into `.errsig.toml`, keeping what was there.
//!
//! The file is only ever appended to (comments and layout survive), after a
//! copy of it is saved as `.errsig.toml.bak`.

use std::io;
use std::path::{Path, PathBuf};

/// Where a suppression applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// This rule on this line of this file.
    Line,
    /// This rule anywhere in this file.
    File,
    /// This rule anywhere in the project.
    Project,
}

/// Append a `[[suppress]]` table to `file`; returns the backup made, if the
/// file existed.
pub fn append(file: &Path, rule: &str, path: Option<&str>, line: Option<u32>) -> io::Result<Option<PathBuf>> {
    let old = match std::fs::read_to_string(file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let backup = match &old {
        Some(text) => {
            let b = file.with_file_name(".errsig.toml.bak");
            std::fs::write(&b, text)?;
            Some(b)
        }
        None => None,
    };
    let mut text = old.unwrap_or_else(|| "# errsig configuration: see the README's `.errsig.toml` section.\n".into());
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n[[suppress]] # added by errsig\n");
    text.push_str(&format!("rule = {}\n", toml::Value::String(rule.into())));
    if let Some(p) = path {
        text.push_str(&format!("path = {}\n", toml::Value::String(globset::escape(p))));
    }
    if let Some(l) = line {
        text.push_str(&format!("line = {l}\n"));
    }
    // Write to a temporary file and rename: a crash never leaves half a file.
    let tmp = file.with_file_name(".errsig.toml.tmp");
    std::fs::write(&tmp, &text)?;
    std::fs::rename(&tmp, file)?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_backs_up() {
        let dir = std::env::temp_dir().join(format!("errsig-suppress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(".errsig.toml");
        let _ = std::fs::remove_file(&file);
        assert_eq!(append(&file, "429-rate-limit", None, None).unwrap(), None);
        let original = std::fs::read_to_string(&file).unwrap();
        let backup = append(&file, "403-permission-denied", Some("logs/a [1].log"), Some(7)).unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original, "the backup is the file as it was");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with(&original));
        let mut catalog = errsig::rules::Catalog::builtin();
        let cfg = errsig::config::Config::parse("t", &text, &mut catalog).expect("still valid");
        assert_eq!(cfg.suppress.len(), 2);
        let glob = cfg.suppress[1].path.as_deref().unwrap();
        assert!(globset::Glob::new(glob).unwrap().compile_matcher().is_match("logs/a [1].log"), "{glob}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
