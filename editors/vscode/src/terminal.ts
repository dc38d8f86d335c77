/**
 * Integrated terminals → documents of the language server.
 *
 * Each terminal gets one document, `errsig-terminal:/<n>/<name>`, fed with the
 * raw output of every command through the stable shell-integration API
 * (`onDidStartTerminalShellExecution` → `execution.read()`, called at once):
 * `didOpen`, then one appending `didChange` per chunk, and deletions from the
 * top past the size cap (see `transcript.ts`). The extension does no cleaning
 * and no detection: the server interprets escapes and finds the errors.
 *
 * - A `TextDocumentContentProvider` shows the transcript read-only, so a
 *   Problems entry opens it with the diagnostics, hover and code actions (the
 *   server knows the same URI).
 * - A notification tells about each new finding in a terminal; its buttons
 *   open the transcript at the error with the hover or the quick fixes.
 * - A terminal link provider asks the server (`errsig/scanText`) about each
 *   line VS Code shows it, so an error line is clickable even where shell
 *   integration is off or lost the output.
 * - "Scan Terminal Buffer" (fallback for output VS Code did not deliver, see
 *   the README) copies the terminal's whole buffer and sends it as a second
 *   document `errsig-terminal:/<n>/<name>-buffer`.
 */
import * as vscode from 'vscode';
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
} from 'vscode-languageclient/node';
import { type ErrsigClient, settings, type TextFinding } from './client';
import { TERMINAL_SCHEME } from './config';
import { SCAN_TEXT } from './lsp_ext';
import { displayText, notificationText, Transcript, uriName } from './transcript';

interface Doc {
  uri: vscode.Uri;
  key: string;
  transcript: Transcript;
  /** Whether the running server has it open. */
  opened: boolean;
  /** Sends to the server, in order. */
  queue: Promise<unknown>;
}

interface Tracked {
  id: number;
  name: string;
  terminal: vscode.Terminal;
  live?: Doc;
  buffer?: Doc;
  /** Findings already notified (by code and message). */
  notified: Set<string>;
}

export interface ErrsigTerminalLink extends vscode.TerminalLink {
  rule: string;
}

const LANGUAGE_ID = 'errsig-terminal';

