/**
 * Validates real answers against the OpenAPI document the server itself serves (`/openapi.json`):
 * the operation is found by method and path, the response by status, and a JSON body must match
 * that response's schema (ajv, JSON Schema 2020-12, OpenAPI 3.1's dialect). Used by the end-to-end
 * tests on every JSON answer they receive.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

/** JSON Pointer escaping of one segment. */
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiCheck {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #paths: { template: string; pattern: RegExp }[];
  /** Every answer checked, as `METHOD path status`. */
  readonly checked: string[] = [];

  constructor(readonly doc: Json) {
    this.#ajv.addSchema({ ...doc, $id: 'openapi' });
    this.#paths = Object.keys(doc.paths as Json).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  static async load(base: string): Promise<OpenApiCheck> {
    const res = await fetch(`${base}/openapi.json`);
    if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
    return new OpenApiCheck((await res.json()) as Json);
  }

  /** The path template a concrete path (query allowed) matches, and the method's operation there. */
  #find(method: string, path: string): { bare: string; template?: string; operation?: Json } {
    const bare = path.split('?')[0]!;
    const template = this.#paths.find((p) => p.pattern.test(bare))?.template;
    const operation = template === undefined ? undefined : ((this.doc.paths as Record<string, Json>)[template]![method.toLowerCase()] as Json | undefined);
    return { bare, template, operation };
  }

  /** True when the document has an operation for this method and concrete path. */
  documents(method: string, path: string): boolean {
    return this.#find(method, path).operation !== undefined;
  }

  /** The component schema of the `data` a successful answer carries (`Stats`, …), if the operation has one. */
  dataComponent(method: string, path: string): string | undefined {
    const responses = this.#find(method, path).operation?.responses as Record<string, Json> | undefined;
    const schema = (responses?.['200']?.content as Record<string, Json> | undefined)?.['application/json']?.schema as Json | undefined;
    const ref = ((schema?.properties as Record<string, Json> | undefined)?.data?.$ref ?? '') as string;
    return ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
  }

  /**
   * The problems of one answer (none: it matches the document). `path` is the concrete path (query
   * allowed); a non-JSON answer is checked for being documented only.
   */
  check(method: string, path: string, status: number, contentType: string, body: unknown): string[] {
    const { bare, template, operation } = this.#find(method, path);
    const where = `${method} ${bare} ${status}`;
    this.checked.push(where);
    if (!template) return [`${where}: no such path in the document`];
    if (!operation) return [`${where}: no ${method} operation for ${template}`];
    let pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    let response = (operation.responses as Json)[String(status)] as Json | undefined;
    if (!response) return [`${where}: status ${status} is not documented`];
    if (typeof response.$ref === 'string') {
      pointer = response.$ref;
      response = response.$ref
        .slice(2)
        .split('/')
        .reduce<Json>((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, this.doc);
    }
    if (!contentType.startsWith('application/json')) return [];
    const content = response.content as Json | undefined;
    if (!content?.['application/json']) return [`${where}: a JSON answer where the document has ${Object.keys(content ?? {}).join(', ') || 'no content'}`];
    const validate = this.#ajv.getSchema(`openapi${pointer}/content/application~1json/schema`);
    if (!validate) return [`${where}: no schema at ${pointer}`];
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
}
