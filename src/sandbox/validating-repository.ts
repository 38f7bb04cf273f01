/**
 * An in-memory FHIR store that behaves like a strict real server: every write is validated against the R4 base
 * definitions, versions are numbered 1, 2, 3…, conditional writes cannot race into duplicates, a failed
 * transaction is rolled back instead of leaving half of its entries behind, and identifier and tag searches stay fast as
 * the store grows. Each resource is validated once: a transaction's entries are checked before the transaction runs
 * (`validateAhead`), and the writes that follow recognise them instead of validating them a second time.
 */
import type { SearchRequest, WithId } from '@medplum/core';
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  created,
  multipleMatches,
  normalizeErrorString,
  validateResource,
} from '@medplum/core';
import type { CreateResourceOptions, DeleteResourceOptions, UpdateResourceOptions } from '@medplum/fhir-router';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { narrowIdentifierSearchTypes } from '../lib/fhir-definitions';
import { TokenIndex } from './token-index';

/** How to put the store back as it was before one write of a failed transaction. */
type UndoStep =
  | {
      readonly kind: 'remove';
      readonly resourceType: string;
      readonly id: string;
      readonly version: number | undefined;
    }
  | { readonly kind: 'restore'; readonly previous: WithId<Resource>; readonly version: number | undefined };

/** Runs async sections one after another, so a search-then-write cannot interleave with another one. */
class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Up to this many resources validated ahead are remembered until their write. Entries of a transaction that
 * failed before writing them are never consumed; the bound keeps them from accumulating.
 */
const MAX_VALIDATED_AHEAD = 4096;

/**
 * What identifies a resource validated ahead when its write arrives. FhirRouter writes a copy with its id set and
 * urn:uuid and conditional references resolved, so `id`, `meta.versionId`, `meta.lastUpdated` and reference strings are left out: they are all
 * plain strings either way, so whether they were validated before or after resolution cannot change the outcome.
 * A resource changed in any other way simply does not match and is validated again.
 */
function validationKey(resource: Resource): string {
  const meta = resource.meta === undefined ? undefined : { ...resource.meta, versionId: '', lastUpdated: '' };
  return JSON.stringify({ ...resource, id: '', meta }, (key, value: unknown) => (key === 'reference' ? '' : value));
}

export class ValidatingMemoryRepository extends MemoryRepository {
  // These objects are mutated, never reassigned, so transaction views (see withTransaction) share them.
  private readonly versions = new Map<string, number>();
  /** Keys of resources validated ahead of their write, with how many writes of each are still to come. */
  private readonly validatedAhead = new Map<string, number>();
  private readonly counts = { validations: 0 };
  private readonly conditionalLock = new SerialLock();
  private readonly tokens: TokenIndex;
  /** Present only on the per-transaction view of the repository. */
  private undoLog: UndoStep[] | undefined;

  constructor() {
    super();
    this.tokens = new TokenIndex(new Set(narrowIdentifierSearchTypes()));
  }

  /** How many times a resource was validated against the R4 definitions (each resource should count once). */
  get validations(): number {
    return this.counts.validations;
  }

  /**
   * Validates a resource a transaction is about to write (throwing the 400 OperationOutcome assertValid throws),
   * and remembers it so its write does not validate it again.
   */
  validateAhead(resource: Resource): void {
    this.validate(resource);
    const key = validationKey(resource);
    this.validatedAhead.set(key, (this.validatedAhead.get(key) ?? 0) + 1);
    if (this.validatedAhead.size > MAX_VALIDATED_AHEAD) {
      const oldest = this.validatedAhead.keys().next();
      if (oldest.done !== true) {
        this.validatedAhead.delete(oldest.value);
      }
    }
  }

  /** Validates a resource being written, unless it was validated ahead (then its remembered key is used up). */
  private validateOnWrite(resource: Resource): void {
    if (this.validatedAhead.size > 0) {
      const key = validationKey(resource);
      const pending = this.validatedAhead.get(key);
      if (pending !== undefined) {
        if (pending > 1) {
          this.validatedAhead.set(key, pending - 1);
        } else {
          this.validatedAhead.delete(key);
        }
        return;
      }
    }
    this.validate(resource);
  }

  private validate(resource: Resource): void {
    this.counts.validations += 1;
    assertValid(resource);
  }

  override async createResource<T extends Resource>(
    resource: T,
    options?: CreateResourceOptions,
    update = false,
  ): Promise<WithId<T>> {
    this.validateOnWrite(resource);
    // A plain create ignores a client-supplied id, as real servers do; ids chosen by the server for transaction
    // entries or seeding arrive with assignedId, and updates keep theirs.
    const id = update || options?.assignedId ? (resource.id ?? this.generateId()) : this.generateId();
    const key = `${resource.resourceType}/${id}`;
    const previous = this.undoLog && update ? await this.readCurrent(resource.resourceType, id) : undefined;

    // From here to the write there is no await, so the version number cannot be taken by a concurrent write.
    const previousVersion = this.versions.get(key);
    const version = (previousVersion ?? 0) + 1;
    const stored: T = {
      ...resource,
      id,
      meta: { ...resource.meta, versionId: String(version), lastUpdated: new Date().toISOString() },
    };
    // Seeding mode is the only way to keep our own versionId; the parent would otherwise assign a random one.
    const written = this.withSeeding(() => super.createResource(stored, options, update));
    this.versions.set(key, version);
    this.tokens.put({ ...stored, id });
    let result: WithId<T>;
    try {
      result = await written;
    } catch (err) {
      if (this.versions.get(key) === version) {
        this.restoreVersion(key, previousVersion);
        const current = await this.readCurrent(resource.resourceType, id);
        if (current) {
          this.tokens.put(current);
        } else {
          this.tokens.remove(resource.resourceType, id);
        }
      }
      throw err;
    }
    this.undoLog?.push(
      previous
        ? { kind: 'restore', previous, version: previousVersion }
        : { kind: 'remove', resourceType: resource.resourceType, id, version: previousVersion },
    );
    return result;
  }

