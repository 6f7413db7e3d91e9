/**
 * Demo mode's tokens, kept in the data directory (`demo-tokens.json`, mode 0600) so they survive a
 * restart: a bookmark, a curl line or a dashboard set up once keeps working. Only the simulated home
 * accepts them. A missing or unreadable file is replaced by fresh tokens.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoTokens {
  /** The admin (owner) user's token. */
  admin: string;
  /** A non-admin user's token: what ordinary users may see and do. */
  user: string;
}

export const DEMO_TOKENS_FILE = 'demo-tokens.json';

const fresh = (): string => `demo-${randomBytes(24).toString('base64url')}`;
const isToken = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9._-]{16,}$/.test(value);

/** Reads the tokens from `dataDir`, or makes and stores new ones. */
export function loadDemoTokens(dataDir: string): DemoTokens {
  const path = join(dataDir, DEMO_TOKENS_FILE);
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    if (isToken(parsed.admin) && isToken(parsed.user) && parsed.admin !== parsed.user) return { admin: parsed.admin, user: parsed.user };
  } catch {
    // Absent or damaged: make new ones below.
  }
  const tokens = { admin: fresh(), user: fresh() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return tokens;
}
