//! `errsig scan`: files, directories and standard input.

use super::exit;
use super::input;
use super::parallel;
use super::pipe;
use super::report::{self, Format, Item, Reporter, Stats};
use anyhow::{Context, Result};
use errsig::project::{self, Located, Project};
use errsig::rules::{Catalog, Severity};
use errsig::{Engine, Finding};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read this much at a time: large enough to be fast, small enough that a
/// pipe's findings are printed as soon as their line arrives.
pub(super) const CHUNK: usize = 64 * 1024;
/// How much of a file is sampled to infer a transcript's terminal width.
const SAMPLE: usize = 1024 * 1024;
/// Scans of at least this many bytes of named files show a progress bar.
const PROGRESS_BYTES: u64 = 64 * 1024 * 1024;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` for standard input. With no path,
    /// standard input when it is a pipe or a file, else the current
    /// directory. Directories are walked honouring `.gitignore`; files named
    /// here are always scanned.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Print nothing on standard output: the exit status says whether
    /// anything was found (errors still go to standard error).
    #[arg(short, long, conflicts_with_all = ["format", "count"])]
    quiet: bool,
    /// Print only `PATH:N`, the number of findings of each file that has any.
    #[arg(short, long, conflicts_with = "format")]
    count: bool,
    /// More rules (TOML), extending or overriding the built-in catalog.
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Terminal width of a captured transcript (inferred for files when absent).
    #[arg(long, value_name = "N")]
    columns: Option<usize>,
    /// When to colour the human format.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Walk directories without honouring ignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Copy standard input to standard output unchanged (findings go to
    /// standard error), so errsig can sit in the middle of a pipeline.
    #[arg(long)]
    tee: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// What every file of this run shares.
struct Run {
    catalog: Arc<Catalog>,
    /// The project of the current directory: suppressions and severities.
    project: Project,
    columns: Option<usize>,
    reporter: Box<dyn Reporter>,
    stats: Stats,
    fail_on: Severity,
    failing: bool,
    progress: Option<ProgressBar>,
    tee: Option<io::Stdout>,
    /// No path was given and the current directory is scanned: its files are
    /// named `ci.log`, not `./ci.log`, as ripgrep names them.
    implicit_cwd: bool,
}

/// The project of the current directory (the first `.errsig.toml` in it or
/// one of its parents), with the command line's rules after its own.
pub fn load(rule_files: &[PathBuf]) -> Result<Project> {
    let builtin = Arc::new(Catalog::builtin());
    let cwd = std::env::current_dir().ok();
    let found = cwd.as_deref().and_then(|d| project::discover(d, None, Path::is_file));
    let mut project = match found {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            Project::parse(&path, &text, &builtin)?
        }
        None => Project::builtin(None, builtin),
    };
    project.cwd = cwd;
    for file in rule_files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("cannot read rule file {}", file.display()))?;
        project.add_rules(&file.display().to_string(), &text)?;
    }
    Ok(project)
}

pub fn run(args: Args) -> u8 {
    let project = match load(&args.rules) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("errsig: {e:#}");
            return exit::ERROR;
        }
    };
    let catalog = project.catalog.clone();
    // No path: standard input when something is piped in (or --tee asks for
    // it), else the current directory, as ripgrep does, rather than waiting
    // silently for a terminal's input.
    let implicit_cwd = args.paths.is_empty() && !args.tee && io::stdin().is_terminal();
    let targets = match () {
        _ if implicit_cwd => vec![PathBuf::from(".")],
        _ if args.paths.is_empty() => vec![PathBuf::from("-")],
        _ => args.paths.clone(),
    };
    let reads_stdin = targets.iter().any(|t| t.as_os_str() == "-");
    if args.tee && !reads_stdin {
        eprintln!("errsig: --tee copies standard input: scan `-`");
        return exit::ERROR;
    }
    let out: Box<dyn Write> = if args.tee { Box::new(io::stderr()) } else { Box::new(io::stdout()) };
    // `auto` is decided here, on the real stream: the reporter writes to a
    // `Box<dyn Write>`, which cannot say whether it is a terminal, and
    // anstream would then never colour. `AutoStream::choice` also honours
    // NO_COLOR, CLICOLOR, CLICOLOR_FORCE and TERM=dumb.
    let color = match args.color {
        ColorWhen::Auto if args.tee => anstream::AutoStream::choice(&io::stderr()),
        ColorWhen::Auto => anstream::AutoStream::choice(&io::stdout()),
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    let reporter: Box<dyn Reporter> = if args.quiet {
        Box::new(report::Quiet)
    } else if args.count {
        Box::new(report::Count::new(out))
    } else {
        report::reporter(args.format, out, catalog.clone(), color)
    };
    let mut run = Run {
        reporter,
        catalog,
        columns: args.columns.or(project.columns()),
        project,
        stats: Stats::default(),
        fail_on: args.fail_on.threshold(),
        failing: false,
        progress: if args.quiet { None } else { progress_bar(&targets) },
        tee: args.tee.then(io::stdout),
        implicit_cwd,
    };
    let mut failed = false;
    for target in &targets {
        let result = if target.as_os_str() == "-" {
            run.scan_stream(None, Box::new(io::stdin()), stdin_fd())
        } else if target.is_dir() {
            run.scan_dir(target, args.no_ignore, &mut failed);
            Ok(())
        } else {
            run.scan_file(target)
        };
        if let Err(e) = result {
            failed = true;
            run.report_error(&e);
        }
    }
    if let Some(p) = &run.progress {
        p.finish_and_clear();
    }
    if let Err(e) = run.reporter.finish(&run.stats) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("errsig: cannot write output: {e}");
            failed = true;
        }
    }
    if failed {
        exit::ERROR
    } else if run.failing {
        exit::FOUND
    } else {
        exit::CLEAN
    }
}

/// A progress bar on standard error for long scans on a terminal; never on
/// a pipe or in CI.
fn progress_bar(targets: &[PathBuf]) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let dirs = targets.iter().any(|t| t.is_dir());
    let bytes: u64 =
        targets.iter().filter_map(|t| std::fs::metadata(t).ok()).filter(|m| m.is_file()).map(|m| m.len()).sum();
    if dirs {
        let p = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        p.set_style(ProgressStyle::with_template("{spinner} {pos} files, {msg}").ok()?);
        Some(p)
    } else if bytes >= PROGRESS_BYTES {
        let p = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
        p.set_style(ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}").ok()?);
        Some(p)
    } else {
        None
    }
}

impl Run {
    fn report_error(&self, e: &anyhow::Error) {
        match &self.progress {
            Some(p) => p.suspend(|| eprintln!("errsig: {e:#}")),
            None => eprintln!("errsig: {e:#}"),
        }
    }

    fn warn(&self, message: &str) {
        match &self.progress {
            Some(p) => p.suspend(|| eprintln!("errsig: {message}")),
            None => eprintln!("errsig: {message}"),
        }
    }

    /// A directory: walked in order, its small files read and scanned
    /// [`AHEAD`] at a time across the cores ([`scan_ahead`]), and reported
    /// in the walk's order, as one thread would report them.
    fn scan_dir(&mut self, dir: &Path, no_ignore: bool, failed: &mut bool) {
        let mut walk = ignore::WalkBuilder::new(dir)
            .standard_filters(!no_ignore)
            .hidden(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        loop {
            let batch: Vec<_> = walk.by_ref().take(AHEAD).collect();
            if batch.is_empty() {
                return;
            }
            let ahead = scan_ahead(&self.catalog, self.columns, &batch);
            for (entry, scanned) in batch.into_iter().zip(ahead) {
                let result = match scanned {
                    Some(scanned) => self.report_scanned(entry.as_ref().map(|e| e.path()).ok(), scanned),
                    None => self.walked(entry),
                };
                if let Err(e) = result {
                    *failed = true;
                    self.report_error(&e);
                }
            }
        }
    }

    /// What a file scanned ahead found, reported as `scan_file` reports it.
    fn report_scanned(&mut self, path: Option<&Path>, scanned: Ahead) -> Result<()> {
        let (bytes, found) = scanned?;
        let (name, relative) = self.names(path);
        self.stats.bytes += bytes;
        self.emit(&name, relative.as_ref(), found)?;
        self.file_done(&name, true)
    }

    /// One entry of a walk not scanned ahead.
    fn walked(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> Result<()> {
        // Only regular files are scanned: symbolic links are not followed
        // (as ripgrep does) and FIFOs, sockets and devices met while
        // walking are skipped, since reading one could wait forever.
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => self.scan_file(e.path()),
            Ok(e) if e.path_is_symlink() && is_link_loop(e.path()) => {
                // Not an error (nothing was meant to be read there), but
                // worth one line: a loop is usually a mistake.
                self.warn(&format!("skipped {}: a loop of symbolic links", e.path().display()));
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn scan_file(&mut self, path: &Path) -> Result<()> {
        let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        // A FIFO (or a terminal, a socket, /dev/stdin) named on the command
        // line is a stream: read it as standard input is read, finding by
        // finding, rather than waiting for a 1 MiB sample that may never
        // come. Only regular files have a width worth inferring.
        let meta = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
        if !meta.is_file() {
            let fd = raw_fd(&file);
            return self
                .scan_stream(Some(path), Box::new(file), fd)
                .with_context(|| format!("cannot read {}", path.display()));
        }
        // A large file is mapped and scanned in place (no copies through
        // read buffers), across the cores where it can be split; a file that
        // cannot be mapped (or is UTF-16, to be decoded) is read.
        if meta.len() >= input::MAP_MIN {
            if let Some(map) = input::map(&file) {
                if input::utf16(&map).is_none() {
                    return self.scan_mapped(path, &map);
                }
            }
        }
        let mut sample = Vec::new();
        (&mut file)
            .take(SAMPLE as u64)
            .read_to_end(&mut sample)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut reader = io::Cursor::new(sample).chain(file);
        self.scan_reader(Some(path), &mut reader, false).with_context(|| format!("cannot read {}", path.display()))
    }

    /// The name a file is shown by, and its path as the project sees it.
    fn names(&self, path: Option<&Path>) -> (String, Option<Located>) {
        let shown = match path {
            Some(p) if self.implicit_cwd => p.strip_prefix(".").unwrap_or(p),
            p => p.unwrap_or(Path::new("")),
        };
        let name = if path.is_some() { shown.display().to_string() } else { "<stdin>".to_owned() };
        (name, path.map(|p| self.project.locate(p)))
    }

    /// A whole file in memory (mapped): the same findings, in the same
    /// order, as reading it (`scan_reader`), split across threads where
    /// [`parallel::pieces`] proves a split changes nothing.
    fn scan_mapped(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let (name, relative) = self.names(Some(path));
        // As the reader does: the width from the first chunk read.
        let columns = self.columns.or_else(|| errsig::infer_columns(&bytes[..bytes.len().min(CHUNK)]));
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pieces = parallel::pieces(bytes, columns, threads);
        // Pieces are scanned a round at a time, a thread each, and their
        // findings emitted in order as they come: a later piece's thread
        // waits once it is `AHEAD_READS` reads ahead, so memory holds at
        // most about a piece's findings per thread, never a file's.
        const BATCHES: usize = parallel::AHEAD_READS;
        let catalog = self.catalog.clone();
        let mut lines_before = 0u32;
        for round in pieces.chunks(threads.max(1)) {
            if let [piece] = round {
                let by = lines_before.saturating_sub(piece.warm_lines);
                let lines = parallel::scan(&catalog, columns, bytes, piece, |mut batch| {
                    parallel::shift(&mut batch, by);
                    self.emit(&name, relative.as_ref(), batch)
                })?;
                self.piece_done(piece, lines, &mut lines_before);
                continue;
            }
            std::thread::scope(|s| -> Result<()> {
                let scans: Vec<_> = round
                    .iter()
                    .map(|piece| {
                        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Finding>>(BATCHES);
                        let catalog = &catalog;
                        let handle = s.spawn(move || parallel::scan(catalog, columns, bytes, piece, |b| tx.send(b)));
                        (piece, rx, handle)
                    })
                    .collect();
                for (piece, rx, handle) in scans {
                    let by = lines_before.saturating_sub(piece.warm_lines);
                    for mut batch in rx.iter() {
                        parallel::shift(&mut batch, by);
                        self.emit(&name, relative.as_ref(), batch)?;
                    }
                    // The channel closes when the scan ends; it could fail to
                    // send only once this receiver was gone.
                    let lines = match handle.join() {
                        Ok(lines) => lines.unwrap_or(0),
                        Err(panic) => std::panic::resume_unwind(panic),
                    };
                    self.piece_done(piece, lines, &mut lines_before);
                }
                Ok(())
            })?;
        }
        self.file_done(&name, true)
    }

    /// A piece scanned: count its bytes and lines (`lines` includes its
    /// warm-up).
    fn piece_done(&mut self, piece: &parallel::Piece, lines: u32, lines_before: &mut u32) {
        *lines_before = lines_before.saturating_add(lines.saturating_sub(piece.warm_lines));
        self.stats.bytes += (piece.end - piece.start) as u64;
        if let Some(p) = &self.progress {
            if p.length().is_some() {
                p.inc((piece.end - piece.start) as u64);
            }
        }
    }

    /// A stream: read on a thread of its own in large buffers and scanned
    /// across the cores ([`pipe`]), each finding printed as soon as its read
    /// is scanned. With `--tee` (the input is copied out read by read) or one
    /// core, read here as a file is.
    fn scan_stream(&mut self, path: Option<&Path>, input: Box<dyn Read + Send>, fd: Option<i32>) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if self.tee.is_some() || threads <= 1 {
            let mut input = input;
            return self.scan_reader(path, &mut input, true);
        }
        let (name, relative) = self.names(path);
        let (blocks, recycle) = pipe::spawn_reader(input, fd);
        let user = self.catalog.user_anchors();
        let mut feeder = Feeder::new(self.catalog.clone(), self.columns, true);
        for block in blocks {
            let block = block?;
            let raw = &block.buf[..block.len];
            self.stats.bytes += raw.len() as u64;
            let (catalog, columns) = (self.catalog.clone(), self.columns);
            let text = feeder.decoder.push(raw);
            if !text.is_empty() {
                let engine = feeder.engine.get_or_insert_with(|| Engine::new(catalog, columns));
                pipe::scan_block(engine, text, user.as_deref(), threads, pipe::REGION, columns, &mut |found| {
                    self.emit(&name, relative.as_ref(), found)
                })?;
            }
            // The reader reuses the buffer (it may have ended already).
            let _ = recycle.send(block.buf);
        }
        let found = feeder.finish();
        self.emit(&name, relative.as_ref(), found)?;
        self.file_done(&name, path.is_some())
    }

    fn scan_reader(&mut self, path: Option<&Path>, input: &mut dyn Read, stream: bool) -> Result<()> {
        let (name, relative) = self.names(path);
        let mut buf = vec![0u8; CHUNK];
        let mut feeder = Feeder::new(self.catalog.clone(), self.columns, stream);
        loop {
            let k = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if let Some(t) = &mut self.tee {
                t.write_all(&buf[..k])?;
                t.flush()?;
            }
            self.stats.bytes += k as u64;
            if let Some(p) = &self.progress {
                if path.is_some() && p.length().is_some() {
                    p.inc(k as u64);
                }
            }
            let found = feeder.push(&buf[..k]);
            if !found.is_empty() {
                self.emit(&name, relative.as_ref(), found)?;
            }
        }
        let found = feeder.finish();
        self.emit(&name, relative.as_ref(), found)?;
        self.file_done(&name, path.is_some())
    }

    fn file_done(&mut self, name: &str, file: bool) -> Result<()> {
        if file {
            self.stats.files += 1;
        } else {
            self.stats.stdin = true;
        }
        match self.reporter.file_done(name) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            r => r?,
        }
        if let Some(p) = &self.progress {
            if p.length().is_none() {
                p.inc(1);
                p.set_message(name.to_owned());
            }
        }
        Ok(())
    }

    fn emit(&mut self, name: &str, relative: Option<&Located>, found: Vec<Finding>) -> Result<()> {
        for mut f in found {
            let Some(severity) = self.project.shown(relative, &f) else { continue };
            f.severity = severity;
            self.stats.count(f.severity);
            self.failing |= f.severity >= self.fail_on;
            let item = Item { path: name, finding: &f };
            let result = match &self.progress {
                Some(p) => p.suspend(|| self.reporter.finding(&item)),
                None => self.reporter.finding(&item),
            };
            match result {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                r => r?,
            }
        }
        let result = match &self.progress {
            Some(p) => p.suspend(|| self.reporter.flush()),
            None => self.reporter.flush(),
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => Ok(r?),
        }
    }
}

/// The engine fed as a reader of a file or a stream feeds it: chunk by
/// chunk through the decoder, with the width inferred from the first chunk
/// of a file (a pipe gets it only from --columns or .errsig.toml).
struct Feeder {
    catalog: Arc<Catalog>,
    columns: Option<usize>,
    stream: bool,
    engine: Option<Engine>,
    decoder: input::Decoder,
}

impl Feeder {
    fn new(catalog: Arc<Catalog>, columns: Option<usize>, stream: bool) -> Self {
        Feeder { catalog, columns, stream, engine: None, decoder: input::Decoder::default() }
    }

    /// The next raw chunk; what it completed.
    fn push(&mut self, raw: &[u8]) -> Vec<Finding> {
        let text = self.decoder.push(raw);
        if text.is_empty() {
            return Vec::new();
        }
        let (catalog, columns, stream) = (&self.catalog, self.columns, self.stream);
        let engine = self.engine.get_or_insert_with(|| {
            let columns = columns.or_else(|| if stream { None } else { errsig::infer_columns(text) });
            Engine::new(catalog.clone(), columns)
        });
        engine.feed(text)
    }

    /// The end of the input: everything left.
    fn finish(mut self) -> Vec<Finding> {
        let rest = self.decoder.finish();
        let mut found = Vec::new();
        if !rest.is_empty() {
            let engine = self.engine.get_or_insert_with(|| Engine::new(self.catalog.clone(), self.columns));
            found = engine.feed(&rest);
        }
        found.extend(self.engine.map(Engine::finish).unwrap_or_default());
        found
    }
}

/// A file read and scanned ahead: its bytes and findings, or why it could
/// not be read.
type Ahead = Result<(u64, Vec<Finding>)>;

/// Entries of a directory walk taken at a time, their small files read and
/// scanned ahead while the findings of the files before are reported.
const AHEAD: usize = 64;

/// The small regular files of a batch of walked entries (under
/// [`input::MAP_MIN`]: larger ones are split across the cores on their
/// own), read and scanned by one thread per core: for each entry, its bytes
/// and findings — exactly what `scan_file` finds in it, read the same way
/// in the same chunks — or `None` for an entry `Run::walked` handles.
fn scan_ahead(
    catalog: &Arc<Catalog>,
    columns: Option<usize>,
    batch: &[Result<ignore::DirEntry, ignore::Error>],
) -> Vec<Option<Ahead>> {
    let small = |e: &ignore::DirEntry| {
        e.file_type().is_some_and(|t| t.is_file()) && e.metadata().is_ok_and(|m| m.len() < input::MAP_MIN)
    };
    let files: Vec<Option<&Path>> =
        batch.iter().map(|e| e.as_ref().ok().filter(|e| small(e)).map(ignore::DirEntry::path)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Ahead>> = batch.iter().map(|_| None).collect();
    let done: Vec<Vec<(usize, Option<Ahead>)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = files.get(i) else { break };
                        if let Some(path) = slot {
                            mine.push((i, read_and_scan(catalog, columns, path)));
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    for (i, r) in done.into_iter().flatten() {
        out[i] = r;
    }
    out
}

/// A small file read whole and scanned in the reader's chunks; `None` when
/// it is no longer a small regular file (`scan_file` then takes it).
fn read_and_scan(catalog: &Arc<Catalog>, columns: Option<usize>, path: &Path) -> Option<Ahead> {
    let read = || -> Result<Option<Vec<u8>>> {
        let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let meta = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
        if !meta.is_file() || meta.len() >= input::MAP_MIN {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        (&mut file)
            .take(SAMPLE as u64)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if bytes.len() == SAMPLE {
            // It grew past the sample while being read: as `scan_file`.
            return Ok(None);
        }
        Ok(Some(bytes))
    };
    let bytes = match read() {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let mut feeder = Feeder::new(catalog.clone(), columns, false);
    let mut found = Vec::new();
    for chunk in bytes.chunks(CHUNK) {
        found.extend(feeder.push(chunk));
    }
    found.extend(feeder.finish());
    Some(Ok((bytes.len() as u64, found)))
}

/// Standard input's descriptor, to wait on it (`poll`) and grow its pipe.
fn stdin_fd() -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        Some(io::stdin().as_raw_fd())
    }
    #[cfg(not(unix))]
    None
}

/// A file's descriptor (see [`stdin_fd`]).
fn raw_fd(file: &std::fs::File) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        Some(file.as_raw_fd())
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// Whether following `path` ends in a loop of symbolic links.
fn is_link_loop(path: &Path) -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata(path).is_err_and(|e| e.raw_os_error() == Some(libc::ELOOP))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}
