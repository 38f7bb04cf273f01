/**
 * The adapter's version, read from its package.json wherever the code runs from (sources or compiled output).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from './package-root';

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(findPackageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
