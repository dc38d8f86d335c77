//! The checks, one module per area.

pub mod ci;
pub mod credentials;
pub mod environment;
pub mod settings;
pub mod stored;
pub mod tools;

/// How a secret value looks, without revealing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// `API key`, `admin key`, `OAuth access token`, …
    pub kind: &'static str,
    /// Problems with the value itself.
    pub problems: Vec<String>,
    /// Length in characters.
    pub len: usize,
}

impl Shape {
    /// `an API key (sk-ant-api03) of 108 characters`, and what is wrong.
    pub fn describe(&self) -> String {
        let mut s = if self.len == 0 {
            "an empty value".to_owned()
        } else {
            let article =
                if self.kind.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {} of {} characters", self.kind, self.len)
        };
        if !self.problems.is_empty() {
            s.push_str(&format!(" — {}", self.problems.join("; ")));
        }
        s
    }
}

/// Describe a credential value: its kind by prefix and what is wrong with
/// its shape. Never returns any part of the value.
pub fn shape(value: &str) -> Shape {
    let mut problems = Vec::new();
    if value.is_empty() {
        problems.push("it is empty".to_owned());
    }
    if value.contains('\r') {
        problems.push("it contains a carriage return (\\r: a file saved with Windows line endings)".to_owned());
    } else if value.contains('\n') {
        problems.push("it contains a line break".to_owned());
    } else if value != value.trim() {
        problems.push("it has spaces around it".to_owned());
    }
    let v = value.trim();
    if (v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')) {
        problems.push("it is wrapped in quotes (the quotes became part of the value)".to_owned());
    }
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    let kind = if v.starts_with("sk-ant-api03-") {
        // Anthropic API keys are 108 characters and end in "AA".
        if v.len() != 108 || !v.ends_with("AA") {
            problems.push(format!(
                "an API key is 108 characters ending in AA; this one is {} — truncated or altered",
                v.len()
            ));
        }
        "API key (sk-ant-api03)"
    } else if v.starts_with("sk-ant-admin01-") {
        problems.push("an Admin API key manages the organization; it cannot call the Messages API".to_owned());
        "Admin API key (sk-ant-admin01)"
    } else if v.starts_with("sk-ant-oat01-") {
        "OAuth access token (sk-ant-oat01)"
    } else if v.starts_with("sk-ant-ort01-") {
        problems.push("a refresh token is not an access token".to_owned());
        "OAuth refresh token (sk-ant-ort01)"
    } else if v.starts_with("sk-ant-") {
        "Anthropic credential of another kind"
    } else if v.is_empty() {
        "empty value"
    } else {
        "value that is not an Anthropic key (a gateway's own token?)"
    };
    Shape { kind, problems, len: value.chars().count() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_without_revealing() {
        let key = format!("sk-ant-api03-{}AA", "x".repeat(93));
        assert_eq!(shape(&key).problems, Vec::<String>::new());
        assert!(shape(&format!("{key}\n")).problems.iter().any(|p| p.contains("line break")));
        assert!(shape(&format!("{key}\r")).problems.iter().any(|p| p.contains("carriage return")));
        assert_eq!(shape("").describe(), "an empty value — it is empty");
        assert!(shape("gw-token-1234").describe().starts_with("a value that is not an Anthropic key"));
        assert!(shape(&key).describe().starts_with("an API key (sk-ant-api03) of 108 characters"));
        assert!(shape(&format!("\"{key}\"")).problems.iter().any(|p| p.contains("quotes")));
        assert!(shape(&key[..60]).problems.iter().any(|p| p.contains("truncated")));
        assert!(shape("sk-ant-admin01-abc").problems.iter().any(|p| p.contains("cannot call")));
        let s = format!("{:?}", shape(&key));
        assert!(!s.contains("xxxx"), "{s}");
    }
}
