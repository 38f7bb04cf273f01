/** The cost of each intake step one message at a time (bench/intake-steps.ts), with the workers off. */
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import { measureIntakeSteps } from '../intake-steps';
import type { Scenario } from '../scenario';

const NAME = 'intake-steps';

export const intakeSteps: Scenario = {
  name: NAME,
  describe: 'each intake step timed per message (validation, conformance, hashes, scripts, enqueue, JSON)',
  async run(context) {
    const adapter = await runAdapter(
      context.config(NAME),
      { api: true, worker: false, sandbox: false },
      silentLogger(),
    );
    try {
      const count = context.options.quick ? Math.min(300, context.options.messages) : context.options.messages;
      const steps = await measureIntakeSteps(
        adapter.services,
        adapter.apiUrl ?? '',
        context.takeDocs(count),
        context.takeDocs(Math.min(500, count)),
      );
      return { figures: { ...steps, acceptedIds: undefined } };
    } finally {
      await adapter.stop();
    }
  },
};
