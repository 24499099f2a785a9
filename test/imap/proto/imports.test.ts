// The wire layer is pure: it imports only its own files (no node:*, no packages, nothing
// else of the project), so the session layer and tests can drive it without I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../server/imap/proto');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('server/imap/proto imports only server/imap/proto', () => {
  const files = sources(root);
  assert.ok(files.length > 20);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      assert.ok(specifier.startsWith('.'), `${relative(root, file)} imports ${specifier}`);
      const target = resolve(dirname(file), specifier);
      assert.ok(!relative(root, target).startsWith('..'), `${relative(root, file)} reaches outside: ${specifier}`);
    }
    assert.doesNotMatch(text, /\bimport\(/, `${relative(root, file)} has a dynamic import`);
  }
});
