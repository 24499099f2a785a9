// Import direction is one way (STYLE.md): crypto/ and the pure protocol and MIME modules
// import nothing of ours; shared/ (code both the browser and the server run) builds only on
// crypto/; the core sees the store only through its interface; front-ends reach the store
// only through the core; nothing outside crypto/ touches libsodium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../helpers/byte-search.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Import {
  from: string;
  target: string;
}

async function importsOf(directory: string): Promise<Import[]> {
  const found: Import[] = [];
  for await (const file of filesUnder(join(ROOT, directory))) {
    if (!/\.(ts|svelte)$/.test(file)) continue;
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const specifier = match[1] ?? match[2]!;
      const target = specifier.startsWith('.') ? relative(ROOT, resolve(dirname(file), specifier)) : specifier;
      found.push({ from: relative(ROOT, file), target });
    }
  }
  return found;
}

function violations(imports: Import[], allowed: (target: string) => boolean): string[] {
  return imports.filter((entry) => !allowed(entry.target)).map((entry) => `${entry.from} → ${entry.target}`);
}

test('crypto/ imports only itself and libsodium, and nothing of Node or the DOM outside its Node backend', async () => {
  const imports = await importsOf('crypto');
  assert.deepEqual(violations(imports, (t) => t.startsWith('crypto/') || t === 'libsodium-wrappers-sumo' || t === 'sodium-native'), []);
  assert.deepEqual(
    imports.filter((entry) => entry.target.startsWith('node:') || entry.target === 'sodium-native').filter((entry) => !/^crypto\/(node\.ts|backends\/native\.ts)$/.test(entry.from)),
    [],
  );
});

test('shared/ runs in the browser and in Node alike: it imports only itself and crypto/\'s portable modules', async () => {
  const imports = await importsOf('shared');
  assert.deepEqual(violations(imports, (t) => t.startsWith('shared/') || (t.startsWith('crypto/') && !/^crypto\/(node\.ts|backends\/)/.test(t))), []);
  const nodeGlobals: string[] = [];
  for await (const file of filesUnder(join(ROOT, 'shared'))) {
    if (/\b(Buffer|process|require)\b/.test(await readFile(file, 'utf8'))) nodeGlobals.push(relative(ROOT, file));
  }
  assert.deepEqual(nodeGlobals, [], 'no Node globals in shared/');
});

test('only crypto/ touches libsodium', async () => {
  for (const directory of ['server', 'client', 'shared', 'scripts']) {
    const imports = await importsOf(directory).catch(() => []);
    assert.deepEqual(violations(imports, (t) => !/sodium/.test(t)), [], directory);
  }
});

test('the IMAP and POP3 wire layers and the MIME module import nothing of ours outside themselves', async () => {
  assert.deepEqual(violations(await importsOf('server/imap/proto'), (t) => t.startsWith('server/imap/proto/') || !/^(server|crypto|client|shared)\//.test(t)), []);
  assert.deepEqual(violations(await importsOf('server/pop3/proto'), (t) => t.startsWith('server/pop3/proto/') || !/^(server|crypto|client|shared)\//.test(t)), []);
  assert.deepEqual(violations(await importsOf('server/mime'), (t) => t.startsWith('server/mime/') || !/^(server|crypto|client|shared)\//.test(t)), []);
});

test('the store imports nothing of the core or the front-ends', async () => {
  assert.deepEqual(violations(await importsOf('server/store'), (t) => t.startsWith('server/store/') || !/^(server|crypto|client|shared)\//.test(t)), []);
});

test('the core sees the store only through its interface and knows no protocol', async () => {
  const allowed = (t: string) =>
    t.startsWith('server/core/') ||
    t === 'server/store/types.ts' ||
    t.startsWith('crypto/') ||
    t.startsWith('server/mime/') ||
    t.startsWith('shared/') ||
    !/^(server|crypto|client|shared)\//.test(t);
  assert.deepEqual(violations(await importsOf('server/core'), allowed), []);
});

test('the shared login reaches accounts only through the core, and knows no protocol', async () => {
  const allowed = (t: string) => t.startsWith('server/auth/') || t.startsWith('server/core/') || t.startsWith('shared/') || !/^(server|crypto|client|shared)\//.test(t);
  assert.deepEqual(violations(await importsOf('server/auth'), allowed), []);
});

test('front-ends reach the store only through the core', async () => {
  for (const directory of ['server/smtp', 'server/web', 'server/admin', 'server/imap', 'server/pop3']) {
    assert.deepEqual(violations(await importsOf(directory), (t) => !t.startsWith('server/store/')), [], directory);
  }
});
