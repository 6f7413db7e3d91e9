/**
 * Command validation with core's (voluptuous) error texts: command schemas forbid extra keys and
 * failures become `invalid_format` with a humanised message (docs/home-assistant.md §4), e.g.
 * `extra keys not allowed @ data['entity_id']. Got 'light.x'`.
 */
import { isRecord } from '../base/is-record.ts';

export class SchemaError extends Error {
  constructor(
    readonly detail: string,
    readonly value: unknown,
  ) {
    super(`${detail}. Got ${pythonRepr(value)}`);
    this.name = 'SchemaError';
  }
}

/** Python's repr of a JSON value, as voluptuous prints it. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

export type FieldType = 'string' | 'object' | 'boolean' | 'integer' | 'string_list';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  /** `None` is accepted too (`vol.Any(str, None)`). */
  nullable?: boolean;
}

const TYPE_TEXT: Record<FieldType, string> = {
  string: 'expected str',
  object: 'expected dict',
  boolean: 'expected bool',
  integer: 'expected int',
  string_list: 'expected list',
};

function matches(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'object':
      return isRecord(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string_list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

/** Validates a command (`id` and `type` are always allowed). Throws {@link SchemaError}. */
export function validate(message: Record<string, unknown>, fields: Record<string, FieldSpec>): void {
  for (const key of Object.keys(message)) {
    if (key !== 'id' && key !== 'type' && !(key in fields)) throw new SchemaError(`extra keys not allowed @ data['${key}']`, message[key]);
  }
  for (const [key, spec] of Object.entries(fields)) {
    if (!(key in message)) {
      if (spec.required) throw new SchemaError(`required key not provided @ data['${key}']`, undefined);
      continue;
    }
    if (spec.nullable && message[key] === null) continue;
    if (!matches(spec.type, message[key])) throw new SchemaError(`${TYPE_TEXT[spec.type]} for dictionary value @ data['${key}']`, message[key]);
  }
}
