/** Time formats of the public contract (DOCS.md). */

/** ISO 8601 durations for `uptime`, in the product's style: `PT24H`, `PT1H2M3S`, `PT0S` (hours are not folded into days). */
export function isoDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (total === 0) return 'PT0S';
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

/** Epoch ms → ISO 8601 UTC (`2024-02-05T12:00:00.000Z`). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
