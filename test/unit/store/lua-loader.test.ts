/**
 * The Lua loader: includes are spliced in once each (the ledger append and the SHA-256 it needs), every script
 * file carries its Input/Output header, and no TypeScript file under src/ holds a Lua body of its own.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { luaSource } from '../../../src/store/lua-loader';

const root = path.join(__dirname, '..', '..', '..');
const luaDir = path.join(root, 'src', 'store', 'lua');
const INCLUDES = ['sha256', 'append-ledger'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? tsFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('Lua scripts in .lua files', () => {
  const scripts = readdirSync(luaDir)
    .filter((name) => name.endsWith('.lua'))
    .map((name) => name.slice(0, -'.lua'.length));

  it.each(scripts.filter((name) => !INCLUDES.includes(name)))('%s has an Input and Output header', (name) => {
    const text = readFileSync(path.join(luaDir, `${name}.lua`), 'utf8');
    expect(text.startsWith('--[[')).toBe(true);
    expect(text).toMatch(/Input:[\s\S]*Output:[\s\S]*\]\]/);
  });

  it.each(['create-message', 'transition-message', 'append-entry', 'append-once', 'purge-body'])(
    '%s has the ledger append and the SHA-256 spliced in exactly once',
    (name) => {
      const source = luaSource(name);
      expect(source).not.toMatch(/^--\s*@include/m);
      expect(source.match(/local function sha256_hex\(/g)).toHaveLength(1);
      expect(source.match(/local function append_ledger\(/g)).toHaveLength(1);
    },
  );

  it('leaves no Lua body in any TypeScript source', () => {
    const withLua = tsFiles(path.join(root, 'src')).filter((file) =>
      readFileSync(file, 'utf8').includes('redis.call('),
    );
    expect(withLua).toEqual([]);
  });
});
