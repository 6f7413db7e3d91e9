/**
 * The three descriptions of every option agree: the zod schema in src/config/config.ts (the source of
 * truth), config.yaml's `options`/`schema` (what the Supervisor validates and shows), and
 * translations/en.yaml (the labels). Types and ranges come from zod's own schema objects and are
 * confirmed by parsing boundary values, so a change on either side fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { optionsSchema } from '../../src/config/config.ts';
import { isRecord } from '../../src/base/is-record.ts';
import { ROOT, readYaml } from './repo.ts';

const config = readYaml('config.yaml');
const yamlOptions = config.options as Record<string, unknown>;
const yamlSchema = config.schema as Record<string, unknown>;
const translations = readYaml('translations/en.yaml');
const shape = optionsSchema.shape as Record<string, unknown>;
const defaults = optionsSchema.parse({}) as Record<string, unknown>;

/** The Supervisor's RE_SCHEMA_ELEMENT (supervisor/apps/options.py), in JavaScript syntax. */
const SCHEMA_ELEMENT = new RegExp(
  '^(?:' +
    '|bool|email|url|port' +
    '|device(?:\\((?<filter>subsystem=[a-z]+)\\))?' +
    '|str(?:\\((?<s_min>\\d+)?,(?<s_max>\\d+)?\\))?' +
    '|password(?:\\((?<p_min>\\d+)?,(?<p_max>\\d+)?\\))?' +
    '|int(?:\\((?<i_min>\\d+)?,(?<i_max>\\d+)?\\))?' +
    '|float(?:\\((?<f_min>[\\d.]+)?,(?<f_max>[\\d.]+)?\\))?' +
    '|match\\((?<match>.*)\\)' +
    '|list\\((?<list>.+)\\)' +
    ')\\??$',
);

interface ZodInfo {
  kind: 'number' | 'enum' | 'string' | 'list' | 'bool';
  optional: boolean;
  isInt?: boolean;
  min?: number;
  max?: number;
  values?: string[];
  patterns?: string[];
}

type ZodLike = {
  _zod: { def: Record<string, unknown> };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: string[];
};

/** What zod says about one option: wrapper (default/optional) peeled off, then the inner type's facts. */
function zodInfo(field: unknown): ZodInfo {
  let node = field as ZodLike;
  let optional = false;
  for (;;) {
    const def = node._zod.def;
    if (def.type === 'default') node = def.innerType as ZodLike;
    else if (def.type === 'optional') {
      optional = true;
      node = def.innerType as ZodLike;
    } else break;
  }
  const def = node._zod.def;
  switch (def.type) {
    case 'number':
      return { kind: 'number', optional, isInt: node.isInt ?? false, min: node.minValue ?? undefined, max: node.maxValue ?? undefined };
    case 'enum':
      return { kind: 'enum', optional, values: [...(node.options ?? [])] };
    case 'string': {
      const checks = (def.checks as { _zod: { def: { format?: string; pattern?: RegExp } } }[] | undefined) ?? [];
      const patterns = checks.map((c) => c._zod.def).filter((d) => d.format === 'regex').map((d) => d.pattern!.source);
      return { kind: 'string', optional, patterns };
    }
    case 'pipe': {
      // A preprocessor: the flag's (environment words to booleans) or a list's (comma-separated).
      const out = (def.out as ZodLike)._zod.def;
      if (out.type === 'boolean') return { kind: 'bool', optional };
      assert.equal(out.type, 'array');
      assert.equal((out.element as ZodLike)._zod.def.type, 'string');
      return { kind: 'list', optional };
    }
    default:
      throw new Error(`no rule for zod type ${String(def.type)}`);
  }
}

/** A valid value of each list option whose items have a shape (the default sample is a list of origins). */
const LIST_SAMPLES: Record<string, string[]> = { trusted_proxies: ['172.30.32.2', '192.168.1.0/24', 'fd00::/8'] };

const accepts = (key: string, value: unknown) => optionsSchema.safeParse({ [key]: value }).success;

