/**
 * The extension's settings (`errsig.*`) and the server's view of them.
 *
 * VS Code's `errsig` section is not the server's settings object: it holds
 * client-only keys (`server.path`, `trace.server`, …) and nests booleans
 * (`terminals.enabled`), while the server (which rejects unknown fields) wants
 * `{severity, terminals, liveCheck, reportDir?}`. `serverSettings` is the one
 * translation, used for `initializationOptions.settings` and for every
 * `workspace/configuration` request of section `errsig`.
 *
 * No `vscode` import: unit-tested under `node --test`.
 */
import { CLIENT_COMMANDS, SERVER_CHANGING } from './lsp_ext';

export type Severity = 'error' | 'warning' | 'info';

/** What `workspace.getConfiguration('errsig')` is asked through. */
export interface ConfigGetter {
  get<T>(key: string): T | undefined;
}

export interface Settings {
  serverPath: string;
  terminals: boolean;
  notifications: boolean;
  plainText: boolean;
  severity: Record<string, Severity>;
  liveCheck: boolean;
  reportDir: string;
  trace: 'off' | 'messages' | 'verbose';
}

/** The settings object the server accepts (section `errsig`). */
export interface ServerSettings {
  severity: Record<string, Severity>;
  terminals: boolean;
  liveCheck: boolean;
  reportDir?: string;
}

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function readSettings(cfg: ConfigGetter): Settings {
  const severity: Record<string, Severity> = {};
  const raw = cfg.get<unknown>('severity');
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [rule, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value === 'string' && SEVERITIES.includes(value)) severity[rule] = value as Severity;
    }
  }
  const trace = cfg.get<unknown>('trace.server');
  return {
    serverPath: str(cfg.get('server.path')),
    terminals: bool(cfg.get('terminals.enabled'), true),
    notifications: bool(cfg.get('terminals.notifications'), true),
    plainText: bool(cfg.get('plainText.enabled'), false),
    severity,
    liveCheck: bool(cfg.get('liveCheck.enabled'), false),
    reportDir: str(cfg.get('reportDir')).trim(),
    trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
  };
}

export function serverSettings(s: Settings, trusted: boolean): ServerSettings {
  const out: ServerSettings = { severity: s.severity, terminals: s.terminals, liveCheck: s.liveCheck };
  // reportDir is a restricted setting: in an untrusted workspace a workspace
  // value must not choose where files are written.
  if (s.reportDir && trusted) out.reportDir = s.reportDir;
  return out;
}

/** Settings whose change needs a new server process (or a new client). */
export const RESTART_KEYS = ['errsig.server.path', 'errsig.plainText.enabled'] as const;

/** The documents the language client syncs, hovers and fixes. */
export function documentSelector(plainText: boolean): { scheme: string; language?: string; pattern?: string }[] {
  const sel: { scheme: string; language?: string; pattern?: string }[] = [
    { scheme: 'file', language: 'log' },
    { scheme: 'untitled', language: 'log' },
    { scheme: 'file', pattern: '**/*.log' },
    // Terminal transcripts: the extension syncs them itself (the client's own
    // didOpen/didChange/didClose for them are dropped by the middleware); the
    // selector entry gives them hover and code actions.
    { scheme: TERMINAL_SCHEME },
  ];
  if (plainText) {
    sel.push({ scheme: 'file', language: 'plaintext' }, { scheme: 'untitled', language: 'plaintext' });
  }
  return sel;
}

export const TERMINAL_SCHEME = 'errsig-terminal';

/** Client-side command ids this extension implements (`initializationOptions.clientCommands`). */
export const CLIENT_COMMAND_IDS: readonly string[] = Object.values(CLIENT_COMMANDS);

/** Commands (client- or server-side) that change something: disabled in untrusted workspaces. */
export const CHANGING_COMMANDS: readonly string[] = [CLIENT_COMMANDS.runInTerminal, ...SERVER_CHANGING];
