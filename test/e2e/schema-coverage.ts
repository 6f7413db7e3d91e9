/**
 * Holds the response schemas (the zod schemas beside the code that builds each answer, published
 * by `src/http/openapi.ts`) and real answers together, in both directions:
 * - `check()` parses an answer with its schema. Objects are strict, so a field the code sends and
 *   the schema lacks is a problem (as is a wrong type or a missing required field).
 * - `unseen()` lists every field a schema declares that no checked answer carried: a field the
 *   schema describes and the code never sends. Required fields cannot go unseen once an answer
 *   parsed; this is what finds an optional field nobody fills, or an array nobody fills.
 *
 * Fields are named by path from the answer's `data`: `Monitor.instances[].last_heartbeat`.
 * Record values (`connections_per_user`) have no fixed keys and count as one field.
 */
import type { z } from 'zod';

/** The parts of a zod 4 schema's definition the walk reads. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType) => schema.def as Def;

/** Wrappers that hold one schema and add no field of their own. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'readonly', 'nonoptional', 'catch', 'prefault']);

function declared(schema: z.ZodType, prefix: string, out: Set<string>): void {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return declared(def.innerType, prefix, out);
  if (def.type === 'array' && def.element) return declared(def.element, `${prefix}[]`, out);
  if (def.type === 'record' && def.valueType) return declared(def.valueType, `${prefix}{}`, out);
  if (def.type !== 'object' || !def.shape) return;
  for (const [key, field] of Object.entries(def.shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    declared(field, path, out);
  }
}

function seen(schema: z.ZodType, value: unknown, prefix: string, out: Set<string>): void {
  if (value === undefined || value === null) return;
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return seen(def.innerType, value, prefix, out);
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    for (const item of value) seen(def.element, item, `${prefix}[]`, out);
    return;
  }
  if (def.type === 'record' && def.valueType && typeof value === 'object') {
    for (const item of Object.values(value)) seen(def.valueType, item, `${prefix}{}`, out);
    return;
  }
  if (def.type !== 'object' || !def.shape || typeof value !== 'object') return;
  for (const [key, field] of Object.entries(def.shape)) {
    if (!(key in value)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    seen(field, (value as Record<string, unknown>)[key], path, out);
  }
}

export class SchemaCoverage {
  /** Schema name → the fields it declares, and the fields answers carried. */
  readonly #fields = new Map<string, { declared: Set<string>; seen: Set<string> }>();
  /** How many answers each schema checked. */
  readonly answers = new Map<string, number>();

  /** Parses `data` with `schema` (registered as `name`); returns the problems, none when it fits. */
  check(name: string, schema: z.ZodType, data: unknown): string[] {
    let fields = this.#fields.get(name);
    if (!fields) {
      fields = { declared: new Set(), seen: new Set() };
      declared(schema, '', fields.declared);
      this.#fields.set(name, fields);
    }
    this.answers.set(name, (this.answers.get(name) ?? 0) + 1);
    const parsed = schema.safeParse(data);
    if (!parsed.success) return parsed.error.issues.map((i) => `${name}: ${i.path.join('.') || '(data)'}: ${i.message}`);
    seen(schema, data, '', fields.seen);
    return [];
  }

  /** Every field a checked schema declares that no answer carried, as `Name.path`. */
  unseen(): string[] {
    return [...this.#fields].flatMap(([name, { declared, seen }]) => [...declared].filter((path) => !seen.has(path)).map((path) => `${name}.${path}`));
  }
}
