import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges, displayText, notificationText, offsetOf, Transcript, uriName } from '../../src/transcript';

/** Feed chunks; check after each that the server's copy equals the transcript. */
function feed(t: Transcript, chunks: string[], server = t.text): string {
  for (const c of chunks) {
    const before = t.version;
    const changes = t.append(c);
    server = applyChanges(server, changes);
    assert.equal(server, t.text, 'the server copy follows the transcript');
    assert.equal(t.version, before + changes.length, 'one version per change');
  }
  return server;
}

describe('Transcript: appending', () => {
  it('appends at the end of the document', () => {
    const t = new Transcript();
    assert.deepEqual(t.append('abc'), [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'abc' },
    ]);
    assert.deepEqual(t.append('de\r\nf'), [
      { range: { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }, text: 'de\r\nf' },
    ]);
    assert.deepEqual(t.end(), { line: 1, character: 1 });
    assert.equal(t.lineCount, 2);
  });

  it('keeps the raw chunk: escapes, OSC 633 marks, lone \\r', () => {
    const raw = '\x1b]633;C\x07\x1b[31mAPI Error: 403\x1b[0m\r\nprogress 10%\rprogress 100%\r\n';
    const t = new Transcript();
    const [change] = t.append(raw);
    assert.equal(change?.text, raw);
    assert.equal(t.text, raw);
    // Lines are split only at \n, as the server counts them.
    assert.deepEqual(t.end(), { line: 2, character: 0 });
  });

  it('counts columns in UTF-16 code units', () => {
    const t = new Transcript();
    t.append('⎿ 🙂 x');
    assert.deepEqual(t.end(), { line: 0, character: 6 });
  });

  it('holds back a surrogate pair split between chunks', () => {
    const t = new Transcript();
    const face = '🙂';
    assert.deepEqual(t.append(`a${face[0]}`)[0]?.text, 'a');
    assert.equal(t.append(face.slice(1))[0]?.text, face);
    assert.equal(t.text, `a${face}`);
  });

  it('sends nothing for an empty chunk', () => {
    const t = new Transcript();
    assert.deepEqual(t.append(''), []);
    assert.equal(t.version, 1);
  });

  it('stays equal to the server copy over many random chunks', () => {
    const t = new Transcript(500, 300);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', '\n', '\r\n', '\x1b[0m', 'é', '🙂', '\r', ' '];
    const chunks = Array.from({ length: 400 }, () =>
      Array.from({ length: rnd(30) }, () => alphabet[rnd(alphabet.length)]).join(''),
    );
    feed(t, chunks);
    assert.ok(t.text.length <= 500);
  });
});

describe('Transcript: trimming past the cap', () => {
  it('deletes whole lines from the top with one (0,0)-(k,0) change', () => {
    const t = new Transcript(100, 60);
    const line = `${'x'.repeat(19)}\n`; // 20 chars
    let server = feed(
      t,
      Array.from({ length: 5 }, () => line),
    );
    assert.equal(t.text.length, 100);
    const changes = t.append(line);
    assert.equal(changes.length, 2);
    assert.deepEqual(changes[1], {
      range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } },
      text: '',
    });
    server = applyChanges(server, changes);
    assert.equal(server, t.text);
    assert.equal(t.text.length, 60);
    assert.equal(t.removedLines, 3);
    assert.deepEqual(t.end(), { line: 3, character: 0 });
  });

  it('keeps the last, unfinished line whole when it fits', () => {
    const t = new Transcript(50, 30);
    const server = feed(t, ['0123456789\n'.repeat(4), 'tail without newline .........']);
    assert.ok(t.text.endsWith('tail without newline .........'));
    assert.ok(t.text.length <= 50);
    assert.equal(server, t.text);
  });

  it('cuts inside a single line longer than the cap (a TUI stream without \\n)', () => {
    const t = new Transcript(100, 60);
    const server = feed(t, ['y'.repeat(90), 'z'.repeat(30)]);
    assert.equal(t.text.length, 60);
    assert.equal(t.lineCount, 1);
    assert.ok(t.text.endsWith('z'.repeat(30)));
    assert.equal(server, t.text);
  });

  it('never splits a surrogate pair when cutting inside a line', () => {
    const t = new Transcript(10, 5);
    feed(t, ['🙂🙂🙂🙂🙂🙂']);
    assert.ok(!/^[\udc00-\udfff]/.test(t.text));
  });
});

describe('display and names', () => {
  it('shows lone \\r as one visible unit so lines and columns match the server', () => {
    const raw = 'a\rb\r\nc\u2028d';
    const shown = displayText(raw);
    assert.equal(shown, 'a\u240db\r\nc\u2424d');
    assert.equal(shown.length, raw.length);
    assert.equal(shown.split(/\r\n|\r|\n/).length, raw.split('\n').length);
  });

  it('makes terminal names URI-safe', () => {
    assert.equal(uriName('bash'), 'bash');
    assert.equal(uriName('node (2) / claude'), 'node-2-claude');
    assert.equal(uriName('   '), 'terminal');
  });

  it('offsetOf clamps to the line end', () => {
    assert.equal(offsetOf('ab\ncd', { line: 1, character: 9 }), 5);
    assert.equal(offsetOf('ab\ncd', { line: 5, character: 0 }), 5);
  });

  it('words the terminal notification', () => {
    assert.equal(
      notificationText('bash', 'Anthropic API 403 permission_error: Permission denied (req_011C)', 403),
      "Anthropic API 403 in terminal 'bash' — permission_error: Permission denied (req_011C)",
    );
    assert.equal(
      notificationText('bash', 'Anthropic API 403: Permission denied', 403),
      "Anthropic API 403 in terminal 'bash' — Permission denied",
    );
    assert.equal(notificationText('bash', 'Anthropic API 4031 x', 403), "Anthropic API 4031 x — in terminal 'bash'");
    assert.equal(
      notificationText('zsh', 'Bedrock refused the request', null),
      "Bedrock refused the request — in terminal 'zsh'",
    );
  });
});
