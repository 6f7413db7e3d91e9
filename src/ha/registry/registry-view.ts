/**
 * The answer of `GET /api/sse/registries` (docs/api.md): the ids and names of core's areas, floors,
 * labels and devices from one read of the registries, for pickers such as the panel's event tail.
 * The zod schema is the one description: the type derives from it, src/http/openapi.ts publishes
 * it, and the panel takes the type (`import type`).
 */
import { z } from 'zod';
import type { RegistryLists } from './registry-lists.ts';

const named = { id: z.string(), name: z.string() };

/** The answer's `data`; the type derives from it and `src/http/openapi.ts` publishes it. */
export const registriesDataSchema = z.strictObject({
  areas: z.array(z.strictObject({ ...named, floor_id: z.string().optional() })),
  floors: z.array(z.strictObject(named)),
  labels: z.array(z.strictObject(named)),
  devices: z.array(z.strictObject({ ...named, area_id: z.string().optional() })),
});
export type RegistriesData = z.infer<typeof registriesDataSchema>;

const byName = (a: { name: string; id: string }, b: { name: string; id: string }) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** The picker lists of one read of the registries. */
export function registriesView(lists: RegistryLists): RegistriesData {
  return {
    areas: lists.areas.map((a) => ({ id: a.id, name: a.name, ...(a.floorId ? { floor_id: a.floorId } : {}) })).sort(byName),
    floors: lists.floors.map((f) => ({ id: f.id, name: f.name })).sort(byName),
    labels: lists.labels.map((l) => ({ id: l.id, name: l.name })).sort(byName),
    devices: lists.devices.map((d) => ({ id: d.id, name: d.name, ...(d.areaId ? { area_id: d.areaId } : {}) })).sort(byName),
  };
}
