// Copies the errsig binary into server/ so that it ships inside the .vsix
// (the extension's second choice after the errsig.server.path setting).
// Source: $ERRSIG_BIN, else ../../target/release/errsig (cargo build --release
// at the repository's root). Debug info is stripped when `strip` exists.
// Without a binary the .vsix is still built; it then needs errsig on PATH.
// It also writes LICENSE.md (both licenses of the repository's root), which
// vsce requires and ships: the extension is MIT OR Apache-2.0 like the rest.
// One binary per .vsix: `npm run package:target -- --target linux-x64 -o …`
// (scripts/package at the root) builds the platform-specific ones.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve('..', '..');
writeFileSync(
  'LICENSE.md',
  'errsig is licensed under either of the Apache License, Version 2.0, or the MIT license, at your option.\n\n' +
    ['LICENSE-MIT', 'LICENSE-APACHE']
      .map((f) => `## ${f}\n\n\`\`\`text\n${readFileSync(join(root, f), 'utf8').trimEnd()}\n\`\`\`\n`)
      .join('\n'),
);

const name = process.platform === 'win32' ? 'errsig.exe' : 'errsig';
const source = process.env.ERRSIG_BIN || resolve('..', '..', 'target', 'release', name);
const dest = join('server', name);

rmSync('server', { recursive: true, force: true });
if (!existsSync(source)) {
  console.warn(
    `bundle-server: ${source} does not exist: the .vsix will have no bundled server (build it with \`cargo build --release\` or set ERRSIG_BIN)`,
  );
  process.exit(0);
}
mkdirSync('server', { recursive: true });
try {
  execFileSync('strip', ['--strip-debug', '-o', dest, source], { stdio: 'ignore' });
} catch {
  copyFileSync(source, dest);
}
chmodSync(dest, 0o755);
const version = execFileSync(dest, ['--version'], { encoding: 'utf8' }).trim();
console.log(`bundle-server: ${source} → ${dest} (${version})`);
