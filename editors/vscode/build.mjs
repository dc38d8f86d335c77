// Bundles the extension with esbuild (the VS Code "Bundling Extensions" way):
//   node build.mjs               dist/extension.js (with a source map)
//   node build.mjs --production  dist/extension.js, minified (vscode:prepublish)
//   node build.mjs --tests       out/test/unit/*.test.js for `node --test`
//   node build.mjs --watch

import { readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
};

if (args.has('--tests')) {
  const entryPoints = readdirSync('test/unit')
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/unit/${f}`);
  await esbuild.build({ ...common, entryPoints, outdir: 'out/test/unit', sourcemap: 'inline' });
} else {
  const options = {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    minify: production,
    sourcemap: !production,
  };
  if (args.has('--watch')) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    await esbuild.build(options);
  }
}
