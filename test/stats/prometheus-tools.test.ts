/**
 * `/metrics` as operators use it, with Prometheus's own tool and the shipped Grafana dashboard:
 * a real scrape of the demo server with streams and events behind it passes
 * `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it), the README's
 * scrape job passes `promtool check config`, and every metric the dashboard
 * (`docs/grafana/sse-hub.json`) queries is one the server exports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PROMTOOL = '/usr/bin/promtool';

let demo: DemoServer;
let exposition: string;
const scratch = mkdtempSync(join(tmpdir(), 'sse-hub-promtool-'));

/** promtool with its input on stdin or as arguments: exit code and everything it printed. */
function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', cwd: scratch });
  if (run.error) throw new Error(`${PROMTOOL} could not run (Debian package "prometheus"): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

before(async () => {
  demo = await startDemoServer({ DEMO_EVENT_RATE: '50', RATE_LIMIT_PER_MINUTE: '100000' }, { logLevel: 'warning', options: { shutdownGraceMs: 200 } });
  const es = new RecordingEventSource(`${demo.base}/subscribe_events`, { Authorization: `Bearer ${demo.sim.adminToken}` });
  try {
    // Events delivered, so the latency histograms and the labelled counters carry samples.
    await es.waitFor((s) => s.messages.filter((m) => m.json.type === 'state_changed').length >= 5, 'events on a stream', 10_000);
    const res = await fetch(`${demo.base}/metrics`, { headers: { Authorization: `Bearer ${demo.sim.adminToken}` } });
    assert.equal(res.status, 200);
    exposition = await res.text();
  } finally {
    es.close();
  }
});

after(async () => {
  await demo?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The metric families the exposition declares (`# TYPE`), with a histogram's series names. */
function exported(): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name!}${suffix}`);
  }
  return names;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors ([5m], [$__rate_interval])
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // grouping labels
  return [...bare.matchAll(/(?<![\w$.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!).filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

describe('Prometheus and Grafana', () => {
  it('the scrape passes promtool check metrics; promtool does refuse a malformed exposition', () => {
    assert.match(exposition, /^sse_hub_delivery_latency_seconds_bucket\{le="0\.001"\} \d+$/m, 'a histogram with samples');
    const checked = promtool(['check', 'metrics'], exposition);
    assert.deepEqual(checked, { status: 0, output: '' });
    const broken = promtool(['check', 'metrics'], '# HELP requests Requests\n# TYPE requests counter\nrequests 1\n');
    assert.notEqual(broken.status, 0, 'a counter without _total is reported');
    assert.match(broken.output, /_total/);
  });

  it("the README's scrape job passes promtool check config", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const job = /```yaml\n(scrape_configs:[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(job, 'README has a scrape_configs block');
    assert.match(job, /metrics_path: \/metrics/);
    writeFileSync(join(scratch, 'prometheus.yml'), job);
    writeFileSync(join(scratch, 'sse-hub.token'), `${demo.sim.adminToken}\n`, { mode: 0o600 });
    const checked = promtool(['check', 'config', 'prometheus.yml']);
    assert.equal(checked.status, 0, checked.output);
    assert.match(checked.output, /SUCCESS/);
  });

  it('the dashboard is importable, uses the data source variable, and queries only metrics the server exports', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana', 'sse-hub.json'), 'utf8')) as {
      uid: string;
      title: string;
      schemaVersion: number;
      templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
      panels: { id: number; type: string; title: string; datasource?: { type: string; uid: string }; targets?: { expr: string; datasource: { uid: string } }[] }[];
    };
    assert.equal(typeof dashboard.uid, 'string');
    assert.ok(dashboard.schemaVersion >= 36);
    const variable = dashboard.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    assert.deepEqual([variable?.type, variable?.query], ['datasource', 'prometheus'], 'a Prometheus data source variable');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const names = exported();
    const used = new Map<string, string>();
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr, uid: t.datasource.uid, panelUid: p.datasource?.uid }))),
      ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `variable ${v.name}`, expr: String((v.query as { query: string }).query), uid: v.datasource?.uid, panelUid: v.datasource?.uid })),
    ];
    for (const { where, expr, uid, panelUid } of queries) {
      assert.equal(uid, '${DS_PROMETHEUS}', `${where}: the query uses the data source variable`);
      assert.equal(panelUid, '${DS_PROMETHEUS}', `${where}: the panel uses the data source variable`);
      const inExpr = expr.startsWith('label_values(') ? [/label_values\((\w+)/.exec(expr)![1]!] : metricNames(expr);
      assert.ok(inExpr.length > 0, `${where}: ${expr} selects a metric`);
      for (const name of inExpr) used.set(name, where);
    }
    const unknown = [...used].filter(([name]) => !names.has(name)).map(([name, where]) => `${name} (${where})`);
    assert.deepEqual(unknown, [], 'every queried metric is exported');
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['connections', 'event rate', 'delivery rate', 'latency', 'failures', 'memory', 'cpu']) assert.ok(titles.includes(topic), `a panel for ${topic}`);
    for (const family of ['sse_hub_connections', 'sse_hub_events_received_total', 'sse_hub_events_sent_total', 'sse_hub_delivery_latency_seconds_bucket', 'sse_hub_delivery_failures_total', 'sse_hub_process_resident_memory_bytes', 'sse_hub_process_cpu_seconds_total']) {
      assert.ok(used.has(family), `the dashboard charts ${family}`);
    }
  });

  it('metricNames finds the selected metrics and nothing else', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le) (rate(a_bucket{instance=~"$instance", x="by"}[$__rate_interval]))) / on (job) b_total offset 5m or vector(0)'),
      ['a_bucket', 'b_total'],
    );
  });
});
