// Copies the errsig binary into server/ so that it ships inside the .vsix
// (the extension's second choice after the errsig.server.path setting).
// Source: $ERRSIG_BIN, else ../../target/release/errsig (cargo build --release
// at the repository's root). Debug info is stripped when `strip` exists.
// Without a binary the .vsix is still built; it then needs errsig on PATH.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const name = process.platform === 'win32' ? 'errsig.exe' : 'errsig';
const source = process.env.ERRSIG_BIN || resolve('..', '..', 'target', 'release', name);
const dest = join('server', name);

rmSync('server', { recursive: true, force: true });
if (!existsSync(source)) {
  console.warn(`bundle-server: ${source} does not exist: the .vsix will have no bundled server (build it with \`cargo build --release\` or set ERRSIG_BIN)`);
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
