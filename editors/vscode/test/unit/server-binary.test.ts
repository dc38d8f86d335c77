import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  bundledPath,
  candidates,
  type DiscoveryInput,
  discover,
  expandSetting,
  parseVersion,
  runVersion,
  searchPath,
} from '../../src/server-binary';

const base: DiscoveryInput = {
  settingPath: '',
  extensionPath: '/ext',
  trusted: true,
  envPath: '/usr/local/bin:/usr/bin',
  platform: 'linux',
  home: '/home/u',
  workspaceFolder: '/ws',
};
const onPath = (p: string) => p === '/usr/bin/errsig';

describe('server discovery: order', () => {
  it('setting, then bundled, then PATH', () => {
    const { candidates: c } = candidates({ ...base, settingPath: '~/bin/errsig' }, onPath);
    assert.deepEqual(c, [
      { source: 'setting', path: '/home/u/bin/errsig' },
      { source: 'bundled', path: '/ext/server/errsig' },
      { source: 'path', path: '/usr/bin/errsig' },
    ]);
  });

  it('an untrusted workspace gets only the bundled binary', () => {
    const { candidates: c, skipped } = candidates({ ...base, trusted: false, settingPath: '/evil/errsig' }, onPath);
    assert.deepEqual(c, [{ source: 'bundled', path: '/ext/server/errsig' }]);
    assert.deepEqual(
      skipped.map((s) => s.source),
      ['setting', 'path'],
    );
  });

  it('the first binary that answers --version wins', async () => {
    const seen: string[] = [];
    const result = await discover(
      { ...base, settingPath: '/broken/errsig' },
      async (p) => {
        seen.push(p);
        if (p === '/usr/bin/errsig') return '0.1.0';
        throw new Error('not found');
      },
      onPath,
    );
    assert.deepEqual(seen, ['/broken/errsig', '/ext/server/errsig', '/usr/bin/errsig']);
    assert.equal(result.ok, true);
    if (result.ok) {
      assert.equal(result.source, 'path');
      assert.equal(result.version, '0.1.0');
    }
  });

  it('says what was tried and how to fix it when nothing works', async () => {
    const result = await discover(
      base,
      async () => {
        throw new Error('not found');
      },
      () => false,
    );
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.match(result.message, /no working language server/);
      assert.match(result.message, /errsig\.server\.path/);
      assert.match(result.message, /cargo install --locked --path server/);
      assert.match(result.message, /\.vsix for your platform/);
      assert.match(result.message, /bundled with the extension \(\/ext\/server\/errsig\): not found/);
      assert.match(result.message, /PATH \(errsig\): not found on PATH/);
    }
  });

  it('the untrusted message names workspace trust', async () => {
    const result = await discover({ ...base, trusted: false }, async () => {
      throw new Error('not found');
    });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /not trusted/);
  });
});

describe('server discovery: pieces', () => {
  it('expands ~ and resolves a relative setting in the workspace folder', () => {
    assert.equal(expandSetting('~/x/errsig', '/home/u'), '/home/u/x/errsig');
    assert.equal(expandSetting('target/release/errsig', '/home/u', '/ws'), '/ws/target/release/errsig');
    assert.equal(expandSetting(' /abs/errsig ', '/home/u', '/ws'), '/abs/errsig');
  });

  it('searches PATH in order, skipping relative and empty entries', () => {
    const files = new Set(['/a/errsig', '/b/errsig', 'rel/errsig']);
    assert.deepEqual(
      searchPath('rel::/a:/b:/a', 'linux', (p) => files.has(p)),
      ['/a/errsig', '/b/errsig'],
    );
    assert.deepEqual(
      searchPath(undefined, 'linux', () => true),
      [],
    );
    assert.equal(bundledPath('/ext', 'win32').endsWith('errsig.exe'), true);
  });

  it('parses `errsig --version`', () => {
    assert.equal(parseVersion('errsig 0.1.0\n'), '0.1.0');
    assert.equal(parseVersion('errsig 1.2.3-beta.1'), '1.2.3-beta.1');
    assert.equal(parseVersion('ripgrep 14.1.0'), undefined);
    assert.equal(parseVersion(''), undefined);
  });

  it('validates real programs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errsig-unit-'));
    try {
      const fake = path.join(dir, 'errsig');
      fs.writeFileSync(fake, '#!/bin/sh\necho "something else 1.0"\n', { mode: 0o755 });
      await assert.rejects(runVersion(fake), /not "errsig X\.Y\.Z"/);
      await assert.rejects(runVersion(path.join(dir, 'missing')), /not found/);
      const noexec = path.join(dir, 'noexec');
      fs.writeFileSync(noexec, '#!/bin/sh\necho errsig 0.1.0\n', { mode: 0o644 });
      await assert.rejects(runVersion(noexec), /not executable/);
      const bin = process.env.ERRSIG_BIN;
      if (bin) {
        const expected = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().split(' ')[1];
        assert.equal(await runVersion(bin), expected);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
