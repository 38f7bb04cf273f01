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
const root = findPackageRoot();

describe('npm run profiles', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'sp-profiles-'));
  });

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('compiles the FSH to exactly the committed resources', async () => {
    // process.execPath is the project's Node 24, which runs the .mts build script with type stripping.
    await run(process.execPath, [path.join(root, 'scripts', 'build-profiles.mts'), '--out', outDir], {
      cwd: root,
      timeout: 180_000,
    });
    const built = path.join(outDir, 'fsh-generated', 'resources');
    const committed = compiledResourcesDir(root);
    const builtFiles = readdirSync(built).sort();
    expect(readdirSync(committed).sort()).toEqual(builtFiles);
    const stale = builtFiles.filter(
      (file) => !readFileSync(path.join(built, file)).equals(readFileSync(path.join(committed, file))),
    );
    expect(stale).toEqual([]);
  }, 180_000);
});
