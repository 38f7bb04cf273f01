/**
 * Reads the store's Lua scripts from src/store/lua/ (relative to the package root, so the same files serve Jest
 * and the compiled adapter) and resolves their `-- @include "<name>"` lines, each included file once per script.
 * Files are read once per process and kept.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from '../lib/package-root';

const INCLUDE = /^--\s*@include\s+"([a-z0-9-]+)"\s*$/;

const files = new Map<string, string>();

function luaDirectory(): string {
  return path.join(findPackageRoot(), 'src', 'store', 'lua');
}

function readLuaFile(name: string): string {
  let text = files.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(luaDirectory(), `${name}.lua`), 'utf8');
    files.set(name, text);
  }
  return text;
}

function expand(name: string, included: Set<string>, trail: readonly string[]): string {
  if (trail.includes(name)) {
    throw new Error(`Lua include cycle: ${[...trail, name].join(' → ')}`);
  }
  return readLuaFile(name)
    .split('\n')
    .map((line) => {
      const include = INCLUDE.exec(line)?.[1];
      if (include === undefined) {
        return line;
      }
      if (included.has(include)) {
        return `-- (${include} included above)`;
      }
      included.add(include);
      return expand(include, included, [...trail, name]);
    })
    .join('\n');
}

/** The source of `src/store/lua/<name>.lua` with its includes spliced in. */
export function luaSource(name: string): string {
  return expand(name, new Set([name]), []);
}
