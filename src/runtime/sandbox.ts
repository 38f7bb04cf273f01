/**
 * Starts the embedded sandbox EHR as the configuration describes it (host, port, optional OAuth server), for
 * `start` and for the `sandbox` command alike.
 */
import type { Config } from '../config/schema';
import type { Logger } from '../observability/logger';
import type { RunningSandbox } from '../sandbox';
import { startSandbox } from '../sandbox';

/** True when an endpoint is configured as "sandbox", i.e. deliveries go to the embedded EHR. */
export function usesSandbox(config: Config): boolean {
  return config.endpoints.some((endpoint) => endpoint.baseUrl === 'sandbox');
}

export async function startConfiguredSandbox(
  config: Config,
  logger: Logger,
  port: number = config.sandbox.port,
): Promise<RunningSandbox> {
  return startSandbox({
    port,
    host: config.sandbox.host,
    logger,
    ...(config.sandbox.oauth !== undefined ? { oauth: config.sandbox.oauth } : {}),
  });
}