export class TerminalTracker
  implements vscode.TextDocumentContentProvider, vscode.TerminalLinkProvider<ErrsigTerminalLink>, vscode.Disposable
{
  private nextId = 1;
  private readonly terminals = new Map<vscode.Terminal, Tracked>();
  private readonly docs = new Map<string, { doc: Doc; tracked: Tracked }>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly pendingRefresh = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly linkCache = new Map<string, TextFinding[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: ErrsigClient) {}

  register(): vscode.Disposable {
    // A terminal's name follows the running process ('sleep', 'claude'):
    // it is taken when the terminal opens or, when it has none yet, when its
    // shell integration starts (before any command), and then kept.
    for (const t of vscode.window.terminals) this.track(t);
    this.disposables.push(
      vscode.window.onDidOpenTerminal((t) => this.track(t)),
      vscode.window.onDidChangeTerminalShellIntegration((e) => this.track(e.terminal)),
      vscode.window.onDidStartTerminalShellExecution((e) => this.onExecution(e)),
      vscode.window.onDidCloseTerminal((t) => this.onClose(t)),
      vscode.workspace.registerTextDocumentContentProvider(TERMINAL_SCHEME, this),
      vscode.window.registerTerminalLinkProvider(this),
      this.changed,
    );
    return this;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }

  private track(terminal: vscode.Terminal): Tracked {
    let t = this.terminals.get(terminal);
    if (!t) {
      t = { id: this.nextId++, name: terminal.name, terminal, notified: new Set() };
      this.terminals.set(terminal, t);
    }
    if (!t.name) {
      t.name = terminal.name;
    }
    return t;
  }

  private newDoc(t: Tracked, suffix: string): Doc {
    const uri = vscode.Uri.from({ scheme: TERMINAL_SCHEME, path: `/${t.id}/${uriName(t.name)}${suffix}` });
    const doc: Doc = {
      uri,
      key: uri.toString(),
      transcript: new Transcript(),
      opened: false,
      queue: Promise.resolve(),
    };
    this.docs.set(doc.key, { doc, tracked: t });
    return doc;
  }

  private onExecution(e: vscode.TerminalShellExecutionStartEvent): void {
    if (!settings().terminals) return;
    // read() must be called at once: output printed before the call is lost.
    const stream = e.execution.read();
    const t = this.track(e.terminal);
    t.live ??= this.newDoc(t, '');
    const doc = t.live;
    void (async () => {
      try {
        for await (const chunk of stream) this.push(doc, chunk);
      } catch (err) {
        this.client.output.warn(`reading terminal '${t.name}': ${String(err)}`);
      }
    })();
  }

  private push(doc: Doc, chunk: string): void {
    const changes = doc.transcript.append(chunk);
    if (changes.length === 0) return;
    if (doc.opened) {
      const version = doc.transcript.version;
      this.send(doc, () =>
        this.client.languageClient?.sendNotification(DidChangeTextDocumentNotification.type, {
          textDocument: { uri: doc.key, version },
          contentChanges: changes,
        }),
      );
    } else {
      this.open(doc);
    }
    this.refresh(doc);
  }

  private send(doc: Doc, f: () => Promise<void> | undefined): void {
    doc.queue = doc.queue
      .then(f)
      .catch((err) => this.client.output.warn(`terminal document ${doc.key}: ${String(err)}`));
  }

  private open(doc: Doc): void {
    if (!this.client.isRunning() || !settings().terminals) return;
    doc.opened = true;
    const { text, version } = doc.transcript;
    this.send(doc, () =>
      this.client.languageClient?.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri: doc.key, languageId: LANGUAGE_ID, version, text },
      }),
    );
  }

  private close(doc: Doc): void {
    if (!doc.opened) return;
    doc.opened = false;
    if (!this.client.isRunning()) return;
    this.send(doc, () =>
      this.client.languageClient?.sendNotification(DidCloseTextDocumentNotification.type, {
        textDocument: { uri: doc.key },
      }),
    );
  }

  /** The server (re)started: it knows no terminal document yet. */
  onServerRunning(): void {
    this.linkCache.clear();
    for (const { doc } of this.docs.values()) {
      doc.opened = false;
      doc.queue = Promise.resolve();
      this.open(doc);
    }
  }

  onServerStopped(): void {
    for (const { doc } of this.docs.values()) doc.opened = false;
  }

  /** `errsig.terminals.enabled` changed. */
  onSettingsChanged(): void {
    if (settings().terminals) {
      for (const { doc } of this.docs.values()) this.open(doc);
    } else {
      for (const { doc } of this.docs.values()) this.close(doc);
    }
  }

  private onClose(terminal: vscode.Terminal): void {
    const t = this.terminals.get(terminal);
    if (!t) return;
    this.terminals.delete(terminal);
    for (const doc of [t.live, t.buffer]) {
      if (!doc) continue;
      this.close(doc);
      this.docs.delete(doc.key);
    }
  }

  private refresh(doc: Doc): void {
    this.pendingRefresh.add(doc.key);
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
      for (const key of this.pendingRefresh) if (open.has(key)) this.changed.fire(vscode.Uri.parse(key));
      this.pendingRefresh.clear();
    }, 200);
  }

  // --- the read-only display -------------------------------------------------

  provideTextDocumentContent(uri: vscode.Uri): string {
    const entry = this.docs.get(uri.toString());
    if (!entry) return '(errsig: this terminal is closed; its transcript is gone)\n';
    return displayText(entry.doc.transcript.text);
  }

  /** The transcript of a terminal (the active one by default), opened in an editor. */
  async showTranscript(
    terminal = vscode.window.activeTerminal,
    range?: vscode.Range,
  ): Promise<vscode.TextEditor | undefined> {
    const t = terminal && this.terminals.get(terminal);
    const doc = t?.live ?? t?.buffer;
    if (!doc) {
      void vscode.window.showInformationMessage(
        'errsig: no transcript for this terminal yet (its commands are read through shell integration; try "errsig: Scan Terminal Buffer").',
      );
      return undefined;
    }
    return this.reveal(doc.uri, range);
  }

  private async reveal(uri: vscode.Uri, range?: vscode.Range): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, {
      preview: false,
      selection: range ? new vscode.Range(range.start, range.start) : undefined,
    });
    if (range) editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    return editor;
  }

  // --- notifications ---------------------------------------------------------

  onDiagnostics(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void {
    if (uri.scheme !== TERMINAL_SCHEME) return;
    const entry = this.docs.get(uri.toString());
    if (!entry) return;
    const fresh = diagnostics.filter((d) => {
      const key = `${String(typeof d.code === 'object' ? d.code.value : d.code)}|${d.message}`;
      if (entry.tracked.notified.has(key)) return false;
      entry.tracked.notified.add(key);
      return true;
    });
    const [first] = fresh;
    if (first === undefined || !settings().terminals || !settings().notifications) return;
    void this.notify(entry.tracked, uri, first, fresh.length - 1);
  }

  private async notify(t: Tracked, uri: vscode.Uri, d: vscode.Diagnostic, more: number): Promise<void> {
    const status = (d as vscode.Diagnostic & { data?: { status?: unknown } }).data?.status;
    let text = notificationText(t.name, d.message, status);
    if (more > 0) text += ` (and ${more} more)`;
    const show =
      d.severity === vscode.DiagnosticSeverity.Error
        ? vscode.window.showErrorMessage
        : vscode.window.showWarningMessage;
    const pick = await show(text, 'Explain', 'Fix…');
    if (!pick) return;
    const entry = this.docs.get(uri.toString());
    // The transcript may have moved (trimmed) since: use the current diagnostic.
    const current = this.client.languageClient?.diagnostics?.get(uri)?.find((x) => x.message === d.message) ?? d;
    await this.reveal(entry ? entry.doc.uri : uri, current.range);
    if (pick === 'Explain') await vscode.commands.executeCommand('editor.action.showHover');
    else await pickFix(uri, current.range);
  }

  // --- terminal links ---------------------------------------------------------

  async provideTerminalLinks(
    context: vscode.TerminalLinkContext,
    token: vscode.CancellationToken,
  ): Promise<ErrsigTerminalLink[]> {
    const line = context.line;
    const client = this.client.languageClient;
    if (!client || !this.client.isRunning() || line.trim().length < 8 || line.length > 16384) return [];
    let found = this.linkCache.get(line);
    if (!found) {
      try {
        found = await client.sendRequest<TextFinding[]>(SCAN_TEXT, { text: line }, token);
      } catch {
        return [];
      }
      if (this.linkCache.size > 500) this.linkCache.clear();
      this.linkCache.set(line, found);
    }
    return found
      .filter((f) => f.line === 0)
      .map((f) => {
        const end = f.endLine === 0 ? Math.min(f.endCharacter, line.length) : line.length;
        return {
          startIndex: f.startCharacter,
          length: Math.max(1, end - f.startCharacter),
          tooltip: `errsig: ${f.message} — open the explanation`,
          rule: f.rule,
        };
      });
  }

  handleTerminalLink(link: ErrsigTerminalLink): void {
    void vscode.commands.executeCommand('errsig.explainRule', link.rule);
  }

  // --- fallback: the terminal's buffer -----------------------------------------

  /**
   * Sends the whole buffer of a terminal (what the user can scroll through,
   * soft wraps joined by the terminal's copy) as a document. For output the
   * shell-integration stream did not deliver.
   */
  async scanBuffer(terminal = vscode.window.activeTerminal): Promise<void> {
    if (!terminal) {
      void vscode.window.showInformationMessage('errsig: no active terminal to scan.');
      return;
    }
    if (!this.client.isRunning()) {
      void vscode.window.showWarningMessage('errsig: the language server is not running.');
      return;
    }
    const saved = await vscode.env.clipboard.readText();
    const marker = `errsig-${Date.now()}-${Math.random()}`;
    await vscode.env.clipboard.writeText(marker);
    terminal.show(true);
    let text = '';
    try {
      await vscode.commands.executeCommand('workbench.action.terminal.selectAll');
      await vscode.commands.executeCommand('workbench.action.terminal.copySelection');
      await vscode.commands.executeCommand('workbench.action.terminal.clearSelection');
      text = await vscode.env.clipboard.readText();
    } finally {
      await vscode.env.clipboard.writeText(saved);
    }
    if (!text || text === marker) {
      void vscode.window.showWarningMessage("errsig: could not copy the terminal's buffer.");
      return;
    }
    const t = this.track(terminal);
    if (t.buffer) {
      this.close(t.buffer);
      this.docs.delete(t.buffer.key);
    }
    const doc = this.newDoc(t, '-buffer');
    t.buffer = doc;
    doc.transcript.append(text.endsWith('\n') ? text : `${text}\n`);
    this.open(doc);
    this.client.output.info(
      `scanned the buffer of terminal '${t.name}' (${doc.transcript.lineCount - 1} lines) as ${doc.key}`,
    );
  }
}

/**
 * The server's quick fixes at a range, in a quick pick; runs the one chosen.
 * A transcript is read-only, and VS Code's own Quick Fix (Ctrl+.) is disabled
 * in read-only editors: this is how its fixes are reached (the notification's
 * "Fix…" and the command "errsig: Fix…").
 */
export async function pickFix(uri: vscode.Uri, range: vscode.Range): Promise<void> {
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  const items: { label: string; command: vscode.Command }[] = [];
  for (const a of actions) {
    // A Command has a string `command`; a CodeAction an optional Command.
    const command = typeof a.command === 'string' ? (a as vscode.Command) : (a as vscode.CodeAction).command;
    if (command?.command.startsWith('errsig.')) items.push({ label: a.title, command });
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage('errsig: no fix here.');
    return;
  }
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Fix this API error' });
  if (pick) await vscode.commands.executeCommand(pick.command.command, ...(pick.command.arguments ?? []));
}
