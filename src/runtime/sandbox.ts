/**
 * Starts the embedded sandbox EHR as the configuration describes it (host, port, optional OAuth server, optional
 * realistic mode), for `start` and for the `sandbox` command alike.
 */
import type { Config } from '../config/schema';
import type { Logger } from '../observability/logger';
import type { RealisticOptions, RunningSandbox } from '../sandbox';
import { startSandbox } from '../sandbox';

/** True when an endpoint is configured as "sandbox", i.e. deliveries go to the embedded EHR. */
export function usesSandbox(config: Config): boolean {
  return config.endpoints.some((endpoint) => endpoint.routes.includes('fhir') && endpoint.baseUrl === 'sandbox');
}

export async function startConfiguredSandbox(
  config: Config,
  logger: Logger,
  port: number = config.sandbox.port,
  realistic: RealisticOptions | undefined = config.sandbox.realistic,
): Promise<RunningSandbox> {
  return startSandbox({
    port,
    host: config.sandbox.host,
    logger,
    ...(config.sandbox.oauth !== undefined ? { oauth: config.sandbox.oauth } : {}),
    ...(realistic !== undefined ? { realistic } : {}),
  });
}

/** The `sandbox` command's realistic-mode flags, as commander gives them. */
export interface RealisticFlags {
  readonly realistic?: boolean;
  readonly seed?: string;
  readonly conflictRate?: string;
  readonly entryConflictRate?: string;
  readonly quotaPoints?: string;
  readonly quotaWindow?: string;
}

function flagNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, not "${value}"`);
  }
  return parsed;
}

/**
 * The realistic mode the flags ask for, over the configured one: any realistic flag turns the mode on, and each
 * flag given replaces the configured value. Undefined when neither the flags nor the configuration ask for it.
 */
export function realisticFromFlags(
  flags: RealisticFlags,
  configured: RealisticOptions | undefined,
): RealisticOptions | undefined {
  const given: RealisticOptions = {
    ...withValue('seed', flagNumber('seed', flags.seed, 0, 2 ** 32 - 1)),
    ...withValue('conflictRate', flagNumber('conflict-rate', flags.conflictRate, 0, 1)),
    ...withValue('entryConflictRate', flagNumber('entry-conflict-rate', flags.entryConflictRate, 0, 1)),
    ...withValue('quotaPoints', flagNumber('quota-points', flags.quotaPoints, 0, Number.MAX_SAFE_INTEGER)),
    ...withValue('quotaWindowSeconds', flagNumber('quota-window', flags.quotaWindow, 1, 86_400)),
  };
  if (flags.realistic !== true && Object.keys(given).length === 0) {
    return configured;
  }
  return { ...configured, ...given };
}

function withValue(key: keyof RealisticOptions, value: number | undefined): RealisticOptions {
  return value === undefined ? {} : { [key]: value };
}
