/**
 * Starts a worker thread on one of the project's own modules, whether the project runs compiled (dist/, the
 * module is a .js file) or from its TypeScript sources (Jest): a thread does not inherit Jest's transform, so a .ts
 * module is loaded through @swc/core, the compiler Jest itself uses (a development dependency, present wherever
 * the sources are run).
 */
import { dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The module beside `fromFile` (a module's `__filename`) named `name`, with the same extension: the compiled
 * file when running compiled, the source when running from sources.
 */
export function siblingModule(fromFile: string, name: string): string {
  return join(dirname(fromFile), `${name}${extname(fromFile)}`);
}

/** The code a thread runs to load a TypeScript module: register the SWC transform for .ts, then require it. */
function typeScriptLoader(file: string): string {
  const pirates = JSON.stringify(require.resolve('pirates'));
  const swc = JSON.stringify(require.resolve('@swc/core'));
  return `
    const { addHook } = require(${pirates});
    const { transformSync } = require(${swc});
    addHook(
      (code, filename) =>
        transformSync(code, {
          filename,
          jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
          module: { type: 'commonjs' },
        }).code,
      { exts: ['.ts'] },
    );
    require(${JSON.stringify(file)});
  `;
}

export function startModuleWorker(file: string): Worker {
  return file.endsWith('.ts') ? new Worker(typeScriptLoader(file), { eval: true }) : new Worker(file);
}
