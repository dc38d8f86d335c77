import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentSelector, readSettings, serverSettings } from '../../src/config';

function getter(values: Record<string, unknown>) {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe('settings', () => {
  it('defaults', () => {
    const s = readSettings(getter({}));
    assert.deepEqual(serverSettings(s, true), { severity: {}, terminals: true, liveCheck: false });
    assert.equal(s.plainText, false);
    assert.equal(s.trace, 'off');
  });

  it("translates VS Code's section into the server's settings (no unknown fields)", () => {
    const s = readSettings(
      getter({
        'server.path': '/x',
        'terminals.enabled': false,
        'liveCheck.enabled': true,
        severity: { '429-rate-limit': 'info', bogus: 'loud' },
        reportDir: '/tmp/r',
        'trace.server': 'verbose',
      }),
    );
    assert.deepEqual(serverSettings(s, true), {
      severity: { '429-rate-limit': 'info' },
      terminals: false,
      liveCheck: true,
      reportDir: '/tmp/r',
    });
    // reportDir is restricted in untrusted workspaces.
    assert.equal(serverSettings(s, false).reportDir, undefined);
  });

  it('syncs log files, terminal transcripts, and plain text only when asked; never output channels', () => {
    const schemes = (sel: { scheme: string; language?: string }[]) => sel.map((s) => `${s.scheme}:${s.language ?? ''}`);
    assert.ok(!schemes(documentSelector(false)).some((s) => s.endsWith(':plaintext')));
    assert.ok(schemes(documentSelector(true)).includes('file:plaintext'));
    for (const s of documentSelector(true)) assert.notEqual(s.scheme, 'output');
    assert.ok(documentSelector(false).every((s) => s.scheme !== undefined));
  });
});
