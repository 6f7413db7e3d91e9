/** Shapes of core frames, for comparing what the simulator writes with the reference fixtures (test/fixtures/ha-ws). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ISO_MICROS_PATTERN, ULID_PATTERN } from './patterns.ts';

export const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/ha-ws/${name}.json`, import.meta.url), 'utf8'));

export type Shape = string | Shape[] | { [key: string]: Shape } | [string, Shape][];

/** A value's shape: object keys in order with their shapes, array element shapes, string formats, types. */
export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return ['array', ...[...new Set(value.map((v) => JSON.stringify(shapeOf(v))))].map((s) => JSON.parse(s) as Shape)];
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, shapeOf(v)] as [string, Shape]);
  if (typeof value === 'string') {
    if (ISO_MICROS_PATTERN.test(value)) return 'iso';
    if (ULID_PATTERN.test(value)) return 'ulid';
    if (/^[0-9a-f]{32}$/.test(value)) return 'hex32';
    return 'string';
  }
  return typeof value;
}

export const assertSameShape = (actual: unknown, expected: unknown, what: string) =>
  assert.deepEqual(shapeOf(actual), shapeOf(expected), `${what}\nactual:   ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`);

