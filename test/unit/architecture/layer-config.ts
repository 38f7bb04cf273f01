/**
 * The layer table and the layer rule exactly as eslint.config.mjs defines them, loaded through Jest's module system
 * (which compiles that ES module to CommonJS) and checked for shape, so the architecture tests read the same
 * source of truth as `npm run lint`.
 */
import type { Linter } from 'eslint';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { findPackageRoot } from '../../../src/lib/package-root';

export const ROOT = findPackageRoot();
export const SRC = path.join(ROOT, 'src');

const lintConfigModule = z.object({
  LAYERS: z.record(z.string(), z.number().int().nonnegative()),
  OWNED_PACKAGES: z.record(z.string(), z.array(z.string())),
  layerConfigs: z.array(z.custom<Linter.Config>((value) => typeof value === 'object' && value !== null)),
  default: z.array(z.custom<Linter.Config>((value) => typeof value === 'object' && value !== null)),
});

// A plain `import` of an .mjs file does not type-check from a CommonJS test; Jest's require does load it.
const loaded = lintConfigModule.parse(createRequire(__filename)(path.join(ROOT, 'eslint.config.mjs')));

/** Folder of src/ → its layer; a file may import its own folder and lower layers only. */
export const LAYERS: Readonly<Record<string, number>> = loaded.LAYERS;
/** Package → the folders that may import it. */
export const OWNED_PACKAGES: Readonly<Record<string, readonly string[]>> = loaded.OWNED_PACKAGES;
/** One `no-restricted-imports` config object per folder, as the lint config spreads them. */
export const layerConfigs: readonly Linter.Config[] = loaded.layerConfigs;
/** The whole lint config, as `npm run lint` uses it. */
export const lintConfig: readonly Linter.Config[] = loaded.default;

export function layerOf(folder: string): number {
  const layer = LAYERS[folder];
  if (layer === undefined) {
    throw new Error(`src/${folder}/ has no layer in eslint.config.mjs`);
  }
  return layer;
}