  override async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    const previous = this.undoLog ? await this.readCurrent(resourceType, id) : undefined;
    await super.deleteResource(resourceType, id, options);
    this.tokens.remove(resourceType, id);
    if (previous) {
      this.undoLog?.push({ kind: 'restore', previous, version: this.versions.get(`${resourceType}/${id}`) });
    }
  }

  override async expungeResources(resourceType: string, ids: string[]): Promise<void> {
    await super.expungeResources(resourceType, ids);
    for (const id of ids) {
      this.tokens.remove(resourceType, id);
    }
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const ids = this.tokens.lookup(searchRequest);
    if (!ids) {
      return super.search(searchRequest);
    }
    const offset = searchRequest.offset ?? 0;
    const page = ids.slice(offset, searchRequest.count === undefined ? undefined : offset + searchRequest.count);
    const entry: BundleEntry<WithId<T>>[] = [];
    for (const id of page) {
      entry.push({
        search: { mode: 'match' },
        resource: await this.readResource<WithId<T>>(searchRequest.resourceType, id),
      });
    }
    return { resourceType: 'Bundle', type: 'searchset', ...(entry.length > 0 ? { entry } : {}), total: ids.length };
  }

  /** Replaces the parent's version, which writes around createResource and so would skip validation. */
  override conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    return this.conditionalLock.run(async () => {
      if (search.resourceType !== resource.resourceType) {
        throw new OperationOutcomeError(badRequest('Search type must match resource type for conditional create'));
      }
      const matches = await this.searchResources({ ...search, count: 2, offset: 0, sortRules: undefined });
      const [match, duplicate] = matches;
      if (duplicate) {
        throw new OperationOutcomeError(multipleMatches);
      }
      if (match) {
        return { resource: match, outcome: allOk };
      }
      return { resource: await this.createResource(resource, options), outcome: created };
    });
  }

  /**
   * Runs a section that searches and then writes by business identifier, one at a time with the conditional
   * creates and updates. The section must not itself call conditionalCreate or conditionalUpdate (it would wait
   * for itself).
   */
  exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.conditionalLock.run(section);
  }

  override conditionalUpdate<T extends Resource>(
    resource: T,
    search: SearchRequest,
    options?: CreateResourceOptions & UpdateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    return this.conditionalLock.run(() => super.conditionalUpdate(resource, search, options));
  }

  /**
   * The parent runs the callback with no isolation and no rollback. Here the callback gets a view of this
   * repository that records how to undo each write, and a failure undoes them in reverse order. Other requests
   * can still see the intermediate state while the transaction runs (no isolation), which a sandbox can live with.
   */
  override async withTransaction<TResult>(callback: (repo: this) => Promise<TResult>): Promise<TResult> {
    if (this.undoLog) {
      return callback(this);
    }
    // The view inherits everything from this repository and only adds its own undo log.
    const view = Object.create(this) as this;
    view.undoLog = [];
    try {
      return await callback(view);
    } catch (err) {
      await view.rollback();
      throw err;
    }
  }

  private async rollback(): Promise<void> {
    const steps = this.undoLog ?? [];
    this.undoLog = undefined;
    for (const step of steps.reverse()) {
      if (step.kind === 'remove') {
        await this.expungeResource(step.resourceType, step.id);
        this.restoreVersion(`${step.resourceType}/${step.id}`, step.version);
      } else {
        // Written back exactly as it was (same versionId and lastUpdated), bypassing validation and numbering.
        const previous = step.previous;
        await this.withSeeding(() => super.createResource(previous, { assignedId: true }, true));
        this.tokens.put(previous);
        this.restoreVersion(`${previous.resourceType}/${previous.id}`, step.version);
      }
    }
  }

  private restoreVersion(key: string, version: number | undefined): void {
    if (version === undefined) {
      this.versions.delete(key);
    } else {
      this.versions.set(key, version);
    }
  }

  private async readCurrent(resourceType: string, id: string): Promise<WithId<Resource> | undefined> {
    try {
      return await this.readResource<WithId<Resource>>(resourceType, id);
    } catch {
      return undefined;
    }
  }
}

/** Throws a 400 OperationOutcome listing every problem, each with its FHIRPath expression. */
function assertValid(resource: Resource): void {
  try {
    validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      throw err;
    }
    // Unknown resource types and malformed input surface as plain errors; they are still the client's fault.
    throw new OperationOutcomeError(badRequest(normalizeErrorString(err)));
  }
}