describe('config.yaml options/schema against src/config/config.ts', () => {
  it('has exactly the options of the zod schema', () => {
    assert.deepEqual(Object.keys(yamlSchema).sort(), Object.keys(shape).sort());
    for (const key of Object.keys(yamlOptions)) assert.ok(key in shape, `options.${key} is not in the zod schema`);
  });

  for (const key of Object.keys(shape)) {
    it(`${key}: same type, range and default`, () => {
      const info = zodInfo(shape[key]);
      const raw = yamlSchema[key];

      if (info.kind === 'list') {
        assert.deepEqual(raw, ['str'], `schema.${key} must be [str]`);
        assert.deepEqual(yamlOptions[key], defaults[key]);
        assert.ok(accepts(key, LIST_SAMPLES[key] ?? ['https://a.example', 'https://b.example']));
        assert.ok(!accepts(key, [1]));
        return;
      }
      if (info.kind === 'bool') {
        assert.equal(raw, 'bool', `schema.${key} must be bool`);
        assert.equal(yamlOptions[key], defaults[key]);
        for (const value of [true, false, 'true', 'FALSE', '1', '0']) assert.ok(accepts(key, value), `${key}: ${String(value)}`);
        assert.ok(!accepts(key, 'maybe') && !accepts(key, 2));
        return;
      }

      assert.equal(typeof raw, 'string', `schema.${key} must be a type string`);
      const element = SCHEMA_ELEMENT.exec(raw as string);
      assert.ok(element, `schema.${key}: "${String(raw)}" is not a Supervisor type`);
      const groups = element.groups ?? {};
      const yamlOptional = (raw as string).endsWith('?');

      // Optional in both, or defaulted in both (a `?` key with a default is not optional for the Supervisor).
      assert.equal(yamlOptional, info.optional, `schema.${key}: optional mismatch`);
      if (info.optional) {
        assert.ok(!(key in yamlOptions), `options.${key}: an optional key must have no default`);
        assert.equal(defaults[key], undefined);
      } else {
        assert.ok(key in yamlOptions, `options.${key}: missing default`);
        assert.deepEqual(yamlOptions[key], defaults[key], `options.${key}: default differs from zod`);
      }

      switch (info.kind) {
        case 'number': {
          const isInt = (raw as string).startsWith('int');
          assert.ok(isInt || (raw as string).startsWith('float'), `schema.${key} must be int(...) or float(...)`);
          assert.equal(isInt, info.isInt, `schema.${key}: int/float mismatch`);
          const min = Number(isInt ? groups.i_min : groups.f_min);
          const max = Number(isInt ? groups.i_max : groups.f_max);
          assert.equal(min, info.min, `schema.${key}: minimum`);
          assert.equal(max, info.max, `schema.${key}: maximum`);
          // Boundaries, as parsed by zod.
          assert.ok(accepts(key, min) && accepts(key, max), `${key}: bounds must parse`);
          assert.ok(!accepts(key, min - 1) && !accepts(key, max + 1), `${key}: outside the bounds must fail`);
          assert.equal(accepts(key, min + 0.5), !isInt, `${key}: fractions`);
          break;
        }
        case 'enum': {
          assert.ok(groups.list, `schema.${key} must be list(...)`);
          assert.deepEqual(groups.list.split('|'), info.values);
          for (const value of info.values ?? []) assert.ok(accepts(key, value));
          assert.ok(!accepts(key, 'not-a-choice'));
          break;
        }
        case 'string': {
          if (info.patterns?.length === 0) {
            // A free string (a file name): `str`, and the Supervisor rejects an empty one as zod does.
            assert.equal(raw, 'str', `schema.${key} must be str`);
            assert.ok(!accepts(key, '') && accepts(key, 'some-name.pem'));
            break;
          }
          assert.ok(groups.match !== undefined, `schema.${key} must be match(...)`);
          const supervisor = new RegExp(groups.match);
          // `.source` spells both the same way (e.g. `/` escaped).
          assert.deepEqual(info.patterns, [supervisor.source], `schema.${key}: pattern differs from zod`);
          const samples = [
            'notify.mobile_app_phone', 'notify.', 'light.kitchen', 'redis://localhost:6379', 'rediss://h:6380/0',
            'http://example.com', 'redis://', '', ' notify.x',
          ];
          for (const sample of samples) {
            assert.equal(supervisor.test(sample), accepts(key, sample), `${key}: "${sample}" judged differently`);
          }
          break;
        }
        default:
          assert.fail(`${key}: unhandled kind ${info.kind}`);
      }
    });
  }
});

