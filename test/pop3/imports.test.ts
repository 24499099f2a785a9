// Import direction for POP3 (docs/design.md, Architecture): the wire layer imports only itself (no node:*, no
// packages, nothing else of the project), and the front-end reaches the store only through
// the mail core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../helpers/byte-search.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function importsOf(directory: string): Promise<{ file: string; specifier: string; target: string }[]> {
  const found = [];
  for await (const file of filesUnder(resolve(ROOT, directory))) {
    if (!file.endsWith('.ts')) continue;
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /\bimport\(/, `${relative(ROOT, file)} has a dynamic import`);
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      found.push({ file: relative(ROOT, file), specifier, target: specifier.startsWith('.') ? relative(ROOT, resolve(dirname(file), specifier)) : specifier });
    }
  }
  return found;
}

test('server/pop3/proto imports only server/pop3/proto', async () => {
  const imports = await importsOf('server/pop3/proto');
  assert.ok(imports.length > 5);
  assert.deepEqual(
    imports.filter((entry) => !entry.target.startsWith('server/pop3/proto/')),
    [],
  );
});

test('server/pop3 reaches the store only through the mail core', async () => {
  const imports = await importsOf('server/pop3');
  assert.deepEqual(
    imports.filter((entry) => entry.target.startsWith('server/store/') || /sodium/.test(entry.target)),
    [],
  );
});
