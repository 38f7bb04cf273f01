/**
 * Finds the project's own folder (the one holding its package.json), so files shipped with the package (compiled
 * profiles, package metadata) are found the same way from src/ under Jest and from dist/src/ when compiled.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'sp-fhir-adapter';

/** The folder holding the project's package.json, found by walking up from this file. */
export function findPackageRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === PACKAGE_NAME) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${start}`);
    }
    dir = parent;
  }
}

function readPackageName(file: string): string | undefined {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
  return typeof parsed.name === 'string' ? parsed.name : undefined;
}
