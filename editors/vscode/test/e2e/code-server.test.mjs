// End-to-end: the packaged extension in a real VS Code (code-server 4.139),
// driven like a person would: a log file, a hover, a quick fix, and a real
// Claude Code 403 printed in an integrated terminal.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARTIFACTS, eventually, launchBrowser, missing, REPO, startCodeServer } from './lib.mjs';

const FIXTURES = path.join(REPO, 'tests', 'fixtures', 'real');
const LOG_FIXTURE = path.join(FIXTURES, 'cc-2.0-print-permission_denied.txt');
const TERMINAL_FIXTURE = path.join(FIXTURES, 'cc-2.1-print-permission_denied.txt');
const RULE = '403-permission-denied';
const MACHINE_SETTINGS = '{"env":{"ANTHROPIC_API_KEY":"sk-ant-api03-FAKEvscodeFAKEvscode"}}';

let server;
let browser;
let page;

async function shot(name) {
  if (!page) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => undefined);
}

/** A step: on failure, a screenshot named after it. */
function step(name, fn) {
  it(name, async () => {
    try {
      await fn();
    } catch (e) {
      await shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      throw e;
    }
  });
}

async function problems() {
  const label = await page.locator('[id="status.problems"]').first().getAttribute('aria-label');
  const errors = /(\d+)\s+errors?/i.exec(label ?? '') ?? /Errors?:\s*(\d+)/i.exec(label ?? '');
  return { label, errors: errors ? Number(errors[1]) : label && /no problems/i.test(label) ? 0 : NaN };
}

/** Open the command palette; returns its widget. */
async function openPalette() {
  const widget = page.locator('.quick-input-widget');
  await eventually(
    async () => {
      if (!(await widget.isVisible())) await page.keyboard.press('F1');
      await page.waitForTimeout(200);
      return widget.isVisible();
    },
    { timeout: 10000, what: 'the command palette' },
  );
  return widget;
}

