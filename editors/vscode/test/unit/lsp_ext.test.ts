import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { CHANGING_COMMANDS, CLIENT_COMMAND_IDS } from '../../src/config';
import { type Advertised, CLIENT_COMMANDS, MAX_SCAN_TEXT, METHODS, SERVER_COMMANDS } from '../../src/lsp_ext';

/** Start the real server, initialize, and return what it advertises. */
async function advertised(): Promise<{ ext: Advertised; commands: string[] }> {
  const bin = process.env.ERRSIG_BIN;
  assert.ok(bin, 'ERRSIG_BIN names the server binary (run-tests.sh sets it)');
  const child = spawn(bin, ['lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const send = (msg: object) => {
    const body = Buffer.from(JSON.stringify(msg));
    child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  };
  const result = await new Promise<{
    capabilities: { experimental: { errsig: Advertised }; executeCommandProvider: { commands: string[] } };
  }>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, end).toString())?.[1]);
      if (buf.length < end + 4 + len) return;
      const msg = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString());
      if (msg.id === 1) resolve(msg.result);
    });
    child.on('error', reject);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  });
  send({ jsonrpc: '2.0', id: 2, method: 'shutdown' });
  send({ jsonrpc: '2.0', method: 'exit' });
  child.stdin.end();
  return {
    ext: result.capabilities.experimental.errsig,
    commands: result.capabilities.executeCommandProvider.commands,
  };
}

describe('protocol extensions (lsp_ext.ts) against the real server', () => {
  it('server and client command ids, methods and limits are the server’s', async () => {
    const { ext, commands } = await advertised();
    assert.deepEqual([...Object.values(SERVER_COMMANDS)].sort(), [...commands].sort());
    assert.deepEqual([...ext.commands].sort(), [...commands].sort());
    assert.deepEqual([...Object.values(CLIENT_COMMANDS)].sort(), [...ext.clientCommands].sort());
    assert.deepEqual([...METHODS].sort(), [...ext.methods].sort());
    assert.equal(MAX_SCAN_TEXT, ext.maxScanText);
  });

  it('the extension implements every client command it advertises, and none is a server id', async () => {
    const { commands } = await advertised();
    for (const c of CLIENT_COMMAND_IDS) assert.ok(!commands.includes(c), `${c} means two things`);
    // The palette's own commands (package.json) never reuse a server id:
    // the language client registers those itself.
    const pkg = require('../../package.json') as { contributes: { commands: { command: string }[] } };
    for (const { command } of pkg.contributes.commands)
      assert.ok(!commands.includes(command), `${command} is the server's`);
    for (const c of CHANGING_COMMANDS) assert.ok(commands.includes(c) || CLIENT_COMMAND_IDS.includes(c), c);
  });
});
