/**
 * The folders of src/ import each other without cycles, and every import between folders points to a lower layer:
 * checked on the imports themselves, so an eslint-disable comment cannot hide a wrong one.
 */
import { SRC, layerOf } from './layer-config';
import type { FolderGraph } from './folder-graph';
import { folderCycles, folderImportGraph, relativeImports } from './folder-graph';

const graph = folderImportGraph(SRC);

function edges(of: FolderGraph): string[] {
  return [...of].flatMap(([from, targets]) => [...targets].map((to) => `${from} → ${to}`)).sort();
}

describe('the folder import graph of src/', () => {
  it('is read from the code', () => {
    // The composition root wires the routes, workers and store; the routes call the use cases, which sit on the
    // store: if these edges are missing the graph was not read at all.
    expect([...(graph.get('runtime') ?? [])]).toEqual(expect.arrayContaining(['http', 'queue', 'store']));
    expect([...(graph.get('http') ?? [])]).toContain('app');
    expect([...(graph.get('app') ?? [])]).toContain('store');
    expect(edges(graph).length).toBeGreaterThan(20);
  });

  it('has no cycle between folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('only has imports that point to a lower layer', () => {
    const upward = edges(graph).filter((edge) => {
      const [from = '', to = ''] = edge.split(' → ');
      // main.ts is the entry point above every layer.
      return from !== 'main' && (to === 'main' || layerOf(to) >= layerOf(from));
    });
    expect(upward).toEqual([]);
  });
});

describe('folderCycles', () => {
  it('finds a cycle through three folders and one between two', () => {
    const cyclic: FolderGraph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['e', 'a'])],
      ['e', new Set(['d'])],
    ]);
    expect(folderCycles(cyclic)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'e', 'd'],
    ]);
  });

  it('finds none where imports only point down, however many paths reach a folder', () => {
    const layered: FolderGraph = new Map([
      ['top', new Set(['left', 'right'])],
      ['left', new Set(['bottom'])],
      ['right', new Set(['bottom'])],
      ['bottom', new Set<string>()],
    ]);
    expect(folderCycles(layered)).toEqual([]);
  });
});

describe('relativeImports', () => {
  it('sees static, type-only, re-exported, dynamic and required modules, and skips packages', () => {
    const code = [
      "import { a } from '../store/keys';",
      "import type { B } from '../messages/schemas';",
      "export { c } from './sibling';",
      "const d = import('../queue/names');",
      "const e = require('../lib/version');",
      "import { Redis } from 'ioredis';",
    ].join('\n');
    expect(relativeImports(code)).toEqual([
      '../store/keys',
      '../messages/schemas',
      './sibling',
      '../queue/names',
      '../lib/version',
    ]);
  });
});
