// Import direction is one way: crypto/ and the pure protocol and MIME modules import nothing
// of ours; shared/ (code both the browser and the server run) builds only on crypto/; the
// browser imports only crypto/, shared/, mime/ and itself; the core sees the store only
// through its interface; only the core, the store and backups reach the core's key schema
// and the store (the queue keeps its own keys, in the store main.ts hands it); nothing
// outside crypto/ touches libsodium. Read from TypeScript's own view of the imports
// (./import-graph.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { filesUnder } from '../helpers/byte-search.ts';
import { cycles, importsOf, ROOT, violations, type Import } from './import-graph.ts';

const ours = (target: string) => /^(server|crypto|client|shared|mime)\//.test(target);
const by = (allowed: (target: string) => boolean) => (entry: Import) => allowed(entry.target);

test('crypto/ imports only itself and libsodium, and nothing of Node or the DOM outside its Node backend', async () => {
  const imports = await importsOf('crypto');
  assert.deepEqual(
    violations(
      imports,
      by((t) => t.startsWith('crypto/') || t === 'libsodium-wrappers-sumo' || t === 'sodium-native'),
    ),
    [],
  );
  assert.deepEqual(
    imports
      .filter((entry) => entry.target.startsWith('node:') || entry.target === 'sodium-native')
      .filter((entry) => !/^crypto\/(node\.ts|backends\/native\.ts)$/.test(entry.from)),
    [],
  );
});

test("shared/ runs in the browser and in Node alike: it imports only itself and crypto/'s portable modules", async () => {
  const imports = await importsOf('shared');
  assert.deepEqual(
    violations(
      imports,
      // @noble/hashes: pure JavaScript, the same in both (the signup puzzle's SHA-256).
      by((t) => t.startsWith('shared/') || t.startsWith('@noble/hashes/') || (t.startsWith('crypto/') && !/^crypto\/(node\.ts|backends\/)/.test(t))),
    ),
    [],
  );
  const nodeGlobals: string[] = [];
  for await (const file of filesUnder(join(ROOT, 'shared'))) {
    if (/\b(Buffer|process|require)\b/.test(await readFile(file, 'utf8'))) nodeGlobals.push(relative(ROOT, file));
  }
  assert.deepEqual(nodeGlobals, [], 'no Node globals in shared/');
});

test('mime/ (MIME analysis the server and the browser both run) imports nothing of ours but shared/', async () => {
  assert.deepEqual(
    violations(
      await importsOf('mime'),
      by((t) => t.startsWith('mime/') || t.startsWith('shared/') || !ours(t)),
    ),
    [],
  );
});

test('the browser imports only crypto/, shared/, mime/ and itself, and has no import cycle', async () => {
  const imports = await importsOf('client');
  assert.deepEqual(
    violations(
      imports,
      by((t) => /^(client|crypto|shared|mime)\//.test(t) || !ours(t)),
    ),
    [],
  );
  assert.deepEqual(cycles(imports.filter((entry) => entry.target.startsWith('client/'))), []);
});

test('only crypto/ touches libsodium', async () => {
  for (const directory of ['server', 'client', 'shared', 'mime', 'scripts']) {
    const imports = await importsOf(directory).catch(() => []);
    assert.deepEqual(
      violations(
        imports,
        by((t) => !/sodium/.test(t)),
      ),
      [],
      directory,
    );
  }
});

test('the IMAP and POP3 wire layers import nothing of ours outside themselves', async () => {
  assert.deepEqual(
    violations(
      await importsOf('server/imap/proto'),
      by((t) => t.startsWith('server/imap/proto/') || !ours(t)),
    ),
    [],
  );
  assert.deepEqual(
    violations(
      await importsOf('server/pop3/proto'),
      by((t) => t.startsWith('server/pop3/proto/') || !ours(t)),
    ),
    [],
  );
});

test('the store imports nothing of the core or the front-ends', async () => {
  assert.deepEqual(
    violations(
      await importsOf('server/store'),
      by((t) => t.startsWith('server/store/') || !ours(t)),
    ),
    [],
  );
});

test('the core sees the store only through its interface and knows no protocol', async () => {
  const allowed = (t: string) =>
    t.startsWith('server/core/') || t === 'server/store/types.ts' || t.startsWith('crypto/') || t.startsWith('mime/') || t.startsWith('shared/') || !ours(t);
  assert.deepEqual(violations(await importsOf('server/core'), by(allowed)), []);
});

test('the shared login reaches accounts only through the core, and knows no protocol', async () => {
  const allowed = (t: string) => t.startsWith('server/auth/') || t.startsWith('server/core/') || t.startsWith('shared/') || !ours(t);
  assert.deepEqual(violations(await importsOf('server/auth'), by(allowed)), []);
});

/** The composition roots open the store and hand it on: `sealpost start`, and the CLI when
 * no server runs. The queue keeps its records in the store it is handed (typed by the
 * interface); the outbound service passes it to the queue. */
const STORE_HOLDERS: readonly RegExp[] = [/^server\/(core|store|backup)\//, /^server\/main\.ts$/, /^server\/cli\/admin-access\.ts$/];
const HANDED_THE_STORE: readonly RegExp[] = [/^server\/queue\//, /^server\/outbound\/service\.ts$/, /^server\/jobs\/service-jobs\.ts$/];

test("only the core, the store and backups reach the core's key schema and the store; the queue only the interface", async () => {
  const imports = await importsOf('server');
  const reachesKeys = (entry: Import) => entry.target === 'server/core/keys.ts';
  assert.deepEqual(
    violations(imports.filter(reachesKeys), (entry) => /^server\/(core|store|backup)\//.test(entry.from)),
    [],
    'core/keys.ts',
  );
  const reachesStore = (entry: Import) => entry.target.startsWith('server/store/');
  const allowed = (entry: Import) =>
    STORE_HOLDERS.some((pattern) => pattern.test(entry.from)) ||
    (HANDED_THE_STORE.some((pattern) => pattern.test(entry.from)) && entry.target === 'server/store/types.ts');
  assert.deepEqual(violations(imports.filter(reachesStore), allowed), [], 'server/store/');
});

test('the import graph sees what a regex would miss and ignores what only looks like an import', async () => {
  const { default: ts } = await import('typescript');
  const text =
    "import type {\n  Store,\n} from '../store/types.ts';\n// import { keys } from '../core/keys.ts';\nconst s = \"from '../core/keys.ts'\";\nexport * from './x.ts';\nawait import('../store/open.ts');";
  assert.deepEqual(
    ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName),
    ['../store/types.ts', './x.ts', '../store/open.ts'],
  );
});
