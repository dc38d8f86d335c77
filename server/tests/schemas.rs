//! The committed JSON Schemas (`schemas/`) describe what errsig reads and
//! writes: the built-in rule files, the project files and user rules of the
//! tests and the README, and the JSON record of every fixture and example.
//! (That they equal the generated ones is a test of the binary,
//! `cli/schemas.rs`.)

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator(name: &str) -> jsonschema::Validator {
    let path = root().join("schemas").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// A TOML text as the JSON value a TOML editor validates.
fn toml(text: &str) -> Value {
    toml::from_str(text).unwrap_or_else(|e| panic!("TOML: {e}"))
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

#[test]
fn the_builtin_rule_files_and_the_tests_rule_files_validate() {
    let v = validator("rules.schema.json");
    let mut checked = 0;
    let data = ["advice.toml", "texts.toml", "producers.toml"];
    for path in files(&root().join("server/rules"), "toml") {
        if data.iter().any(|d| path.ends_with(d)) {
            continue;
        }
        let doc = toml(&std::fs::read_to_string(&path).unwrap());
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{}", path.display());
        checked += doc["rule"].as_array().map_or(0, Vec::len);
    }
    assert!(checked >= 20, "{checked} rules");
    // A tier, a number, typed actions and producers; what is wrong is caught.
    let good = toml(
        "[[rule]]\nid = \"ours\"\ntitle = \"t\"\nseverity = \"error\"\npriority = 40\nactions = [\"doctor\"]\n\
         [rule.match]\nstatus = [403, \"5xx\", \"500-599\"]\nproducer = [\"litellm\"]\nplatform = [\"gateway\"]\n\
         [[rule.anchors]]\ntext = \"Quota gone\"\nstatus = 429\n",
    );
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    for (key, bad) in [
        ("priority", Value::from("urgent")),
        ("actions", Value::from(vec!["rm-rf"])),
        ("severity", Value::from("fatal")),
        ("colour", Value::from("red")),
    ] {
        let mut doc = good.clone();
        doc["rule"][0][key] = bad;
        assert!(!errors(&v, &doc).is_empty(), "{key} is checked");
    }
    let mut doc = good.clone();
    doc["rule"][0]["match"]["producer"] = Value::from(vec!["nope"]);
    assert!(!errors(&v, &doc).is_empty(), "producers are checked");
}

#[test]
fn the_project_files_validate() {
    let v = validator("errsig.schema.json");
    let mut texts = vec![std::fs::read_to_string(root().join("server/tests/cmd/config.in/.errsig.toml")).unwrap()];
    // The README's example.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("### `.errsig.toml`").nth(1).expect("README has the section");
    let block = section.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("a toml block");
    texts.push(block.to_owned());
    for text in &texts {
        let doc = toml(text);
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{text}");
    }
    let doc = toml(&texts[1]);
    assert!(doc["rule"].as_array().is_some_and(|r| !r.is_empty()), "the README's example has a rule");
    for (key, bad) in [
        ("scan", toml("colums = 80")),
        ("severity", toml("x = \"fatal\"")),
        ("suppress", toml("s = [{line = 3}]")["s"].clone()),
    ] {
        let mut doc = doc.clone();
        doc[key] = bad;
        assert!(!errors(&v, &doc).is_empty(), "{key} is checked");
    }
}

#[test]
fn every_fixtures_json_records_validate() {
    let v = validator("scan-record.schema.json");
    let mut paths = Vec::new();
    for dir in ["tests/fixtures/real", "tests/fixtures/public", "tests/fixtures/third-party", "examples"] {
        paths.extend(files(&root().join(dir), "txt"));
    }
    assert!(paths.len() > 100, "{}", paths.len());
    let out = Command::new(env!("CARGO_BIN_EXE_errsig"))
        .env_remove("CI")
        .args(["scan", "--format", "json", "--color", "never", "--"])
        .args(&paths)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("errsig runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(errors(&v, &record), Vec::<String>::new(), "{line}");
        assert_eq!(record["schema"], 1, "{line}");
        n += 1;
    }
    assert!(n > 300, "{n} records");
    // The validator does check: a missing field, a wrong version, a new field.
    let record: Value = serde_json::from_str(text.lines().next().unwrap_or("{}")).unwrap();
    for change in ["drop", "version", "extra"] {
        let mut r = record.clone();
        match change {
            "drop" => drop(r.as_object_mut().and_then(|o| o.remove("rule"))),
            "version" => r["schema"] = 2.into(),
            _ => r["colour"] = "red".into(),
        }
        assert!(!errors(&v, &r).is_empty(), "{change} is caught");
    }
}

/// `.taplo.toml` points TOML editors at the schemas: each rule's schema is
/// one of ours, and its globs take the files the tests above validate.
#[test]
fn taplo_associates_the_files_with_their_schemas() {
    let config = toml(&std::fs::read_to_string(root().join(".taplo.toml")).unwrap());
    let rules = config["rule"].as_array().expect("[[rule]] tables");
    let schema_of = |file: &str| -> Option<String> {
        let set = |v: &Value| {
            let mut b = globset::GlobSetBuilder::new();
            for g in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                b.add(globset::Glob::new(g).unwrap());
            }
            b.build().unwrap()
        };
        rules
            .iter()
            .find(|r| set(&r["include"]).is_match(file) && !set(&r["exclude"]).is_match(file))
            .and_then(|r| r["schema"]["path"].as_str().map(str::to_owned))
    };
    for r in rules {
        let path = r["schema"]["path"].as_str().unwrap();
        assert!(root().join(path).is_file(), "{path}");
    }
    assert_eq!(schema_of("server/rules/403.toml").as_deref(), Some("./schemas/rules.schema.json"));
    assert_eq!(schema_of("server/rules/texts.toml"), None);
    assert_eq!(schema_of("server/tests/cmd/config.in/.errsig.toml").as_deref(), Some("./schemas/errsig.schema.json"));
    assert_eq!(schema_of(".errsig.toml").as_deref(), Some("./schemas/errsig.schema.json"));
}
