/**
 * AUDIT_PURGE_FAILED turns on purging the bodies of messages that failed for good; a value that is not a yes/no
 * word is refused at start-up, naming the setting.
 */
import { ConfigError, loadConfig } from '../../src/config/load';

describe('AUDIT_PURGE_FAILED', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['YES', true],
    ['off', false],
    ['0', false],
  ])('reads %s as %s', (value, expected) => {
    expect(loadConfig({ AUDIT_PURGE_FAILED: value, AUDIT_RETENTION_DAYS: '30' }).audit.purgeFailed).toBe(expected);
  });

  it('defaults to keeping failed messages', () => {
    expect(loadConfig({}).audit.purgeFailed).toBe(false);
  });

  it('refuses anything else, naming the setting', () => {
    expect(() => loadConfig({ AUDIT_PURGE_FAILED: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUDIT_PURGE_FAILED: 'sometimes' })).toThrow(/audit\.purgeFailed/);
  });
});
