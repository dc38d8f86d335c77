/**
 * Commands: the client-side ids of the server's command registry
 * (`errsig.runInTerminal`, `errsig.openReport`; see ARCHITECTURE.md) and the
 * palette commands.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { ErrsigClient } from './client';
import { settings, type TextFinding } from './client';
import { documentSelector, TERMINAL_SCHEME } from './config';
import { CLIENT_COMMANDS, SCAN_TEXT } from './lsp_ext';
import { pickFix, type TerminalTracker } from './terminal';

interface RunArgs {
  command: string;
  title?: string;
}

interface ReportArgs {
  title?: string;
  markdown: string;
}

/** Quote for a POSIX shell (or cmd on Windows, where paths rarely need it). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(s)) return s;
  return process.platform === 'win32' ? `"${s}"` : `'${s.replace(/'/g, `'\\''`)}'`;
}

function cli(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 15000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      // `errsig explain` and `rules` exit 0; scan exits 1 on findings.
      if (err && !stdout) reject(new Error(String(stderr || err.message).trim()));
      else resolve(String(stdout));
    });
  });
}

function untrusted(what: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window.showWarningMessage(
    `errsig: ${what} is disabled in an untrusted workspace (it runs a program or changes files).`,
  );
  return true;
}

export function registerCommands(client: ErrsigClient, terminals: TerminalTracker): vscode.Disposable[] {
  const scanResults = vscode.languages.createDiagnosticCollection('errsig-scan');

  const runInTerminal = (args: RunArgs | undefined) => {
    if (!args || typeof args.command !== 'string' || args.command.trim() === '') {
      throw new Error('errsig.runInTerminal needs {command}');
    }
    if (untrusted(`Running \`${args.command}\``)) return;
    const name = 'errsig';
    const terminal =
      vscode.window.terminals.find((t) => t.name === name && t.exitStatus === undefined) ??
      vscode.window.createTerminal({ name });
    terminal.show(false);
    terminal.sendText(args.command, true);
  };

  const openReport = async (args: ReportArgs | undefined) => {
    if (!args || typeof args.markdown !== 'string') throw new Error('errsig.openReport needs {markdown}');
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: args.markdown });
    await vscode.window.showTextDocument(document, { preview: false });
  };

  const needBinary = (): string | undefined => {
    const b = client.binary;
    if (!b) {
      void vscode.window.showErrorMessage(
        client.state.kind === 'failed' ? client.state.message : 'errsig: the server binary has not been found yet.',
      );
    }
    return b;
  };

  const explainRule = async (rule?: unknown) => {
    const binary = needBinary();
    if (!binary) return;
    let id = typeof rule === 'string' ? rule : undefined;
    if (!id) {
      // The finding under the cursor, else a pick from the catalog.
      const editor = vscode.window.activeTextEditor;
      if (editor) {
        const at = editor.selection.active;
        const all = [
          ...(client.languageClient?.diagnostics?.get(editor.document.uri) ?? []),
          ...(scanResults.get(editor.document.uri) ?? []),
        ];
        const d = all.find((x) => x.range.contains(at) || x.range.start.line === at.line);
        if (d) id = String(typeof d.code === 'object' ? d.code.value : d.code);
      }
    }
    if (!id) {
      const rules = (await cli(binary, ['rules']))
        .split('\n')
        .map((l) => /^(\S+)\s+(error|warning|info)\s+(.*)$/.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ label: m[1] ?? '', description: m[2], detail: m[3] }));
      const pick = await vscode.window.showQuickPick(rules, {
        placeHolder: 'Explain which errsig rule?',
        matchOnDetail: true,
      });
      if (!pick) return;
      id = pick.label;
    }
    const markdown = await cli(binary, ['explain', id]);
    await openReport({ title: id, markdown });
  };

  const doctor = () => {
    const binary = needBinary();
    if (!binary || untrusted('Run Doctor')) return;
    runInTerminal({ command: `${shellQuote(binary)} doctor`, title: 'errsig doctor' });
  };

  const scanFile = async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('errsig: open a file to scan.');
      return;
    }
    const doc = editor.document;
    const lc = client.languageClient;
    if (!lc || !client.isRunning()) {
      void vscode.window.showWarningMessage('errsig: the language server is not running.');
      return;
    }
    if (vscode.languages.match(documentSelector(settings().plainText), doc) > 0) {
      // Already scanned live (log files, transcripts).
      const n = lc.diagnostics?.get(doc.uri)?.length ?? 0;
      void vscode.window.showInformationMessage(
        `errsig: ${n === 0 ? 'no API error' : `${n} API error${n > 1 ? 's' : ''}`} in ${vscode.workspace.asRelativePath(doc.uri)}.`,
      );
      if (n > 0) void vscode.commands.executeCommand('workbench.actions.view.problems');
      return;
    }
    const found = await lc.sendRequest<TextFinding[]>(SCAN_TEXT, { text: doc.getText() });
    scanResults.set(
      doc.uri,
      found.map((f) => {
        const d = new vscode.Diagnostic(
          new vscode.Range(f.line, f.startCharacter, f.endLine, f.endCharacter),
          f.message,
          vscode.DiagnosticSeverity.Error,
        );
        d.source = 'errsig';
        d.code = f.rule;
        return d;
      }),
    );
    void vscode.window.showInformationMessage(
      `errsig: ${found.length === 0 ? 'no API error' : `${found.length} API error${found.length > 1 ? 's' : ''}`} in ${vscode.workspace.asRelativePath(doc.uri)} (a one-time scan: it is not updated as you edit).`,
    );
  };

  return [
    scanResults,
    vscode.workspace.onDidCloseTextDocument((d) => scanResults.delete(d.uri)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.runInTerminal, runInTerminal),
    vscode.commands.registerCommand(CLIENT_COMMANDS.openReport, openReport),
    // Not `errsig.doctor`: that id is the server's (the language client
    // registers it), which shows the doctor's report as a document.
    vscode.commands.registerCommand('errsig.doctorInTerminal', doctor),
    vscode.commands.registerCommand('errsig.explainRule', (rule?: unknown) =>
      explainRule(rule).catch((e) =>
        vscode.window.showErrorMessage(`errsig: ${e instanceof Error ? e.message : String(e)}`),
      ),
    ),
    vscode.commands.registerCommand('errsig.scanFile', () =>
      scanFile().catch((e) => vscode.window.showErrorMessage(`errsig: ${e instanceof Error ? e.message : String(e)}`)),
    ),
    vscode.commands.registerCommand('errsig.scanTerminalBuffer', () => terminals.scanBuffer()),
    vscode.commands.registerCommand('errsig.showTranscript', () => {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.uri.scheme === TERMINAL_SCHEME) return editor;
      return terminals.showTranscript();
    }),
    vscode.commands.registerCommand('errsig.fix', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      await pickFix(editor.document.uri, editor.selection);
    }),
    vscode.commands.registerCommand('errsig.restartServer', () => client.restart()),
    vscode.commands.registerCommand('errsig.showOutput', () => client.output.show()),
  ];
}
