/**
 * The copy of one terminal's output that is sent to the language server as a
 * document (scheme `errsig-terminal:`), and the LSP changes that keep the
 * server's copy equal to it.
 *
 * Pure logic: no `vscode` import, unit-tested under `node --test`.
 *
 * - Text is kept exactly as the terminal printed it (escapes, `\r`, OSC 633
 *   marks and all): the server owns escapes, wrapping and detection.
 * - Lines are what lies between two `\n` (as the server counts them); columns
 *   are UTF-16 code units (JavaScript string indices, LSP's default encoding).
 * - Appending is one incremental change at the end of the document.
 * - Past `maxChars` the oldest whole lines are deleted with one change
 *   `(0,0)-(k,0) → ""`, which the server applies by shifting positions, without
 *   re-scanning. Only when a single line is longer than what may be kept (a
 *   TUI stream that never prints `\n`) is that first line cut inside.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** An incremental `TextDocumentContentChangeEvent`. */
export interface Change {
  range: Range;
  text: string;
}

/** Default cap: about 2 MB of UTF-16 text per terminal. */
export const DEFAULT_MAX_CHARS = 1_000_000;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function countNewlines(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) {
    n++;
  }
  return n;
}

export class Transcript {
  private body = '';
  /** Number of `\n` in `body`, plus one. */
  private lines = 1;
  /** Index in `body` where the last line starts. */
  private lastLineStart = 0;
  /** A high surrogate held back until its pair arrives in the next chunk. */
  private held = '';
  /** The document version last produced (didOpen sends it, each change adds one). */
  version = 1;
  /** Lines deleted from the top so far. */
  removedLines = 0;
  readonly keepChars: number;

  constructor(
    readonly maxChars: number = DEFAULT_MAX_CHARS,
    keepChars?: number,
  ) {
    if (!(maxChars > 0)) throw new RangeError('maxChars must be positive');
    this.keepChars = Math.max(1, Math.min(maxChars, keepChars ?? Math.floor(maxChars * 0.75)));
  }

  /** The text the server has (what `didOpen` must send after a restart). */
  get text(): string {
    return this.body;
  }

  get lineCount(): number {
    return this.lines;
  }

  /** The position just after the last character. */
  end(): Position {
    return { line: this.lines - 1, character: this.body.length - this.lastLineStart };
  }

  /**
   * Append a raw chunk of terminal output. Returns the changes to send, in
   * order (empty when nothing is to be sent yet); `version` is then the
   * version of the document after all of them.
   */
  append(chunk: string): Change[] {
    let text = this.held + chunk;
    this.held = '';
    if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.held = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length === 0) return [];
    const at = this.end();
    const changes: Change[] = [{ range: { start: at, end: at }, text }];
    const base = this.body.length;
    this.body += text;
    const added = countNewlines(text);
    if (added > 0) {
      this.lines += added;
      this.lastLineStart = base + text.lastIndexOf('\n') + 1;
    }
    if (this.body.length > this.maxChars) changes.push(...this.trim());
    this.version += changes.length;
    return changes;
  }

  /** Delete from the top until at most `keepChars` remain. */
  private trim(): Change[] {
    const out: Change[] = [];
    const excess = this.body.length - this.keepChars;
    if (excess <= 0) return out;
    // Whole lines: up to the first line end at or after the excess, else all
    // lines but the last one.
    let cut = this.body.indexOf('\n', excess - 1) + 1;
    if (cut === 0) cut = this.lastLineStart;
    if (cut > 0) {
      const k = countNewlines(this.body, 0, cut);
      out.push({ range: { start: { line: 0, character: 0 }, end: { line: k, character: 0 } }, text: '' });
      this.body = this.body.slice(cut);
      this.lines -= k;
      this.lastLineStart -= cut;
      this.removedLines += k;
    }
    // One line longer than what may be kept: cut inside it (the server then
    // re-scans that line, which its own bounds keep cheap).
    if (this.lines === 1 && this.body.length > this.maxChars) {
      let n = this.body.length - this.keepChars;
      if (isHighSurrogate(this.body.charCodeAt(n - 1))) n++;
      out.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: n } }, text: '' });
      this.body = this.body.slice(n);
    }
    return out;
  }
}

/**
 * Text to *display* in the read-only transcript editor, line for line and
 * column for column the server's text: VS Code also breaks lines at a lone
 * `\r` (and warns about U+2028/U+2029), the server only at `\n`; each such
 * character is shown as one visible UTF-16 unit instead. The server always
 * gets the raw text.
 */
export function displayText(text: string): string {
  return text.replace(/\r(?!\n)/g, '\u240d').replace(/[\u2028\u2029]/g, '\u2424');
}

/**
 * Apply changes to a string the way an LSP server does (UTF-16 positions,
 * lines split at `\n`). Used by the tests to check that the server's copy
 * stays equal to the transcript.
 */
export function applyChanges(text: string, changes: Change[]): string {
  for (const c of changes) {
    const start = offsetOf(text, c.range.start);
    const end = offsetOf(text, c.range.end);
    text = text.slice(0, start) + c.text + text.slice(end);
  }
  return text;
}

export function offsetOf(text: string, pos: Position): number {
  let start = 0;
  for (let line = 0; line < pos.line; line++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return text.length;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const lineEnd = nl === -1 ? text.length : nl;
  return Math.min(start + pos.character, lineEnd);
}

/** A terminal name made safe for a URI path segment. */
export function uriName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return safe.length > 0 ? safe.slice(0, 40) : 'terminal';
}

/**
 * The notification for a finding in a terminal, from the server's diagnostic
 * message (its self-contained headline, e.g. `Anthropic API 403
 * permission_error: Permission denied (req_…)`) and the `status` of its data:
 * `Anthropic API 403 in terminal 'bash' — permission_error: Permission denied (req_…)`.
 */
export function notificationText(terminal: string, message: string, status?: unknown): string {
  const first = message.split('\n')[0] ?? '';
  if (typeof status === 'number') {
    const prefix = `Anthropic API ${status}`;
    const rest = first.startsWith(prefix) ? first.slice(prefix.length) : undefined;
    if (rest !== undefined && /^(:\s|\s)/.test(rest)) {
      return `${prefix} in terminal '${terminal}' — ${rest.replace(/^:?\s+/, '')}`;
    }
  }
  return `${first} — in terminal '${terminal}'`;
}
