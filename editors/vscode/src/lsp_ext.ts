/**
 * errsig's protocol extensions, mirrored from the server's
 * `server/src/lsp/ext.rs`: the command registry and the `errsig/*` methods
 * with their types. `test/unit/lsp_ext.test.ts` starts the real server and
 * checks these against what it advertises (`capabilities.experimental.errsig`),
 * so a renamed id fails there, not in a user's editor.
 *
 * No `vscode` import: unit-tested under `node --test`.
 */

/** Commands the server executes (listed in its `executeCommandProvider`). */
export const SERVER_COMMANDS = {
  explain: 'errsig.explain',
  writeReport: 'errsig.writeReport',
  suppress: 'errsig.suppress',
  showCommand: 'errsig.showCommand',
  doctor: 'errsig.doctor',
  doctorProbe: 'errsig.doctor.probe',
  doctorFix: 'errsig.doctor.fix',
} as const;

/** Server commands that change files or send data: refused in an untrusted workspace. */
export const SERVER_CHANGING: readonly string[] = [
  SERVER_COMMANDS.suppress,
  SERVER_COMMANDS.doctorProbe,
  SERVER_COMMANDS.doctorFix,
];

/** Commands the editor runs itself, offered by the server only when listed in `clientCommands`. */
export const CLIENT_COMMANDS = {
  runInTerminal: 'errsig.runInTerminal',
  openReport: 'errsig.openReport',
} as const;

/** `errsig/terminalWidth` (notification). */
export const TERMINAL_WIDTH = 'errsig/terminalWidth';
/** `errsig/scanText` (request). */
export const SCAN_TEXT = 'errsig/scanText';
/** `errsig/debugStats` (request). */
export const DEBUG_STATS = 'errsig/debugStats';
/** Every `errsig/*` method. */
export const METHODS = [TERMINAL_WIDTH, SCAN_TEXT, DEBUG_STATS] as const;
/** The most text `errsig/scanText` takes, in bytes. */
export const MAX_SCAN_TEXT = 4 * 1024 * 1024;

/** Params of `errsig/scanText`. */
export interface ScanTextParams {
  text: string;
  columns?: number;
}

/** One finding of `errsig/scanText`. */
export interface TextFinding {
  line: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
  rule: string;
  title: string;
  message: string;
}

/** What the server advertises in `capabilities.experimental.errsig`. */
export interface Advertised {
  commands: string[];
  clientCommands: string[];
  methods: string[];
  maxScanText: number;
}
