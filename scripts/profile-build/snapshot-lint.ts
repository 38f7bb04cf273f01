// Structural lint of a StructureDefinition snapshot: the ordering rules validators rely on when they read slices
// and content references in one pass (a slice right after its sliced element and discriminator, parents before
// children, content references to earlier, unsliced elements). A snapshot can break these and still pass checks
// that only compare values, as the Provenance profile once did.
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export interface SnapshotProblem {
  readonly element: string;
  readonly problem: string;
}

/** The element id with slice names removed, which is what its path must be. */
function pathOfId(id: string): string {
  return id
    .split('.')
    .map((segment) => segment.split(':')[0] ?? segment)
    .join('.');
}

function parentId(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  return dot === -1 ? undefined : id.slice(0, dot);
}

/** For a slice head such as `Provenance.agent:author`, the sliced element `Provenance.agent`. */
function slicedId(id: string): string | undefined {
  const colon = id.lastIndexOf(':');
  return colon === -1 || colon < id.lastIndexOf('.') ? undefined : id.slice(0, colon);
}

function contentReferenceTarget(element: ElementDefinition): string | undefined {
  const ref = element.contentReference;
  return ref === undefined ? undefined : ref.slice(ref.indexOf('#') + 1);
}

/** Every ordering problem of the snapshot; [] when it can be read in one pass. */
export function lintSnapshot(sd: StructureDefinition): SnapshotProblem[] {
  const elements = sd.snapshot?.element ?? [];
  const problems: SnapshotProblem[] = [];
  const seen = new Map<string, ElementDefinition>();
  const report = (element: string, problem: string): void => {
    problems.push({ element, problem });
  };
  if (elements.length === 0) {
    report(sd.url, 'no snapshot');
  }
  elements.forEach((element, index) => {
    const id = element.id ?? '';
    if (id === '') {
      report(`#${index}`, 'element without an id');
      return;
    }
    if (seen.has(id)) {
      report(id, 'id appears more than once');
    }
    if (element.path !== pathOfId(id)) {
      report(id, `path ${element.path} does not match the id (expected ${pathOfId(id)})`);
    }
    const parent = parentId(id);
    if (index > 0 && (parent === undefined || !seen.has(parent))) {
      report(id, `its parent ${parent ?? '(none)'} does not come before it`);
    }
    const sliced = slicedId(id);
    if (element.sliceName !== undefined || sliced !== undefined) {
      checkSliceHead(element, id, sliced, elements.slice(0, index), seen, report);
    }
    const target = contentReferenceTarget(element);
    if (target !== undefined) {
      if (!seen.has(target)) {
        report(id, `content reference #${target} does not resolve to an earlier element`);
      } else if (elements.some((e) => e.id?.startsWith(`${target}:`) === true)) {
        report(id, `content reference #${target} points to a sliced element`);
      }
    }
    seen.set(id, element);
  });
  return problems;
}

function checkSliceHead(
  element: ElementDefinition,
  id: string,
  sliced: string | undefined,
  before: readonly ElementDefinition[],
  seen: ReadonlyMap<string, ElementDefinition>,
  report: (element: string, problem: string) => void,
): void {
  if (sliced === undefined || element.sliceName !== id.slice(sliced.length + 1)) {
    report(id, `slice name ${element.sliceName ?? '(none)'} does not match the id`);
    return;
  }
  const slicing = seen.get(sliced)?.slicing;
  if (!slicing) {
    report(id, `slice before the slicing of ${sliced}`);
    return;
  }
  if ((slicing.discriminator ?? []).length === 0) {
    report(id, `${sliced} is sliced without a discriminator`);
  }
  // Between the sliced element and this slice only its own children and earlier slices may appear.
  const start = before.findIndex((e) => e.id === sliced);
  const strangers = before
    .slice(start + 1)
    .filter((e) => !(e.id?.startsWith(`${sliced}.`) === true || e.id?.startsWith(`${sliced}:`) === true));
  if (strangers.length > 0) {
    report(id, `separated from ${sliced} by ${strangers.map((e) => e.id ?? '').join(', ')}`);
  }
}
