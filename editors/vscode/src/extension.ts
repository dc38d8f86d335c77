/**
 * errsig for VS Code: Anthropic API errors in log files and integrated
 * terminals, explained and fixed by the `errsig lsp` language server.
 */
import * as vscode from 'vscode';
import { type ClientState, ErrsigClient } from './client';
import { registerCommands } from './commands';
import { RESTART_KEYS } from './config';
import { TerminalTracker } from './terminal';

class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('errsig.status', vscode.StatusBarAlignment.Left, 10);
  private state: ClientState = { kind: 'stopped' };
  private count = 0;

  constructor() {
    this.item.name = 'errsig';
    this.render();
    this.item.show();
  }

  setState(state: ClientState): void {
    this.state = state;
    this.render();
  }

  setCount(count: number): void {
    this.count = count;
    this.render();
  }

  private render(): void {
    const s = this.state;
    const findings = `${this.count} API error${this.count === 1 ? '' : 's'} found`;
    this.item.backgroundColor = undefined;
    switch (s.kind) {
      case 'running':
        this.item.text = this.count > 0 ? `$(warning) errsig ${this.count}` : '$(check) errsig';
        this.item.tooltip = `errsig ${s.version} (${s.path}): ${findings}. Click for the problems.`;
        this.item.command = this.count > 0 ? 'workbench.actions.view.problems' : 'errsig.showOutput';
        break;
      case 'starting':
        this.item.text = '$(loading~spin) errsig';
        this.item.tooltip = 'errsig: starting the language server';
        this.item.command = 'errsig.showOutput';
        break;
      case 'stopped':
        this.item.text = '$(circle-slash) errsig';
        this.item.tooltip = 'errsig: the language server is stopped. Click to restart it.';
        this.item.command = 'errsig.restartServer';
        break;
      case 'failed':
        this.item.text = '$(error) errsig';
        this.item.tooltip = s.message;
        this.item.command = 'errsig.showOutput';
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}

let client: ErrsigClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('errsig', { log: true });
  const status = new StatusItem();
  let terminals: TerminalTracker | undefined;
  client = new ErrsigClient(context, output, {
    onState: (state) => {
      status.setState(state);
      if (state.kind === 'running') terminals?.onServerRunning();
      if (state.kind === 'stopped' || state.kind === 'failed') {
        terminals?.onServerStopped();
        status.setCount(0);
      }
    },
    onDiagnostics: (uri, diagnostics) => {
      status.setCount(client?.findingCount() ?? 0);
      terminals?.onDiagnostics(uri, diagnostics);
    },
  });
  terminals = new TerminalTracker(client);
  const c = client;
  context.subscriptions.push(
    output,
    status,
    terminals.register(),
    ...registerCommands(client, terminals),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) void c.restart();
      else if (e.affectsConfiguration('errsig.terminals')) terminals?.onSettingsChanged();
    }),
    // Trust widens what may run (errsig.server.path, PATH): look again.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void c.restart()),
    { dispose: () => void c.dispose() },
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
