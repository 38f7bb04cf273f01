/**
 * The import graph of src/ between its top-level folders (a file directly in src/, such as main.ts, is a node of
 * its own), read with TypeScript's own import scanner, and a search for cycles in such a graph.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Folder → the other folders its files import. */
export type FolderGraph = ReadonlyMap<string, ReadonlySet<string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** `src/http/routes/ingest.ts` → `http`; `src/main.ts` and the specifier `src/main` → `main`; `src/sandbox` → `sandbox`. */
export function folderOf(srcDir: string, file: string): string {
  const [first = ''] = path.relative(srcDir, file).split(path.sep);
  return first.replace(/\.[jt]s$/, '');
}

/** Every relative module specifier in a file: static and dynamic imports, re-exports, `import type`, require. */
export function relativeImports(code: string): string[] {
  return ts
    .preProcessFile(code, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'));
}

export function folderImportGraph(srcDir: string): FolderGraph {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file);
    const targets = graph.get(from) ?? new Set<string>();
    graph.set(from, targets);
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const resolved = path.resolve(path.dirname(file), specifier);
      if (path.relative(srcDir, resolved).startsWith('..')) {
        throw new Error(`${path.relative(srcDir, file)} imports ${specifier}, outside src/`);
      }
      const to = folderOf(srcDir, resolved);
      if (to !== from) {
        targets.add(to);
      }
    }
  }
  return graph;
}

/**
 * Each cycle as the path of folders that closes it (`['a', 'b', 'a']`), found by a depth-first walk; one per
 * back edge, so a graph without cycles gives an empty list.
 */
export function folderCycles(graph: FolderGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (folder: string): void => {
    const open = onPath.indexOf(folder);
    if (open >= 0) {
      cycles.push([...onPath.slice(open), folder]);
      return;
    }
    if (done.has(folder)) {
      return;
    }
    onPath.push(folder);
    for (const next of [...(graph.get(folder) ?? [])].sort()) {
      visit(next);
    }
    onPath.pop();
    done.add(folder);
  };
  for (const folder of [...graph.keys()].sort()) {
    visit(folder);
  }
  return cycles;
}
