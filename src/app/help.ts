/**
 * `--help`: the modes, the environment variables and every option with its type, range and default,
 * generated from the zod schemas in `config.ts` so the text cannot drift from what is validated.
 */
import { z } from 'zod';
import { LOG_LEVEL_ALIASES, envSchema, optionsSchema } from '../config/config.ts';

interface JsonProp {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  items?: { type?: string };
}

/** What the environment variables that are not options mean. */
const ENV_MEANING: Record<string, string> = {
  SUPERVISOR_TOKEN: 'set by the Supervisor; selects add-on mode',
  HA_URL: 'Home Assistant URL (http(s):// or ws(s)://); with HA_TOKEN selects standalone mode',
  HA_TOKEN: 'long-lived access token for HA_URL',
  PORT: 'LAN listener port (0 = any free port)',
  INGRESS_PORT: 'ingress (sidebar panel) listener port',
  BIND_HOST: 'address the LAN listener binds to; in add-on mode the ingress listener too',
  INGRESS_BIND_HOST: 'address the ingress listener binds to outside add-on mode (default 127.0.0.1: it is a second full API port)',
  DATA_DIR: 'directory of the SQLite file and demo tokens (add-on: /data, else ./data)',
  DEMO_EVENT_RATE: 'events per second of the simulated home in demo mode',
  SUPERVISOR_URL: 'Supervisor base URL in add-on mode',
  OPTIONS_PATH: 'options file to read (default /data/options.json)',
  SSL_DIR: 'where relative certfile/keyfile names are found (add-on: /ssl, else ./ssl); see SSL, CERTFILE, KEYFILE',
};

function describeType(prop: JsonProp): string {
  if (prop.enum) return prop.enum.join('|');
  if (prop.type === 'array') return `list of ${prop.items?.type ?? 'value'} (comma-separated in the environment)`;
  const range = prop.minimum !== undefined || prop.maximum !== undefined ? ` ${String(prop.minimum ?? '')}..${String(prop.maximum ?? '')}` : '';
  const shape = prop.pattern ? ` matching /${prop.pattern}/` : prop.format ? ` (${prop.format})` : '';
  return `${prop.type ?? 'value'}${range}${shape}`;
}

function properties(schema: z.ZodType): Record<string, JsonProp> {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as { properties?: Record<string, JsonProp> };
  return json.properties ?? {};
}

const show = (value: unknown): string => (Array.isArray(value) ? `[${value.join(',')}]` : String(value));

/** The full help text, ending with a newline. */
export function helpText(): string {
  const optionDefaults = optionsSchema.parse({}) as Record<string, unknown>;
  const envDefaults = envSchema.parse({}) as Record<string, unknown>;
  const lines = [
    'SSE Hub: streams Home Assistant events to Server-Sent Events clients.',
    '',
    'Usage: node dist/main.js [--help]',
    '',
    'Modes (chosen from the environment):',
    '  add-on      SUPERVISOR_TOKEN is set (the Supervisor does this); options come from /data/options.json',
    '  standalone  HA_URL and HA_TOKEN are set; connects to that Home Assistant',
    '  demo        neither is set; a simulated home, with demo tokens printed at start',
    '',
    'Environment variables:',
  ];
  const envProps = properties(envSchema);
  for (const [name, prop] of Object.entries({ ...envProps, OPTIONS_PATH: { type: 'string' } })) {
    const def = envDefaults[name];
    lines.push(`  ${name.padEnd(18)} ${describeType(prop)}${def !== undefined ? ` (default ${show(def)})` : ''}`);
    if (ENV_MEANING[name]) lines.push(`  ${''.padEnd(18)} ${ENV_MEANING[name]}`);
  }
  lines.push('', 'Options (options file key, or the upper-case name as an environment variable):');
  for (const [name, prop] of Object.entries(properties(optionsSchema))) {
    const def = optionDefaults[name];
    lines.push(`  ${name.padEnd(28)} ${name.toUpperCase().padEnd(28)} ${describeType(prop)}${def !== undefined ? ` (default ${show(def)})` : ' (optional)'}`);
  }
  const aliases = Object.entries(LOG_LEVEL_ALIASES).map(([alias, level]) => `${alias}=${level}`).join(', ');
  lines.push('', `log_level also accepts ${aliases}.`, 'Every option is described in DOCS.md.', '');
  return lines.join('\n');
}
