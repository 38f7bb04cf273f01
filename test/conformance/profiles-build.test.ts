// Recompiles the FSH into a temporary folder and compares it byte for byte with the committed JSON, so a change to
// profiles/input/fsh without `npm run profiles` fails here. The build also fails when its snapshot checks find
// anything (see scripts/build-profiles.mts), so this run covers them too.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { compiledResourcesDir } from '../../src/conformance';
import { findPackageRoot } from '../../src/lib/package-root';

const run = promisify(execFile);
/** SUSHI and the snapshot checks take about 30 s on an idle 2-core machine; a loaded one needs far more. */
const BUILD_TIMEOUT_MS = 300_000;
const root = findPackageRoot();

describe('npm run profiles', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'sp-profiles-'));
  });

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  /** Files of `built` that differ from or are missing in `committed`, and the other way round. */
  function differences(built: string, committed: string): string[] {
    const builtFiles = readdirSync(built).sort();
    const committedFiles = readdirSync(committed).sort();
    return [
      ...builtFiles.filter(
        (file) =>
          !committedFiles.includes(file) ||
          !readFileSync(path.join(built, file)).equals(readFileSync(path.join(committed, file))),
      ),
      ...committedFiles.filter((file) => !builtFiles.includes(file)),
    ];
  }

  it(
    'compiles the FSH to exactly the committed resources, package manifest, UK Core subset and profile pages',
    async () => {
      // process.execPath is the project's Node 24, which runs the .mts build script with type stripping.
      const docsDir = path.join(outDir, 'docs');
      const script = path.join(root, 'scripts', 'build-profiles.mts');
      await run(process.execPath, [script, '--out', outDir, '--docs', docsDir], {
        cwd: root,
        timeout: BUILD_TIMEOUT_MS,
      });
      expect(differences(path.join(outDir, 'fsh-generated', 'resources'), compiledResourcesDir(root))).toEqual([]);
      const manifest = 'package.json';
      expect(readFileSync(path.join(outDir, 'fsh-generated', manifest), 'utf8')).toBe(
        readFileSync(path.join(root, 'profiles', 'fsh-generated', manifest), 'utf8'),
      );
      expect(differences(docsDir, path.join(root, 'docs', 'profiles'))).toEqual([]);
      // The UK Core definitions the profiles use, committed so the tests never read the UK Core sources.
      const ukCore = path.join('fsh-generated', 'dependencies', 'ukcore.r4.stu.02.00.00#2.0.0', 'package');
      expect(differences(path.join(outDir, ukCore), path.join(root, 'profiles', ukCore))).toEqual([]);
    },
    BUILD_TIMEOUT_MS + 10_000,
  );
});
