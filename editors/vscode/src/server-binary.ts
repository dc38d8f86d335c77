/**
 * Finding the `errsig` binary that runs the language server.
 *
 * Order (the first that answers `errsig --version` wins):
 *   1. the `errsig.server.path` setting (`~` expanded, relative to the first
 *      workspace folder) — only in a trusted workspace;
 *   2. the binary bundled in the extension (`server/errsig`);
 *   3. `errsig` on `PATH` — only in a trusted workspace.
 * In an untrusted workspace only the bundled binary may run: a workspace's
 * settings or its `PATH` entries must not choose a program to execute.
 *
 * No `vscode` import: unit-tested under `node --test`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Source = 'setting' | 'bundled' | 'path';

export interface Candidate {
  source: Source;
  path: string;
}

export interface DiscoveryInput {
  /** The `errsig.server.path` setting ('' when unset). */
  settingPath: string;
  /** The extension's install directory. */
  extensionPath: string;
  trusted: boolean;
  /** `PATH`. */
  envPath: string | undefined;
  platform: NodeJS.Platform;
  home: string;
  workspaceFolder?: string;
}

export interface Attempt {
  source: Source;
  path: string;
  /** Why it was not used. */
  problem: string;
}

export type Discovery =
  | { ok: true; path: string; version: string; source: Source; attempts: Attempt[] }
  | { ok: false; attempts: Attempt[]; message: string };

/** Returns the version printed by `--version`, or throws with the reason. */
export type Validate = (binary: string) => Promise<string>;

export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'errsig.exe' : 'errsig';
}

export function bundledPath(extensionPath: string, platform: NodeJS.Platform): string {
  return path.join(extensionPath, 'server', binaryName(platform));
}

export function expandSetting(value: string, home: string, workspaceFolder?: string): string {
  let p = value.trim();
  if (p === '~' || p.startsWith('~/')) p = path.join(home, p.slice(1));
  if (!path.isAbsolute(p) && workspaceFolder) p = path.join(workspaceFolder, p);
  return p;
}

/** Every executable named errsig in `PATH`, in order. */
export function searchPath(
  envPath: string | undefined,
  platform: NodeJS.Platform,
  isFile: (p: string) => boolean = isExecutableFile,
): string[] {
  const name = binaryName(platform);
  const sep = platform === 'win32' ? ';' : ':';
  const out: string[] = [];
  for (const dir of (envPath ?? '').split(sep)) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would resolve in the workspace
    const p = path.join(dir, name);
    if (isFile(p) && !out.includes(p)) out.push(p);
  }
  return out;
}

export function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The candidates in order, and those skipped with the reason. */
export function candidates(
  input: DiscoveryInput,
  isFile: (p: string) => boolean = isExecutableFile,
): { candidates: Candidate[]; skipped: Attempt[] } {
  const list: Candidate[] = [];
  const skipped: Attempt[] = [];
  const setting = input.settingPath.trim();
  if (setting) {
    const p = expandSetting(setting, input.home, input.workspaceFolder);
    if (input.trusted) list.push({ source: 'setting', path: p });
    else skipped.push({ source: 'setting', path: p, problem: 'ignored: the workspace is not trusted' });
  }
  list.push({ source: 'bundled', path: bundledPath(input.extensionPath, input.platform) });
  if (input.trusted) {
    const found = searchPath(input.envPath, input.platform, isFile);
    if (found.length === 0) {
      skipped.push({ source: 'path', path: binaryName(input.platform), problem: 'not found on PATH' });
    }
    for (const p of found) list.push({ source: 'path', path: p });
  } else {
    skipped.push({
      source: 'path',
      path: binaryName(input.platform),
      problem: 'PATH is not searched: the workspace is not trusted',
    });
  }
  return { candidates: list, skipped };
}

/** `errsig 0.1.0` → `0.1.0`. */
export function parseVersion(stdout: string): string | undefined {
  const m = /^errsig (\d+\.\d+\.\d+\S*)\s*$/m.exec(stdout.trim());
  return m?.[1];
}

/** Runs `BINARY --version` (5 s at most). */
export const runVersion: Validate = (binary) =>
  new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 5000, windowsHide: true }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(
          new Error(
            code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : err.message.split('\n')[0],
          ),
        );
        return;
      }
      const v = parseVersion(String(stdout));
      if (v) resolve(v);
      else
        reject(
          new Error(`\`--version\` printed ${JSON.stringify(String(stdout).trim().slice(0, 60))}, not "errsig X.Y.Z"`),
        );
    });
  });

export async function discover(
  input: DiscoveryInput,
  validate: Validate = runVersion,
  isFile: (p: string) => boolean = isExecutableFile,
): Promise<Discovery> {
  const { candidates: list, skipped } = candidates(input, isFile);
  const attempts: Attempt[] = [...skipped];
  for (const c of list) {
    try {
      const version = await validate(c.path);
      return { ok: true, path: c.path, version, source: c.source, attempts };
    } catch (e) {
      attempts.push({ ...c, problem: e instanceof Error ? e.message : String(e) });
    }
  }
  return { ok: false, attempts, message: notFoundMessage(attempts, input.trusted) };
}

const LABEL: Record<Source, string> = {
  setting: 'errsig.server.path',
  bundled: 'bundled with the extension',
  path: 'PATH',
};

/** What went wrong and how to fix it, for a notification and the log. */
export function notFoundMessage(attempts: Attempt[], trusted: boolean): string {
  const tried = attempts.map((a) => `${LABEL[a.source]} (${a.path}): ${a.problem}`).join('; ');
  const fix = trusted
    ? 'Install errsig so that `errsig --version` works on PATH (`cargo install --locked --path server` in a checkout of the errsig repository, or a release archive; or install the .vsix for your platform, which bundles it), or set "errsig.server.path" to the binary.'
    : 'This workspace is not trusted, so only a server bundled with the extension may run and this build has none. Trust the workspace to use "errsig.server.path" or errsig on PATH, or install a .vsix that bundles the server.';
  return `errsig: no working language server found. ${fix} Tried: ${tried}.`;
}
