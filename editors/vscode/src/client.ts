/**
 * The language client: finds the server binary, starts `errsig lsp --stdio`,
 * and holds the middleware that makes VS Code and the server agree.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  type ConfigurationParams,
  type FeatureState,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  type StaticFeature,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  CHANGING_COMMANDS,
  CLIENT_COMMAND_IDS,
  documentSelector,
  readSettings,
  serverSettings,
  TERMINAL_SCHEME,
} from './config';
import { type Discovery, discover } from './server-binary';

export type { TextFinding } from './lsp_ext';

export type ClientState =
  | { kind: 'starting' }
  | { kind: 'running'; path: string; version: string }
  | { kind: 'stopped' }
  | { kind: 'failed'; message: string };

export interface ClientHooks {
  /** After the client published diagnostics for a document (push). */
  onDiagnostics(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void;
  onState(state: ClientState): void;
}

export function settings() {
  return readSettings(vscode.workspace.getConfiguration('errsig'));
}

/**
 * The server chooses push diagnostics when the client does not announce pull
 * support. Push is what errsig needs: terminal transcripts are synced by the
 * extension, not by VS Code's document model, so the client would never pull
 * their diagnostics; and a suppression republishes at once.
 */
const pushDiagnosticsOnly: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    if (capabilities.textDocument) delete capabilities.textDocument.diagnostic;
  },
  initialize(): void {},
  getState(): FeatureState {
    return { kind: 'static' };
  },
  clear(): void {},
};

export class ErrsigClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  state: ClientState = { kind: 'stopped' };
  discovery: Discovery | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly hooks: ClientHooks,
  ) {}

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** The binary in use (for the CLI: explain, rules, doctor). */
  get binary(): string | undefined {
    return this.discovery?.ok ? this.discovery.path : undefined;
  }

  isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  private setState(state: ClientState): void {
    this.state = state;
    this.hooks.onState(state);
  }

  async findBinary(): Promise<Discovery> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    this.discovery = await discover({
      settingPath: settings().serverPath,
      extensionPath: this.context.extensionPath,
      trusted: vscode.workspace.isTrusted,
      envPath: process.env.PATH,
      platform: process.platform,
      home: os.homedir(),
      workspaceFolder: folder?.scheme === 'file' ? folder.fsPath : undefined,
    });
    for (const a of this.discovery.attempts) this.output.info(`server discovery: ${a.source} ${a.path}: ${a.problem}`);
    return this.discovery;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    this.setState({ kind: 'starting' });
    const found = await this.findBinary();
    if (!found.ok) {
      this.output.error(found.message);
      this.setState({ kind: 'failed', message: found.message });
      void vscode.window.showErrorMessage(found.message, 'Open Settings', 'Show Log').then((pick) => {
        if (pick === 'Open Settings')
          void vscode.commands.executeCommand('workbench.action.openSettings', 'errsig.server.path');
        if (pick === 'Show Log') this.output.show();
      });
      return;
    }
    this.output.info(`using ${found.path} (errsig ${found.version}, ${found.source})`);
    const client = new LanguageClient('errsig', 'errsig', this.serverOptions(found.path), this.clientOptions());
    client.registerFeature(pushDiagnosticsOnly);
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.setState({ kind: 'running', path: found.path, version: found.version });
      else if (e.newState === State.Stopped) this.setState({ kind: 'stopped' });
      else this.setState({ kind: 'starting' });
    });
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      const message = `errsig: the language server (${found.path}) failed to start: ${e instanceof Error ? e.message : String(e)}`;
      this.output.error(message);
      this.client = undefined;
      this.setState({ kind: 'failed', message });
      void vscode.window.showErrorMessage(message, 'Show Log').then((p) => p && this.output.show());
    }
  }

  async stop(): Promise<void> {
    await this.starting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(3000);
      } catch (e) {
        this.output.warn(`stopping the server: ${String(e)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.setState({ kind: 'stopped' });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private serverOptions(path: string): ServerOptions {
    const env = { ...process.env };
    if (settings().trace === 'verbose' && !env.ERRSIG_LOG) env.ERRSIG_LOG = 'errsig=debug';
    // TransportKind.stdio appends `--stdio`, which `errsig lsp` accepts.
    return { command: path, args: ['lsp'], transport: TransportKind.stdio, options: { env } };
  }

  private clientOptions(): LanguageClientOptions {
    const hooks = this.hooks;
    const output = this.output;
    const isTerminal = (uri: vscode.Uri) => uri.scheme === TERMINAL_SCHEME;
    return {
      documentSelector: documentSelector(settings().plainText),
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => ({
        clientCommands: [...CLIENT_COMMAND_IDS],
        // The server offers no suppress/doctor-fix actions and refuses
        // errsig.suppress / errsig.doctor.fix when this is false (it defaults
        // to true). Granting trust restarts the server (extension.ts).
        trusted: vscode.workspace.isTrusted,
        settings: serverSettings(settings(), vscode.workspace.isTrusted),
      }),
      // The server re-pulls section "errsig" (answered by the middleware below)
      // on every change of it.
      synchronize: { configurationSection: 'errsig' },
      middleware: {
        // Terminal transcripts are synced by TerminalTracker with the raw
        // output; VS Code's own copy (the read-only display) must not reach
        // the server.
        didOpen: (doc, next) => (isTerminal(doc.uri) ? Promise.resolve() : next(doc)),
        didChange: (e, next) => (isTerminal(e.document.uri) ? Promise.resolve() : next(e)),
        didSave: (doc, next) => (isTerminal(doc.uri) ? Promise.resolve() : next(doc)),
        didClose: (doc, next) => (isTerminal(doc.uri) ? Promise.resolve() : next(doc)),
        handleDiagnostics: (uri, diagnostics, next) => {
          next(uri, diagnostics);
          try {
            hooks.onDiagnostics(uri, diagnostics);
          } catch (e) {
            output.error(`diagnostics hook: ${String(e)}`);
          }
        },
        provideCodeActions: async (document, range, context, token, next) => {
          const actions = await next(document, range, context, token);
          if (!actions || vscode.workspace.isTrusted) return actions;
          return actions.filter((a) => {
            const command = a instanceof vscode.CodeAction ? a.command?.command : a.command;
            return !command || !CHANGING_COMMANDS.includes(command);
          });
        },
        executeCommand: (command, args, next) => {
          if (!vscode.workspace.isTrusted && CHANGING_COMMANDS.includes(command)) {
            void vscode.window.showWarningMessage(
              `errsig: "${command}" changes files or runs programs and is disabled in an untrusted workspace.`,
            );
            return undefined;
          }
          return next(command, args);
        },
        workspace: {
          configuration: async (params: ConfigurationParams, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) return values;
            return params.items.map((item, i) =>
              item.section === 'errsig' ? serverSettings(settings(), vscode.workspace.isTrusted) : values[i],
            );
          },
        },
      },
    };
  }

  /** Number of diagnostics the server published, over all documents. */
  findingCount(): number {
    let n = 0;
    this.client?.diagnostics?.forEach((_uri, diagnostics) => {
      n += diagnostics.length;
    });
    return n;
  }
}
