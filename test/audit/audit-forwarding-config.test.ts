/**
 * Endpoint auditEvents settings: none by default, ehr and repository accepted, and a wrong combination stops
 * start-up with one line naming the setting.
 */
import { ConfigError, parseConfig } from '../../src/config/load';

function withForwarding(auditEvents: Record<string, unknown> | undefined): unknown {
  return {
    endpoints: [
      {
        id: 'ehr',
        baseUrl: 'https://ehr.example.org/fhir',
        practices: ['*'],
        ...(auditEvents !== undefined ? { auditEvents } : {}),
      },
    ],
  };
}

function failure(raw: unknown): string {
  try {
    parseConfig(raw, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

test('an endpoint sends no AuditEvents unless configured', () => {
  expect(parseConfig(withForwarding(undefined), {}).endpoints[0]?.auditEvents).toEqual({ send: 'none' });
});

test('ehr and repository targets are accepted', () => {
  expect(parseConfig(withForwarding({ send: 'ehr' }), {}).endpoints[0]?.auditEvents.send).toBe('ehr');
  const repository = parseConfig(
    withForwarding({
      send: 'repository',
      repositoryUrl: 'https://audit.example.org/fhir',
      auth: { type: 'bearer', token: 'audit-token' },
    }),
    {},
  ).endpoints[0]?.auditEvents;
  expect(repository).toEqual({
    send: 'repository',
    repositoryUrl: 'https://audit.example.org/fhir',
    auth: { type: 'bearer', token: 'audit-token' },
  });
});

test('a repository target without repositoryUrl stops start-up with one line', () => {
  const message = failure(withForwarding({ send: 'repository' }));
  expect(message.split('\n').filter((line) => line.includes('endpoints[0].auditEvents'))).toEqual([
    expect.stringContaining('endpoints[0].auditEvents.repositoryUrl: send "repository" needs repositoryUrl') as string,
  ]);
});

test('repository settings on another target, an unknown target and bad auth are refused', () => {
  expect(failure(withForwarding({ send: 'ehr', repositoryUrl: 'https://audit.example.org/fhir' }))).toContain(
    'endpoints[0].auditEvents.repositoryUrl: is only used with send "repository", not "ehr"',
  );
  expect(failure(withForwarding({ send: 'syslog' }))).toContain('endpoints[0].auditEvents.send');
  expect(
    failure(
      withForwarding({ send: 'repository', repositoryUrl: 'https://audit.example.org/fhir', auth: { type: 'bearer' } }),
    ),
  ).toContain('endpoints[0].auditEvents.auth.token: is required');
});
