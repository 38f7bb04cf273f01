/**
 * `npm run bench`: runs every registered scenario (bench/scenarios/index.ts) against the real Redis and one EHR
 * (the sandbox in its own process, or `--base-url`), each scenario under a throwaway key prefix of its own that is
 * deleted afterwards; prints the figures and writes them as JSON plus a Markdown summary of the targets to
 * bench/results/. `--quick` shortens every phase; `--scenarios a,b` runs only some; `--list` names them.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load';
import { DURABLE_REDIS_ARGS, createPrivateRedis } from '../test/support/private-redis';
import { startBenchEhr } from './ehr';
import { referral } from './load';
import { machineInfo, writeResults } from './report';
import type { BenchContext, BenchOptions, ScenarioResult, TargetRow } from './scenario';
import { SCENARIOS } from './scenarios';
import { writeSummary } from './summary';

interface CliOptions {
  readonly baseUrl?: string;
  readonly quick?: boolean;
  readonly scenarios?: string;
  readonly messages?: string;
  readonly concurrency?: string;
  readonly ehrConcurrency?: string;
  readonly steadySeconds?: string;
  readonly single?: string;
  readonly privateRedis?: boolean;
  readonly intakeCheckThreads?: string;
  readonly backlogRate?: string;
  readonly list?: boolean;
}

function benchOptions(cli: CliOptions): BenchOptions {
  const quick = cli.quick === true;
  const number = (value: string | undefined, fallback: number): number => {
    const parsed = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) {
      throw new Error(`expected a positive whole number, got ${String(value)}`);
    }
    return parsed;
  };
  return {
    quick,
    messages: number(cli.messages, quick ? 300 : 2000),
    concurrency: number(cli.concurrency, 32),
    ehrConcurrency: number(cli.ehrConcurrency, 16),
    steadySeconds: number(cli.steadySeconds, quick ? 10 : 60),
    singleMessages: number(cli.single, quick ? 10 : 50),
    backlogMessages: number(cli.messages, 100_000),
    backlogRate: number(cli.backlogRate, 100),
    ...(cli.intakeCheckThreads !== undefined ? { intakeCheckThreads: Number(cli.intakeCheckThreads) } : {}),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const cli = new Command('bench')
    .option('--base-url <url>', 'FHIR base URL of the EHR (default: the sandbox, started in its own process)')
    .option('--quick', 'shorter phases for a quick look')
    .option('--scenarios <names>', 'comma-separated scenarios to run (default: all)')
    .option('--messages <n>', 'messages per closed-loop phase (default 2000, quick 300)')
    .option('--concurrency <n>', 'intake requests in flight at once (default 32)')
    .option('--ehr-concurrency <n>', "deliveries in flight to the EHR: the endpoint's concurrency (default 16)")
    .option('--steady-seconds <n>', 'seconds of the steady and offered-rate phases (default 60, quick 10)')
    .option('--single <n>', 'messages of the single-message phase (default 50, quick 10)')
    .option('--private-redis', 'a private redis-server with appendonly and appendfsync always, for exact Redis CPU')
    .option('--backlog-rate <n>', "the backlog scenario's declared requests per second for the endpoint (default 100)")
    .option('--intake-check-threads <n>', "the API's http.intakeCheckThreads (default: the configuration's default)")
    .option('--list', 'list the scenarios and stop')
    .parse(argv, { from: 'user' })
    .opts<CliOptions>();
  if (cli.list === true) {
    for (const scenario of SCENARIOS) {
      console.log(
        `${scenario.name}: ${scenario.describe}${scenario.onlyWhenNamed === true ? ' (only when named)' : ''}`,
      );
    }
    return;
  }
  const options = benchOptions(cli);
  const chosen =
    cli.scenarios === undefined
      ? SCENARIOS.filter((s) => s.onlyWhenNamed !== true)
      : SCENARIOS.filter((s) => cli.scenarios?.split(',').includes(s.name));
  const loadStart = loadavg();
  const run = randomBytes(3).toString('hex');
  const privateRedis = cli.privateRedis === true ? await createPrivateRedis({ args: DURABLE_REDIS_ARGS }) : undefined;
  const redisUrl = privateRedis?.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const ehr = await startBenchEhr(cli.baseUrl);
  const results = new Map<string, ScenarioResult>();
  const timings: { name: string; describe: string; seconds: number }[] = [];
  let nextDoc = 0;
  const context: BenchContext = {
    options,
    ehr,
    redisUrl,
    results,
    config: (scenario) =>
      parseConfig({
        http: {
          port: 0,
          ...(options.intakeCheckThreads !== undefined ? { intakeCheckThreads: options.intakeCheckThreads } : {}),
        },
        redis: { url: redisUrl, prefix: `bench-${run}-${scenario}` },
        endpoints: [
          {
            id: 'ehr',
            baseUrl: ehr.baseUrl,
            practices: ['*'],
            concurrency: options.ehrConcurrency,
            maxRequestsPerSecond: 10_000,
          },
        ],
        log: { level: 'silent' },
      }),
    takeDocs: (count) =>
      Array.from({ length: count }, () => {
        nextDoc += 1;
        return referral(nextDoc, run);
      }),
  };
  const redis = new Redis(redisUrl);
  try {
    for (const scenario of chosen) {
      console.error(`bench: ${scenario.name}…`);
      const started = performance.now();
      // One scenario failing (an overloaded machine resets connections) must not lose the others' figures.
      results.set(
        scenario.name,
        await scenario.run(context).catch((error: unknown) => {
          console.error(error);
          return {
            figures: { error: error instanceof Error ? error.message : String(error) },
            targets: [{ target: `${scenario.name}: the scenario did not finish`, goal: '', measured: String(error) }],
          };
        }),
      );
      timings.push({
        name: scenario.name,
        describe: scenario.describe,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      });
    }
  } finally {
    // Leave nothing behind in Redis.
    for await (const keys of redis.scanStream({ match: `bench-${run}-*`, count: 1000 })) {
      if ((keys as string[]).length > 0) {
        await redis.unlink(...(keys as string[]));
      }
    }
    await redis.quit();
    await ehr.close();
    await privateRedis?.destroy();
  }
  const loadEnd = loadavg();
  const targets: TargetRow[] = [...results.values()].flatMap((result) => result.targets ?? []);
  const date = new Date().toISOString();
  const redisDescription =
    privateRedis === undefined ? 'shared (REDIS_URL)' : 'private, appendonly yes, appendfsync always';
  const figures = {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: loadEnd },
    ehr: ehr.description,
    redis: redisDescription,
    options,
    scenarios: Object.fromEntries([...results].map(([name, result]) => [name, result.figures])),
    // The benchmark process holds the adapter of every scenario in turn; the EHR runs in a process of its own.
    processRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    targets,
  };
  const jsonFile = writeResults('bench', figures);
  writeSummary(join(jsonFile, '..', `summary-${date.replace(/[:.]/g, '-')}.md`), {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: loadEnd },
    ehr: ehr.description,
    redis: redisDescription,
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    scenarios: timings,
    targets,
    jsonFile: jsonFile.split('/').at(-1) ?? jsonFile,
  });
}

main(process.argv.slice(2))
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