describe('translations/en.yaml', () => {
  const configuration = translations.configuration as Record<string, unknown>;

  it('names and describes every option, and nothing else', () => {
    assert.deepEqual(Object.keys(configuration).sort(), Object.keys(shape).sort());
    for (const [key, entry] of Object.entries(configuration)) {
      assert.ok(isRecord(entry), `${key} must be a mapping`);
      assert.deepEqual(Object.keys(entry).sort(), ['description', 'name'], `${key}: name and description`);
      assert.ok(typeof entry.name === 'string' && entry.name.trim().length > 0, `${key}: name`);
      assert.ok(typeof entry.description === 'string' && entry.description.trim().length > 10, `${key}: description`);
    }
  });

  it('mentions each numeric default in the description', () => {
    for (const [key, value] of Object.entries(defaults)) {
      if (typeof value !== 'number') continue;
      const description = (configuration[key] as { description: string }).description;
      assert.match(description, new RegExp(`default ${value}\\b`), `${key}: description should say "default ${value}"`);
    }
  });

  it('describes exactly the published ports', () => {
    const ports = Object.keys(config.ports as object).sort();
    assert.deepEqual(Object.keys(translations.network as object).sort(), ports);
    assert.deepEqual(Object.keys(config.ports_description as object).sort(), ports);
    assert.deepEqual(Object.keys(translations).sort(), ['configuration', 'network']);
  });
});

/** The other languages: the same keys as en.yaml and the schema, each numeric default in the text. */
const DEFAULT_WORD: Record<string, string> = { de: 'Standard', fr: 'par défaut', nl: 'standaard', es: 'predeterminado' };

for (const [lang, word] of Object.entries(DEFAULT_WORD)) {
  describe(`translations/${lang}.yaml`, () => {
    const translated = readYaml(`translations/${lang}.yaml`);
    const configuration = translated.configuration as Record<string, unknown>;

    it('names and describes every option of the schema, and nothing else', () => {
      assert.deepEqual(Object.keys(translated).sort(), ['configuration', 'network']);
      assert.deepEqual(Object.keys(configuration).sort(), Object.keys(shape).sort());
      for (const [key, entry] of Object.entries(configuration)) {
        assert.ok(isRecord(entry), `${key} must be a mapping`);
        assert.deepEqual(Object.keys(entry).sort(), ['description', 'name'], `${key}: name and description`);
        assert.ok(typeof entry.name === 'string' && entry.name.trim().length > 0, `${key}: name`);
        assert.ok(typeof entry.description === 'string' && entry.description.trim().length > 10, `${key}: description`);
        const english = (translations.configuration as Record<string, { description: string }>)[key]!.description;
        assert.notEqual(entry.description, english, `${key}: translated, not copied`);
      }
    });

    it(`mentions each numeric default as "${word} <n>"`, () => {
      for (const [key, value] of Object.entries(defaults)) {
        if (typeof value !== 'number') continue;
        const description = (configuration[key] as { description: string }).description;
        assert.ok(description.includes(`${word} ${String(value)}`), `${key}: description should say "${word} ${String(value)}"`);
      }
    });

    it('describes exactly the published ports', () => {
      assert.deepEqual(Object.keys(translated.network as object).sort(), Object.keys(config.ports as object).sort());
    });
  });
}

/** The figures (`1-10000`, `503`, …) and `code` spans of a description: what a translation keeps verbatim. */
function invariants(description: string): { numbers: string[]; code: string[] } {
  return { numbers: (description.match(/\d+/g) ?? []).sort(), code: (description.match(/`[^`]+`/g) ?? []).sort() };
}

describe('every translation against en.yaml', () => {
  it('translations/ holds no language file the tests above do not check', () => {
    const files = readdirSync(`${ROOT}translations`).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, ['en', ...Object.keys(DEFAULT_WORD)].map((l) => `${l}.yaml`).sort());
  });

  for (const lang of Object.keys(DEFAULT_WORD)) {
    it(`${lang}.yaml keeps every figure (ranges, status codes) and \`code\` span of the English text`, () => {
      const english = translations.configuration as Record<string, { description: string }>;
      const translated = readYaml(`translations/${lang}.yaml`).configuration as Record<string, { description: string }>;
      for (const key of Object.keys(shape)) {
        assert.deepEqual(invariants(translated[key]!.description), invariants(english[key]!.description), `${lang}.yaml ${key}`);
      }
    });
  }
});
