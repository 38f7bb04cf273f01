/**
 * The lint rule generated from the layer table reports an import that points up or sideways, or a package used
 * outside the folders that own it, and lets a downward import through. Code is linted as a virtual file with the
 * layer rule alone (no type information needed), and the full lint config is checked to carry the same rule.
 */
import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import { LAYERS, OWNED_PACKAGES, ROOT, SRC, layerConfigs, layerOf, lintConfig } from './layer-config';

const RULE = 'no-restricted-imports';
const FOLDERS = Object.keys(LAYERS);

const layerRuleOnly = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerConfigs],
});

/** The layer rule's messages for `code` placed at `file` (relative to src/). */
async function layerProblems(file: string, code: string): Promise<string[]> {
  const [result] = await layerRuleOnly.lintText(code, { filePath: path.join(SRC, file) });
  const messages = result?.messages ?? [];
  const others = messages.filter((message) => message.ruleId !== RULE);
  if (others.length > 0) {
    throw new Error(`unexpected lint messages: ${JSON.stringify(others)}`);
  }
  return messages.map((message) => message.message);
}

const importOf = (specifier: string): string => `import { probe } from '${specifier}';\nexport const used = probe;\n`;

describe('the layer rule', () => {
  it('reports the deliberately wrong import of delivery/ from mapping/', async () => {
    expect(await layerProblems('mapping/probe.ts', importOf('../delivery/attempt'))).toEqual([
      expect.stringContaining('mapping/ (layer 2) may not import delivery/ (layer 3)'),
    ]);
  });

  it('lets delivery/ import mapping/', async () => {
    expect(await layerProblems('delivery/probe.ts', importOf('../mapping'))).toEqual([]);
  });

  it('reports ioredis in audit/ and lets store/ use it', async () => {
    const code = "import { Redis } from 'ioredis';\nexport const redis = new Redis();\n";
    expect(await layerProblems('audit/probe.ts', code)).toEqual([expect.stringContaining('may use ioredis')]);
    expect(await layerProblems('store/probe.ts', code)).toEqual([]);
  });

  it('reports type-only and re-exported imports too', async () => {
    expect(
      await layerProblems('store/probe.ts', "import type { Job } from '../queue/names';\nexport type J = Job;\n"),
    ).toHaveLength(1);
    expect(
      await layerProblems('mapping/probe.ts', "export { deliverMessage } from '../delivery/deliver-message';\n"),
    ).toHaveLength(1);
  });

  it('reports an upward import from a nested file', async () => {
    expect(await layerProblems('http/routes/probe.ts', importOf('../../runtime/run'))).toHaveLength(1);
    expect(await layerProblems('http/routes/probe.ts', importOf('../../app/intake'))).toEqual([]);
  });

  // Every ordered pair of folders: allowed exactly when the target sits in a strictly lower layer (or is the folder
  // itself), whatever the rule generator does to get there.
  const pairs = FOLDERS.flatMap((from) => FOLDERS.map((to) => [from, to] as const));
  it.each(pairs)('%s/ importing %s/', async (from, to) => {
    const allowed = from === to || layerOf(to) < layerOf(from);
    const problems = await layerProblems(`${from}/probe.ts`, importOf(`../${to}/probe-target`));
    expect(problems).toHaveLength(allowed ? 0 : 1);
  });

  it.each(Object.keys(OWNED_PACKAGES))('only the owners of %s may import it', async (name) => {
    const code = `import * as used from '${name}';\nexport { used };\n`;
    const reported: string[] = [];
    for (const folder of FOLDERS) {
      if ((await layerProblems(`${folder}/probe.ts`, code)).length > 0) {
        reported.push(folder);
      }
    }
    expect(FOLDERS.filter((folder) => !reported.includes(folder))).toEqual(OWNED_PACKAGES[name]);
  });
});

describe('the lint config of `npm run lint`', () => {
  const fullConfig = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: [...lintConfig] });

  it.each(FOLDERS)('applies the layer rule of %s/ to its files', async (folder) => {
    const own = layerConfigs.find((config) => config.files?.includes(`src/${folder}/**/*.ts`));
    const [, options] = (own?.rules?.[RULE] ?? []) as unknown[];
    const computed = (await fullConfig.calculateConfigForFile(path.join(SRC, folder, 'nested', 'probe.ts'))) as {
      rules: Record<string, unknown>;
    };
    expect(options).toBeDefined();
    expect(computed.rules[RULE]).toEqual([2, options]);
  });
});

describe('the layer table', () => {
  it('gives every folder of src/ a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !(folder in LAYERS))).toEqual([]);
  });
});
