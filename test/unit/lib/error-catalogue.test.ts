// docs/errors.md, the error CodeSystem compiled from profiles/ and the error catalogue in code list the same
// errors with the same statuses, meanings and advice; an error added, removed or reworded in one place only fails
// here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CodeSystem } from '@medplum/fhirtypes';
import { compiledResourcesDir } from '../../../src/conformance';
import { ERROR_CODE_SYSTEM, catalogue } from '../../../src/lib/error-catalogue';
import { findPackageRoot } from '../../../src/lib/package-root';

interface Row {
  readonly code: string;
  readonly status: number;
  readonly meaning: string;
  readonly action: string;
}

const doc = readFileSync(path.join(findPackageRoot(), 'docs', 'errors.md'), 'utf8');

/** The body rows of the first table after `heading`. */
function tableAfter(heading: string): Row[] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start === -1) {
    throw new Error(`docs/errors.md has no "${heading}" section`);
  }
  const next = doc.indexOf('\n## ', start + heading.length + 1);
  const lines = doc
    .slice(start, next === -1 ? undefined : next)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  // The header and the separator line come first.
  return lines.slice(2).map((line) => {
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    const [code = '', status = '', meaning = '', action = ''] = cells;
    expect(cells).toHaveLength(4);
    expect(code).toMatch(/^`[a-z-]+`$/);
    return { code: code.slice(1, -1), status: Number(status), meaning, action };
  });
}

const documented = { api: tableAfter('## API errors'), cli: tableAfter('## Command-line errors') };

const inCode = {
  api: catalogue().flatMap(([code, entry]): Row[] =>
    entry.surface === 'api' ? [{ code, status: entry.httpStatus, meaning: entry.meaning, action: entry.action }] : [],
  ),
  cli: catalogue().flatMap(([code, entry]): Row[] =>
    entry.surface === 'cli' ? [{ code, status: entry.exitStatus, meaning: entry.meaning, action: entry.action }] : [],
  ),
};

test.each(['api', 'cli'] as const)('every %s error in code is documented, and nothing else', (surface) => {
  expect(documented[surface].map((row) => row.code).sort()).toEqual(inCode[surface].map((row) => row.code).sort());
});

test.each(['api', 'cli'] as const)('the %s table says what the code says, row by row and in order', (surface) => {
  expect(documented[surface]).toEqual(inCode[surface]);
});

test('codes are unique, and API statuses are HTTP error statuses', () => {
  const codes = catalogue().map(([code]) => code);
  expect(new Set(codes).size).toBe(codes.length);
  for (const row of inCode.api) {
    expect(row.status).toBeGreaterThanOrEqual(400);
    expect(row.status).toBeLessThan(600);
  }
});

test('the document names the CodeSystem the codes are carried in', () => {
  expect(doc).toContain(ERROR_CODE_SYSTEM);
});

test('the published CodeSystem holds every code, with its title as display and its meaning as definition', () => {
  const file = path.join(compiledResourcesDir(findPackageRoot()), 'CodeSystem-error.json');
  const codeSystem = JSON.parse(readFileSync(file, 'utf8')) as CodeSystem;
  expect(codeSystem.url).toBe(ERROR_CODE_SYSTEM);
  expect(codeSystem.content).toBe('complete');
  expect(codeSystem.concept).toEqual(
    catalogue().map(([code, entry]) => ({ code, display: entry.title, definition: entry.meaning })),
  );
});
