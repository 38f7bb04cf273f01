/**
 * In-memory RecordLeases for fast tests: a lease per record key, taken or not, and a count of releases so a test
 * can check that every path gives the lease back.
 */
import type { Lease, RecordLeases, RecordRef } from '../../../../src/store/record-lease';

export class InMemoryLeases implements RecordLeases {
  readonly held = new Set<string>();
  readonly taken: { readonly record: RecordRef; readonly ttlMs: number }[] = [];
  releases = 0;

  static keyOf(record: RecordRef): string {
    return `${record.kind}\n${record.system}\n${record.recordId}`;
  }

  async acquire(record: RecordRef, ttlMs: number): Promise<Lease | undefined> {
    const key = InMemoryLeases.keyOf(record);
    if (this.held.has(key)) {
      return Promise.resolve(undefined);
    }
    this.held.add(key);
    this.taken.push({ record, ttlMs });
    return Promise.resolve({
      release: async () => {
        this.held.delete(key);
        this.releases += 1;
        return Promise.resolve();
      },
    });
  }
}
