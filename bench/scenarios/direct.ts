/**
 * The direct-to-EHR baseline: the transaction Bundles the adapter's own mapper makes for fresh referrals (the
 * same documents and patients the delivery scenario sends), posted straight to the same EHR at the same
 * concurrency as the adapter's endpoint, once as transactions alone and once with the two lookups a delivery
 * without the cache makes first (the patient search and the version check). The ratio of the adapter's
 * delivered/s (delivery scenario, same run) to these is the target of issue 12.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { identifierToken, mapMessage, transactionBundle } from '../../src/mapping';
import { validateInbound } from '../../src/messages/validate';
import { NHS_NUMBER_SYSTEM } from '../../src/sandbox';
import { runPool } from '../load';
import type { BenchContext, Scenario, TargetRow } from '../scenario';

const NAME = 'direct';

interface Prepared {
  readonly bundle: Bundle;
  readonly patientQuery: string;
  readonly versionQuery: string;
}

async function fhir(baseUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}/${path}`, {
    method,
    headers: { accept: 'application/fhir+json', 'content-type': 'application/fhir+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) {
    throw new Error(`the EHR answered ${method} ${path.split('?')[0] ?? ''} with ${String(response.status)}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** The Bundles for `count` fresh referrals, each patient looked up once beforehand (not timed). */
async function prepare(context: BenchContext, count: number): Promise<Prepared[]> {
  const patients = new Map<string, string>();
  const prepared: Prepared[] = [];
  for (const doc of context.takeDocs(count)) {
    const validated = validateInbound(doc.kind, doc.body, new Date());
    if (!validated.ok) {
      throw new Error('a benchmark referral did not validate');
    }
    const nhsNumber = validated.message.body.patient.nhsNumber;
    const patientQuery = `Patient?${new URLSearchParams({ identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}`, _count: '2', _elements: 'id,name,birthDate' }).toString()}`;
    let patientId = patients.get(nhsNumber);
    if (patientId === undefined) {
      const found = (await fhir(context.ehr.baseUrl, 'GET', patientQuery)) as Bundle;
      patientId = found.entry?.[0]?.resource?.id ?? '';
      patients.set(nhsNumber, patientId);
    }
    const resources = mapMessage(validated.message, {
      patient: { reference: `Patient/${patientId}` },
      recordedAt: new Date().toISOString(),
    });
    const main = resources[0];
    const versionQuery = `${main?.resourceType ?? 'ServiceRequest'}?${new URLSearchParams({ identifier: identifierToken(main?.identifier?.[0] ?? {}), _count: '2' }).toString()}`;
    prepared.push({ bundle: transactionBundle(resources), patientQuery, versionQuery });
  }
  return prepared;
}

async function postAll(context: BenchContext, items: readonly Prepared[], withLookups: boolean): Promise<number> {
  const { baseUrl } = context.ehr;
  const started = performance.now();
  await runPool(items, context.options.ehrConcurrency, async (item) => {
    if (withLookups) {
      await fhir(baseUrl, 'GET', item.patientQuery);
      await fhir(baseUrl, 'GET', item.versionQuery);
    }
    await fhir(baseUrl, 'POST', '', item.bundle);
  });
  return Math.round(items.length / ((performance.now() - started) / 1000));
}

function ratioRow(target: string, adapter: number | undefined, direct: number): TargetRow {
  if (adapter === undefined) {
    return { target, goal: '≥ 0.9', measured: `direct ${String(direct)}/s; no delivery figure in this run` };
  }
  const ratio = Math.round((adapter / direct) * 100) / 100;
  return {
    target,
    goal: '≥ 0.9',
    measured: `${String(adapter)} ÷ ${String(direct)} delivered/s`,
    ratio,
    met: ratio >= 0.9,
  };
}

export const direct: Scenario = {
  name: NAME,
  describe: 'the same kind of transaction Bundles posted straight to the EHR, with and without the lookups',
  async run(context) {
    const count = context.options.messages;
    const transactionsOnly = await postAll(context, await prepare(context, count), false);
    const second = await prepare(context, count);
    // Counted from here: the requests of the run with the lookups, not the preparation's.
    await context.ehr.reset();
    const withLookups = await postAll(context, second, true);
    const counts = await context.ehr.counts();
    const delivered = context.results.get('delivery')?.figures.deliveredPerSecond;
    const adapter = typeof delivered === 'number' ? delivered : undefined;
    return {
      figures: {
        messages: count,
        concurrency: context.options.ehrConcurrency,
        transactionsPerSecond: transactionsOnly,
        withLookupsPerSecond: withLookups,
        ...(counts !== undefined ? { requestsWithLookups: counts } : {}),
        ...(adapter !== undefined
          ? {
              adapterDeliveredPerSecond: adapter,
              ratioToTransactionsOnly: Math.round((adapter / transactionsOnly) * 100) / 100,
              ratioToWithLookups: Math.round((adapter / withLookups) * 100) / 100,
            }
          : {}),
      },
      targets: [
        ratioRow('delivery through the adapter ÷ the same Bundles posted directly', adapter, transactionsOnly),
        ratioRow('delivery through the adapter ÷ direct posting with the two lookups', adapter, withLookups),
      ],
    };
  },
};
