// The import graph of the repository as TypeScript reads it (ts.preProcessFile: static
// imports, `import type`, re-exports and dynamic import() with a string), not a regex over the
// text, so a commented-out import or an import-like string does not count and every real one
// does. Relative specifiers are resolved to repository paths; packages stay as named.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { filesUnder } from '../helpers/byte-search.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Import {
  /** The importing file, relative to the repository. */
  from: string;
  /** The imported file relative to the repository, or the package specifier. */
  target: string;
}

/** The script of a Svelte component (its markup imports nothing). */
function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]).join('\n');
}

export async function importsOf(directory: string): Promise<Import[]> {
  const found: Import[] = [];
  for await (const file of filesUnder(join(ROOT, directory))) {
    if (!/\.(ts|svelte)$/.test(file) || file.includes(`${'/'}node_modules/`) || file.endsWith('.d.ts')) continue;
    const text = scriptOf(file, await readFile(file, 'utf8'));
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const specifier = imported.fileName;
      const target = specifier.startsWith('.') ? relative(ROOT, resolve(dirname(file), specifier)) : specifier;
      found.push({ from: relative(ROOT, file), target });
    }
  }
  return found;
}

export function violations(imports: Import[], allowed: (entry: Import) => boolean): string[] {
  return imports.filter((entry) => !allowed(entry)).map((entry) => `${entry.from} → ${entry.target}`);
}

/** Import cycles among the given files, each as the list of files around it (shortest first found). */
export function cycles(imports: Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, target } of imports) {
    if (!/\.(ts|svelte)$/.test(target)) continue;
    (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(target);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}
