/**
 * The demo-mode banner: a few human lines on stdout after start, with the URLs, both demo tokens and
 * lines ready to paste. JSON log lines stay JSON; this block is for the person at the terminal.
 */

export interface BannerInput {
  bindHost: string;
  lanPort: number;
  /** True when the LAN port serves HTTPS (`ssl`). */
  lanTls?: boolean;
  ingressPort: number;
  adminToken: string;
  userToken: string;
  /** Where the demo tokens are kept. */
  tokensPath: string;
  /** REST base of the simulated home (its `/api/states` lists what it contains). */
  simulatorUrl: string;
}

/** `0.0.0.0` and `::` mean every address; the reader's own machine is the one to paste. */
function visibleHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

export function demoBanner(input: BannerInput): string {
  const host = visibleHost(input.bindHost);
  const lan = `${input.lanTls ? 'https' : 'http'}://${host}:${String(input.lanPort)}`;
  const rule = '-'.repeat(78);
  return [
    rule,
    'SSE Hub is running in DEMO MODE: a simulated home, no Home Assistant configured.',
    `  API and panel:  ${lan}/            (the panel needs the admin token)`,
    `  Ingress port:   http://${host}:${String(input.ingressPort)}/`,
    `  Admin token:    ${input.adminToken}`,
    `  User token:     ${input.userToken}   (non-admin: streams only)`,
    `  Tokens kept in ${input.tokensPath}; delete the file for new ones.`,
    'Try:',
    `  curl -N -H "Authorization: Bearer ${input.adminToken}" "${lan}/subscribe_events?domain=light"`,
    `  new EventSource("${lan}/subscribe_events?domain=light&token=${input.userToken}")`,
    'What the demo home contains (every entity and its state):',
    `  curl -s -H "Authorization: Bearer ${input.adminToken}" ${input.simulatorUrl}/api/states`,
    'All options: node dist/main.js --help',
    rule,
    '',
  ].join('\n');
}
