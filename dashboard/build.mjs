// Bundles the browser code (src/main.ts) with esbuild into dist/, beside index.html and the
// stylesheet. `node build.mjs --watch` rebuilds on change. The app serves dist/ at `/`.
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
// chunk names carry a content hash: start clean so old chunks do not pile up
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const file of ['index.html', 'styles.css']) copyFileSync(join(here, 'src', file), join(dist, file));

const options = {
  // the auditor's verifier (ethers, zod) is a separate chunk, loaded when the auditor view opens
  entryPoints: { app: join(here, 'src/main.ts') },
  outdir: dist,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  // services/anchor's leaf and Merkle code calls Node's Buffer: a small stand-in (buffer-shim.spec.ts)
  inject: [join(here, 'src/buffer-shim.ts')],
  logLevel: 'warning',
};

if (process.argv.includes('--watch')) {
  await (await context(options)).watch();
} else {
  await build(options);
}
