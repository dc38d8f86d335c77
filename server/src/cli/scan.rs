//! `errsig scan`: files, directories and standard input.

use super::exit;
use super::output::JsonFinding;
use anyhow::{Context, Result};
use errsig::config::{self, Config};
use errsig::rules::Catalog;
use errsig::{Engine, Finding};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read this much at a time: large enough to be fast, small enough that a
/// pipe's findings are printed as soon as their line arrives.
const CHUNK: usize = 64 * 1024;
/// How much of a file is sampled to infer a transcript's terminal width.
const SAMPLE: usize = 1024 * 1024;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` or nothing for standard input.
    /// Directories are walked honouring `.gitignore`; files named here are
    /// always scanned.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// More rules (TOML), extending or overriding the built-in catalog.
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Terminal width of a captured transcript (inferred for files when absent).
    #[arg(long, value_name = "N")]
    columns: Option<usize>,
    /// Walk directories without honouring ignore files.
    #[arg(long)]
    no_ignore: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// JSON Lines, one finding a line.
    Json,
}

/// What every scan of this run shares.
struct Ctx {
    catalog: Arc<Catalog>,
    config: Config,
    /// The directory of `.errsig.toml`: suppression paths are relative to it.
    root: Option<PathBuf>,
    columns: Option<usize>,
}

/// The first `.errsig.toml` in `dir` or one of its parents.
fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(config::FILE_NAME)).find(|p| p.is_file())
}

pub fn run(args: Args) -> u8 {
    let mut catalog = Catalog::builtin();
    let mut config = Config::default();
    let mut root = None;
    if let Some(path) = std::env::current_dir().ok().as_deref().and_then(discover) {
        let loaded =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display())).and_then(
                |text| Config::parse(&path.display().to_string(), &text, &mut catalog).map_err(anyhow::Error::from),
            );
        match loaded {
            Ok(c) => {
                config = c;
                root = path.parent().map(Path::to_path_buf);
            }
            Err(e) => {
                eprintln!("errsig: {e:#}");
                return exit::ERROR;
            }
        }
    }
    for file in &args.rules {
        let loaded = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read rule file {}", file.display()))
            .and_then(|text| catalog.add_toml(&file.display().to_string(), &text).map_err(anyhow::Error::from));
        if let Err(e) = loaded {
            eprintln!("errsig: {e:#}");
            return exit::ERROR;
        }
    }
    let ctx = Ctx { columns: args.columns.or(config.columns), catalog: Arc::new(catalog), config, root };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut found = false;
    let mut failed = false;
    let targets = if args.paths.is_empty() { vec![PathBuf::from("-")] } else { args.paths.clone() };
    for target in &targets {
        let result = if target.as_os_str() == "-" {
            scan_reader(&ctx, ctx.columns, None, &mut io::stdin().lock(), &mut out, true)
        } else if target.is_dir() {
            scan_dir(&ctx, &args, target, &mut out, &mut failed)
        } else {
            scan_file(&ctx, target, &mut out)
        };
        match result {
            Ok(n) => found |= n > 0,
            Err(e) => {
                failed = true;
                eprintln!("errsig: {e:#}");
            }
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("errsig: cannot write output: {e}");
            failed = true;
        }
    }
    if failed {
        exit::ERROR
    } else if found {
        exit::FOUND
    } else {
        exit::CLEAN
    }
}

fn scan_dir(ctx: &Ctx, args: &Args, dir: &Path, out: &mut impl Write, failed: &mut bool) -> Result<usize> {
    let mut n = 0;
    let walk = ignore::WalkBuilder::new(dir)
        .standard_filters(!args.no_ignore)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => match scan_file(ctx, e.path(), out) {
                Ok(k) => n += k,
                Err(err) => {
                    *failed = true;
                    eprintln!("errsig: {err:#}");
                }
            },
            Ok(_) => {}
            Err(err) => {
                *failed = true;
                eprintln!("errsig: {err}");
            }
        }
    }
    Ok(n)
}

fn scan_file(ctx: &Ctx, path: &Path, out: &mut impl Write) -> Result<usize> {
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut sample = Vec::with_capacity(SAMPLE.min(CHUNK));
    (&mut file)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let columns = ctx.columns.or_else(|| errsig::infer_columns(&sample));
    let mut reader = io::Cursor::new(sample).chain(file);
    scan_reader(ctx, columns, Some(path), &mut reader, out, false)
        .with_context(|| format!("cannot read {}", path.display()))
}

fn scan_reader(
    ctx: &Ctx,
    columns: Option<usize>,
    path: Option<&Path>,
    input: &mut impl Read,
    out: &mut impl Write,
    stream: bool,
) -> Result<usize> {
    let mut engine = Engine::new(ctx.catalog.clone(), columns);
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0;
    loop {
        let k = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        let found = engine.feed(&buf[..k]);
        n += print(ctx, path, found, out, stream)?;
    }
    n += print(ctx, path, engine.finish(), out, stream)?;
    Ok(n)
}

fn print(ctx: &Ctx, path: Option<&Path>, found: Vec<Finding>, out: &mut impl Write, stream: bool) -> Result<usize> {
    let name = path.map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string());
    let relative = path.map(|p| relative_to(ctx.root.as_deref(), p));
    let mut n = 0;
    for mut f in found {
        if ctx.config.suppressed(relative.as_deref(), &f) {
            continue;
        }
        f.severity = ctx.config.severity_of(&f);
        let line = serde_json::to_string(&JsonFinding::new(&name, &f))?;
        writeln!(out, "{line}")?;
        n += 1;
    }
    if stream && n > 0 {
        // A pipe's reader waits for each finding as it completes.
        out.flush()?;
    }
    Ok(n)
}

/// `path` relative to the configuration's directory, for suppressions.
fn relative_to(root: Option<&Path>, path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match root.and_then(|r| abs.strip_prefix(r).ok()) {
        Some(rel) => rel.to_path_buf(),
        None => path.to_path_buf(),
    }
}