async function runCommand(title, { opensPicker = false } = {}) {
  const widget = await openPalette();
  const input = widget.locator('input').first();
  await input.fill(`>${title}`);
  await widget.locator('.monaco-list-row').filter({ hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
  if (opensPicker)
    await eventually(async () => !(await widget.locator('input').first().inputValue()).startsWith('>'), {
      what: 'the next picker',
    });
  else await widget.waitFor({ state: 'hidden' });
}

/** A fresh code-server (see startCodeServer's options) and a browser page on it. */
async function open(options = {}) {
  const gone = missing();
  if (gone.length > 0) throw new Error(`not installed: ${gone.join(', ')} — run scripts/setup.d/30-vscode.sh`);
  // A truncated (fake) key in the project's local settings: the machine's
  // cause the hover names.
  const workspaceFiles = {
    'claude.log': fs.readFileSync(LOG_FIXTURE),
    '.claude/settings.local.json': MACHINE_SETTINGS,
  };
  server = await startCodeServer({ workspaceFiles, ...options });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${server.port}` });
  page = await context.newPage();
  page.on('pageerror', (e) => fs.appendFileSync(path.join(ARTIFACTS, 'page-errors.log'), `${e.message}\n`));
  await page.goto(server.url);
}

async function close() {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  browser = undefined;
  server = undefined;
  page = undefined;
}

/** The text of every terminal on the page (xterm's DOM rows), spaces normalized. */
async function terminalText() {
  const all = await page.locator('.terminal-wrapper .xterm-rows').allInnerTexts();
  return all.join('\n').replace(/\u00a0/g, ' ');
}

/** Opens claude.log from the Explorer and waits for its squiggle and 1 error in Problems. */
async function openLogWithError() {
  await page
    .locator('.explorer-folders-view .monaco-list-row', { hasText: 'claude.log' })
    .first()
    .click({ timeout: 30000 });
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30000 });
  const p = await eventually(async () => ((await problems()).errors === 1 ? problems() : undefined), {
    what: 'Problems: 1 error',
  });
  assert.equal(p.errors, 1, p.label);
}

describe('errsig in a real VS Code (code-server)', { timeout: 240000 }, () => {
  before(async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    await open();
  });

  after(close);

  step('opens the workbench with the extension installed', async () => {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('[id="status.problems"]').first().waitFor({ timeout: 30000 });
  });

  step('a log file: squiggle and Problems count', async () => {
    await openLogWithError();
    await shot('01-log-squiggle');
  });

  step('the hover shows the full explanation', async () => {
    const box = await page.locator('.monaco-editor .squiggly-error').first().boundingBox();
    assert.ok(box, 'squiggle has a box');
    await page.mouse.move(box.x + Math.min(60, box.width / 2), box.y + box.height / 2);
    const hover = page.locator('.monaco-hover-content', { hasText: 'Fix' }).first();
    await hover.waitFor({ timeout: 20000 });
    const text = await hover.innerText();
    assert.match(text, /Permission denied/);
    assert.match(text, /Fix/);
    assert.match(text, /claude auth status/);
    // What causes it on this machine, right after the headline, and no secret.
    const flat = text.replace(/\s+/g, ' ');
    assert.match(
      flat,
      /On this machine: `?claude -p`? sends ANTHROPIC_API_KEY from the env block of \S+settings\.local\.json/,
    );
    assert.match(flat, /truncated or altered, because a cut or altered key is not a key the API knows/);
    assert.ok(flat.indexOf('On this machine') < flat.indexOf('Fix:'), 'before the fix steps');
    assert.doesNotMatch(text, /FAKEvscode/);
    await shot('02-log-hover');
    await page.mouse.move(5, 400);
    await page.keyboard.press('Escape');
  });

  step("a quick fix: Run errsig doctor runs the server's errsig.doctor and opens its report", async () => {
    await page.locator('.monaco-editor .view-line').first().click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget').first();
    await menu.locator('.monaco-list-row').first().waitFor({ timeout: 20000 });
    await menu.locator('.monaco-list-row', { hasText: 'Run errsig doctor' }).first().click();
    // window/showDocument: the report opens in a tab of its own.
    const tab = page.locator('.tab', { hasText: '-doctor.md' }).first();
    await tab.waitFor({ timeout: 30000 });
    // (Monaco renders spaces as no-break spaces: \s matches both.)
    await eventually(
      async () => /errsig\s+doctor\s+report/.test(await page.locator('.monaco-editor .view-lines').first().innerText()),
      { what: "the doctor's report in the editor" },
    );
    await shot('02b-doctor-report');
    await openLogWithError();
  });

  step('a quick fix: suppress in this file writes .errsig.toml and the error goes away', async () => {
    // Cursor on the error's line, then Quick Fix (Ctrl+.).
    await page.locator('.monaco-editor .view-line').first().click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget').first();
    await menu.locator('.monaco-list-row').first().waitFor({ timeout: 20000 });
    await shot('03-quick-fixes');
    // The machine's fix is offered (and marked preferred by the server).
    await menu
      .locator('.monaco-list-row', { hasText: 'On this machine: set ANTHROPIC_API_KEY again' })
      .first()
      .waitFor({ timeout: 10000 });
    const item = menu.locator('.monaco-list-row', { hasText: `Suppress ${RULE} in this file` }).first();
    await item.click();
    const toml = path.join(server.dirs.workspace, '.errsig.toml');
    await eventually(() => fs.existsSync(toml), { what: '.errsig.toml' });
    const written = fs.readFileSync(toml, 'utf8');
    assert.match(written, /\[\[suppress\]\]/);
    assert.match(written, new RegExp(RULE));
    assert.match(written, /claude\.log/);
    await eventually(async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0, {
      what: 'no squiggle',
    });
    await eventually(async () => (await problems()).errors === 0, { what: 'Problems: 0 errors' });
  });

  step('a Claude Code 403 printed in the integrated terminal: Problems entry and notification', async () => {
    await runCommand('Terminal: Create New Terminal');
    const rows = page.locator('.terminal-wrapper .xterm-rows').first();
    await rows.waitFor({ timeout: 30000 });
    // A prompt, and shell integration (it comes up 1–2 s after the terminal).
    await eventually(async () => /[$#]\s*$/m.test(await rows.innerText()), { what: 'a shell prompt' });
    await page.waitForTimeout(2500);
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: "in terminal 'bash'" }).first();
    // Not instant, like a real `claude` run (VS Code can lose the output of a
    // command that ends in the same millisecond it starts: see the README).
    const command = `sleep 0.5; cat ${TERMINAL_FIXTURE}`;
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
    await toast.waitFor({ timeout: 30000 });
    const text = await toast.innerText();
    assert.match(text, /Anthropic API 403 in terminal 'bash'/);
    assert.match(text, /Explain/);
    assert.match(text, /Fix/);
    await eventually(async () => (await problems()).errors === 1, { what: 'Problems: 1 error (the terminal)' });
    await shot('04-terminal-notification');
  });

  step('the notification opens the transcript at the error with the explanation', async () => {
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: "in terminal 'bash'" }).first();
    await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Explain' }).first().click();
    await page.locator('.tab', { hasText: 'bash' }).first().waitFor({ timeout: 20000 });
    const hover = page.locator('.monaco-hover-content', { hasText: 'Fix' }).first();
    await hover.waitFor({ timeout: 20000 });
    assert.match(await hover.innerText(), /Permission denied/);
    await shot('05-terminal-transcript-hover');
    await page.keyboard.press('Escape');
  });

  step('the Problems view lists the terminal finding', async () => {
    await runCommand('View: Focus Problems');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'Anthropic API 403' }).first();
    await row.waitFor({ timeout: 20000 });
    await shot('06-problems-view');
  });

  step('the terminal link provider makes the error line clickable (asks the server)', async () => {
    await runCommand('Terminal: Focus Terminal');
    const row = page.locator('.terminal-wrapper .xterm-rows > div', { hasText: 'Failed to authenticate' }).first();
    await row.waitFor({ timeout: 10000 });
    const box = await row.boundingBox();
    assert.ok(box);
    // Links are computed for the line under the mouse.
    await eventually(
      async () => {
        await page.mouse.move(box.x + 30, box.y + box.height / 2);
        await page.waitForTimeout(300);
        await page.mouse.move(box.x + 60, box.y + box.height / 2);
        return page
          .locator('.monaco-hover-content, .terminal-hover-widget', { hasText: 'errsig:' })
          .first()
          .isVisible();
      },
      { timeout: 20000, interval: 1000, what: 'the errsig link hover on the terminal line' },
    );
    await shot('07-terminal-link');
    await page.keyboard.down('Control');
    await page.mouse.click(box.x + 60, box.y + box.height / 2);
    await page.keyboard.up('Control');
    // The link opens the rule's explanation (`errsig explain RULE`) as markdown.
    await page.locator('.tab', { hasText: 'Untitled' }).first().waitFor({ timeout: 20000 });
    await page
      .locator('.monaco-editor .view-line', { hasText: 'Anthropic API refused the credential' })
      .first()
      .waitFor({ timeout: 20000 });
  });

  step('fallback: Scan Terminal Buffer sends what the terminal shows', async () => {
    const before = (await problems()).errors;
    await runCommand('Terminal: Focus Terminal');
    await runCommand('errsig: Scan Terminal Buffer');
    await eventually(async () => (await problems()).errors === before + 1, {
      what: `Problems: ${before + 1} errors (the buffer too)`,
    });
  });

  step('a fix runs: errsig: Fix… on the transcript runs `claude auth status` in a terminal', async () => {
    await runCommand('errsig: Show Terminal Transcript');
    await page.locator('.tab.active', { hasText: 'bash' }).first().waitFor({ timeout: 20000 });
    await page.locator('.monaco-editor .view-line', { hasText: 'Failed to authenticate' }).first().click();
    // Read-only (VS Code disables Ctrl+. there): "errsig: Fix…" lists the server's fixes.
    await runCommand('errsig: Fix…', { opensPicker: true });
    const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'claude auth status' }).first();
    await item.waitFor({ timeout: 20000 });
    await shot('08-terminal-fixes');
    await item.click();
    const rows = page
      .locator('.terminal-wrapper.active .xterm-rows, .terminal-wrapper .xterm-rows', { hasText: 'claude auth status' })
      .first();
    await rows.waitFor({ timeout: 20000 });
    await shot('09-fix-runs-in-terminal');
  });

  step('errsig: Run Doctor runs `errsig doctor` in a terminal', async () => {
    // Room for the whole report: xterm renders only the rows in view.
    await runCommand('View: Toggle Maximized Panel');
    await runCommand('errsig: Run Doctor in a Terminal');
    // The doctor's first line (the command echo quotes the path, so it cannot match).
    await eventually(async () => /errsig doctor 0\.1\.0 — /.test(await terminalText()), {
      timeout: 20000,
      what: "the doctor's first line in a terminal",
    });
    await shot('10-doctor-in-terminal');
  });
});

// A second, fresh code-server: workspace trust on and the workspace left
// untrusted (Restricted Mode). The bundled server still runs and finds the
// error, but nothing that changes files or runs programs is offered.
describe('errsig in an untrusted workspace (Restricted Mode)', { timeout: 120000 }, () => {
  // --log trace: the output channel's log file keeps the LSP trace (initialize's params).
  before(() =>
    open({
      trust: false,
      name: 'code-server-untrusted',
      settings: { 'errsig.trace.server': 'verbose' },
      args: ['--log', 'trace'],
    }),
  );

  after(close);

  step('untrusted: the workbench opens in Restricted Mode', async () => {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('[id="status.problems"]').first().waitFor({ timeout: 30000 });
    await page.getByText('Restricted Mode').first().waitFor({ timeout: 20000 });
  });

  step('untrusted: a log file still gets its diagnostic (the bundled server runs)', async () => {
    await openLogWithError();
    await shot('11-untrusted-log-squiggle');
  });

  step('untrusted: the quick fixes offer Explain but no Suppress and no terminal command', async () => {
    const menu = page.locator('.action-widget').first();
    const explain = menu.locator('.monaco-list-row', { hasText: `Explain ${RULE}` }).first();
    // The Quick Fix menu can open before the server's actions arrive (it then
    // shows none): close it and ask again until they are there.
    await eventually(
      async () => {
        await page.locator('.monaco-editor .view-line').first().click();
        await page.keyboard.press('Home');
        await page.keyboard.press('Control+.');
        if (
          await explain.waitFor({ timeout: 3000 }).then(
            () => true,
            () => false,
          )
        )
          return true;
        await page.keyboard.press('Escape');
        return false;
      },
      { timeout: 30000, interval: 500, what: 'the quick fixes with Explain' },
    );
    await shot('12-untrusted-quick-fixes');
    const titles = (await menu.locator('.monaco-list-row').allInnerTexts()).map((t) => t.trim());
    assert.ok(titles.length > 0, 'some code actions');
    assert.equal(titles.filter((t) => /Suppress/i.test(t)).length, 0, `no Suppress action: ${JSON.stringify(titles)}`);
    assert.equal(
      titles.filter((t) => /claude auth status/.test(t)).length,
      0,
      `no terminal command: ${JSON.stringify(titles)}`,
    );
    await page.keyboard.press('Escape');
  });

  step('untrusted: the server was told (initializationOptions.trusted = false)', async () => {
    // errsig.trace.server = verbose: the initialize request's params are in the output channel's log.
    const logs = path.join(server.dirs['user-data'], 'logs');
    const found = await eventually(
      () => {
        const files = fs
          .readdirSync(logs, { recursive: true })
          .filter((f) => /errsig/i.test(path.basename(String(f))) && fs.statSync(path.join(logs, String(f))).isFile());
        return files
          .map((f) => fs.readFileSync(path.join(logs, String(f)), 'utf8'))
          .find((t) => /"trusted":\s*false/.test(t));
      },
      { timeout: 10000, what: 'an errsig output log with "trusted": false' },
    );
    assert.match(found, /"initializationOptions"/);
  });

  step('untrusted: errsig: Run Doctor is not in the palette (enablement: isWorkspaceTrusted)', async () => {
    const widget = await openPalette();
    await widget.locator('input').first().fill('>errsig:');
    await widget.locator('.monaco-list-row', { hasText: 'errsig: Scan File' }).first().waitFor({ timeout: 10000 });
    const rows = await widget.locator('.monaco-list-row').allInnerTexts();
    assert.ok(!rows.some((r) => /Run Doctor/.test(r)), `no Run Doctor: ${JSON.stringify(rows)}`);
    await page.keyboard.press('Escape');
  });
});
