// Every element the adapter fills in the golden FHIR of the journeys is marked mustSupport in the profile the
// resource claims, so a receiver reading the profile knows what it has to be able to store and show.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadCompiledResources } from '../../src/conformance';
import { findPackageRoot } from '../../src/lib/package-root';

const journeysDir = path.join(findPackageRoot(), 'test', 'fixtures', 'journeys');
const compiled = loadCompiledResources();

type Json = Record<string, unknown>;

/** Each profile URL with the top-level properties the golden resources claiming it have. */
function filledByProfile(): Map<string, Set<string>> {
  const filled = new Map<string, Set<string>>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }
    const obj = value as Json;
    const profiles = (obj.meta as { profile?: string[] } | undefined)?.profile ?? [];
    if (typeof obj.resourceType === 'string') {
      for (const url of profiles) {
        const keys = filled.get(url) ?? new Set<string>();
        Object.keys(obj)
          .filter((key) => !['resourceType', 'id', 'meta'].includes(key))
          .forEach((key) => keys.add(key));
        filled.set(url, keys);
      }
    }
    Object.values(obj).forEach(walk);
  };
  for (const journey of readdirSync(journeysDir)) {
    for (const file of readdirSync(path.join(journeysDir, journey)).filter((f) => f.endsWith('.fhir.json'))) {
      walk(JSON.parse(readFileSync(path.join(journeysDir, journey, file), 'utf8')));
    }
  }
  return filled;
}

/** The element a property fills: valueQuantity fills value[x]. */
function elementName(property: string, names: readonly string[]): string | undefined {
  return names.find(
    (name) => name === property || (name.endsWith('[x]') && new RegExp(`^${name.slice(0, -3)}[A-Z]`).test(property)),
  );
}

const filled = filledByProfile();

test('the journeys fill resources of every project profile', () => {
  const profiles = compiled.structureDefinitions.filter((sd) => sd.kind === 'resource').map((sd) => sd.url);
  expect(profiles.filter((url) => !filled.has(url))).toEqual([]);
});

test.each([...filled.entries()].map(([url, keys]) => [url.slice(url.lastIndexOf('/') + 1), url, keys] as const))(
  '%s: every element the adapter fills is mustSupport',
  (_id, url, keys) => {
    const sd = compiled.structureDefinitions.find((s) => s.url === url);
    const root = sd?.type ?? '';
    const topLevel = (sd?.snapshot?.element ?? []).filter((e) => e.id === `${root}.${e.path.slice(root.length + 1)}`);
    const names = topLevel.map((e) => e.path.slice(root.length + 1)).filter((name) => !name.includes('.'));
    const notMarked = [...keys].filter((key) => {
      const name = elementName(key, names);
      return topLevel.find((e) => e.path === `${root}.${name ?? key}`)?.mustSupport !== true;
    });
    expect(notMarked).toEqual([]);
  },
);
