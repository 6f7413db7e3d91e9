/**
 * Field schemas the JSON answers share (DOCS.md): each answer's zod schema lives beside the code
 * that builds it (src/stats/, src/alerts/, src/http/routes/) and is published by
 * `src/http/openapi.ts`; these are the fields several of them use.
 */
import { z } from 'zod';

/** A time as `isoTime()` (./iso-time.ts) writes it. */
export const isoTimeField = z.string().describe('ISO 8601 UTC time');

/** A count of things: a whole number, never negative. */
export const countField = z.number().int().min(0);
