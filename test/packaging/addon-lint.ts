/**
 * The community add-on linter (frenck/action-addon-linter v2.21, src/lint.py), redone in TypeScript
 * so the tests can run it: Draft-07 validation against its schemas (test/fixtures/addon-schema/),
 * its "key uses its default value" rule, and its extra checks. See
 * docs/home-assistant.md §16 and test/fixtures/README.md for what lint.py checks.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { isRecord } from '../../src/base/is-record.ts';
import { readText } from './repo.ts';

export interface LintResult {
  errors: string[];
  warnings: string[];
}

function compile(schemaPath: string): { validate: ValidateFunction; schema: Record<string, unknown> } {
  // The schemas use Python's named groups `(?P<name>...)`; JavaScript spells them `(?<name>...)`.
  const schema = JSON.parse(readText(schemaPath).replaceAll('(?P<', '(?<')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return { validate: ajv.compile(schema), schema };
}

const configSchema = compile('test/fixtures/addon-schema/addon-config.schema.json');
const buildSchema = compile('test/fixtures/addon-schema/addon-build.schema.json');

/** Python's `==` on JSON values: `True == 1`, `False == 0`, containers compared deeply. */
function pyEqual(a: unknown, b: unknown): boolean {
  const scalar = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => pyEqual(v, b[i]));
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && pyEqual(a[k], b[k]));
  }
  return scalar(a) === scalar(b);
}

/**
 * lint.py extends Draft-07's `properties` keyword: wherever an object is checked against
 * `properties`, a present key whose value equals that property's `default` is an error. That
 * reaches nested objects and `anyOf` branches too.
 */
function defaultValued(schema: unknown, instance: unknown, path: string, out: string[]): void {
  if (!isRecord(schema)) return;
  const properties = schema.properties;
  if (isRecord(properties) && isRecord(instance)) {
    for (const [key, sub] of Object.entries(properties)) {
      if (!(key in instance)) continue;
      if (isRecord(sub) && 'default' in sub && pyEqual(instance[key], sub.default)) {
        out.push(`${path}${key}: should be removed, it uses a default value`);
      }
      defaultValued(sub, instance[key], `${path}${key}.`, out);
    }
  }
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) for (const branch of branches) defaultValued(branch, instance, path, out);
  }
  if (isRecord(schema.items) && Array.isArray(instance)) {
    instance.forEach((item, i) => defaultValued(schema.items, item, `${path}${i}.`, out));
  }
}

function schemaErrors(validate: ValidateFunction, instance: unknown): string[] {
  if (validate(instance)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

const DEPRECATED_ARCHES = ['armhf', 'armv7', 'i386'];

/** Lints an add-on `config.{yaml,json}` value the way lint.py does (non-community mode). */
export function lintConfig(config: unknown): LintResult {
  const errors = schemaErrors(configSchema.validate, config);
  const warnings: string[] = [];
  defaultValued(configSchema.schema, config, '', errors);
  if (!isRecord(config)) return { errors, warnings };

  if (config.ingress) {
    if (config.webui) errors.push("'webui' should be removed, Ingress is enabled.");
    if (!config.host_network && (config.ingress_port ?? 8099) === 0) {
      errors.push("'ingress_port' 0 needs host_network");
    }
  }
  const devices = Array.isArray(config.devices) ? config.devices : [];
  if (config.full_access && ['devices', 'gpio', 'uart', 'usb'].some((k) => k in config)) {
    errors.push("'full_access' together with devices/uart/usb/gpio");
  }
  if (config.full_access) warnings.push("'full_access': consider 'devices' instead");
  if ('auto_uart' in config) errors.push("'auto_uart' is deprecated, use 'uart' instead.");
  if (devices.some((d) => String(d).includes(':'))) errors.push("'devices' uses a deprecated format");
  if ('tmpfs' in config && typeof config.tmpfs !== 'boolean') errors.push("'tmpfs' must be a boolean");
  if ((config.backup ?? 'hot') === 'cold') {
    for (const option of ['backup_pre', 'backup_post']) {
      if (option in config) errors.push(`'${option}' is not valid when using cold backups.`);
    }
  }
  if (config.watchdog) errors.push("'watchdog' is obsolete. Use the native Docker HEALTHCHECK directive instead.");
  // lint.py only warns about `advanced`; both are dead keys for today's Supervisor, so this project rejects them.
  if ('codenotary' in config) errors.push("'codenotary' is not supported");
  if ('advanced' in config) errors.push("'advanced' is ignored since Supervisor 2026.03");
  const arch = Array.isArray(config.arch) ? config.arch : [];
  for (const a of arch) if (DEPRECATED_ARCHES.includes(String(a))) warnings.push(`arch '${a}' is deprecated`);
  return { errors, warnings };
}

/** Lints a `build.{yaml,json}` value the way lint.py does. */
export function lintBuild(build: unknown): LintResult {
  const errors = schemaErrors(buildSchema.validate, build);
  const warnings: string[] = [];
  defaultValued(buildSchema.schema, build, '', errors);
  if (!isRecord(build)) return { errors, warnings };
  if ('squash' in build) errors.push("'squash' is not supported");
  if ('codenotary' in build) errors.push("'codenotary' is not supported");
  if (isRecord(build.build_from)) {
    for (const a of Object.keys(build.build_from)) {
      if (DEPRECATED_ARCHES.includes(a)) warnings.push(`build_from '${a}' is deprecated`);
    }
  }
  return { errors, warnings };
}
