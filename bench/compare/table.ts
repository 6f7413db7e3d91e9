/** The comparison table: one row per figure, one column per server, each figure with its ratio to nchan. */
import type { Figures } from './scenarios.ts';

const ORDER = ['nchan', 'product', 'node:http'];

function format(value: number | undefined): string {
  if (value === undefined) return '—';
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function table(results: Map<string, Figures>): string {
  const names = ORDER.filter((n) => results.has(n));
  const keys: string[] = [];
  // Every server's figures in its own order; a figure one server lacks stays next to its neighbours.
  for (const name of names) {
    let at = -1;
    for (const key of results.get(name)!.keys()) {
      const found = keys.indexOf(key);
      if (found >= 0) at = found;
      else keys.splice(++at, 0, key);
    }
  }
  const header = `| figure | ${names.map((n) => (n === 'nchan' ? 'nginx + nchan' : n === 'product' ? 'this product (× nchan)' : 'node:http tutorial (× nchan)')).join(' | ')} |`;
  const rule = `| --- | ${names.map(() => '---:').join(' | ')} |`;
  const rows = keys.map((key) => {
    const base = results.get('nchan')?.get(key);
    const cells = names.map((name) => {
      const value = results.get(name)!.get(key);
      if (name === 'nchan' || value === undefined || base === undefined || !Number.isFinite(base) || base === 0 || !Number.isFinite(value)) return format(value);
      return `${format(value)} (${(value / base).toFixed(2)}×)`;
    });
    return `| ${key} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
