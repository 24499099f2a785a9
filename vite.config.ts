import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const resolve = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The crypto worker bundles mime/ (so the browser computes the same MIME summary, metadata
 * record and line endings as the server): Node's Buffer comes from the `buffer` package, and libmime's charset tables are replaced by the browser's own
 * TextDecoder (client/src/lib/worker/charset-shim.ts). */
const browserAliases = {
  'node:buffer': resolve('./node_modules/buffer/index.js'),
  'libmime/lib/charset.js': resolve('./client/src/lib/worker/charset-shim.ts'),
};

/** Writes .br and .gz beside every text asset once the build is done, at the highest
 * levels (it happens once per build), for the web server to send as they are
 * (@fastify/static preCompressed): no compression work per request. */
function precompress(): Plugin {
  return {
    name: 'sealpost-precompress',
    apply: 'build',
    async closeBundle() {
      const outDir = resolve('./client/dist');
      for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
        const path = join(entry.parentPath, entry.name);
        const content = await readFile(path);
        await writeFile(`${path}.gz`, gzipSync(content, { level: 9 }));
        await writeFile(`${path}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  root: 'client',
  plugins: [svelte(), precompress()],
  resolve: { alias: browserAliases },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP forbids inline script; Vite's module preload polyfill would be inline.
    modulePreload: { polyfill: false },
    // Chromium, Firefox and Safari of the last two years: top-level await in the worker,
    // no transpiling of modern syntax.
    target: 'es2022',
  },
});
