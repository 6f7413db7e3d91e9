/**
 * The panel build (scripts/build-panel.ts, part of `npm run build`): a page with relative asset
 * URLs, content-hashed assets, under 100 KB gzip, and what the server loads back from the folder.
 * The threshold fields of the form match the hub's validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildPanelInto } from '../../scripts/build-panel.ts';
import { THRESHOLD_KEYS, thresholdSchema } from '../../src/alerts/rules.ts';
import { loadPanel } from '../../src/web/panel-bundle.ts';
import { THRESHOLD_FIELDS, serverFieldErrors, validateThreshold } from '../../src/web/panel/threshold-fields.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-panel-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the panel build', () => {
  it('writes index.html with relative, hashed asset URLs and stays under 100 KB gzip', async () => {
    const out = `${dir}/`;
    const { gzipBytes, files } = await buildPanelInto(out);
    assert.ok(gzipBytes < 100 * 1024, `gzip ${gzipBytes} bytes`);
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    const all = [...index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(all.filter((u) => u.startsWith('data:')), ['data:,'], 'an empty icon, so the browser asks for no /favicon.ico outside the ingress path');
    const urls = all.filter((u) => !u.startsWith('data:'));
    assert.equal(urls.length, 2);
    for (const url of urls) {
      assert.match(url, /^\.\/panel\/main-[A-Z0-9]+\.(js|css)$/);
      assert.ok(files.includes(url.slice(2)), url);
    }
    assert.doesNotMatch(index, /<script>|<style>|\sstyle=/, 'nothing inline (the CSP forbids it)');

    const loaded = await loadPanel([out]);
    assert.equal(loaded.index, index);
    assert.deepEqual([...loaded.assets.keys()].sort(), files.filter((f) => f !== 'index.html').map((f) => f.slice('panel/'.length)).sort());
  });

  it('validates thresholds like the hub does', () => {
    assert.deepEqual(THRESHOLD_FIELDS.map((f) => f.key), THRESHOLD_KEYS);
    const probes = ['', 'x', '-1', '0', '0.5', '1', '99.5', '100', '101', '1000', '1441', '3601', '65536', '65537', '600001', '1048577'];
    for (const field of THRESHOLD_FIELDS) {
      for (const probe of probes) {
        const server = probe.trim() !== '' && thresholdSchema(field.key as (typeof THRESHOLD_KEYS)[number]).safeParse(Number(probe)).success;
        assert.equal(validateThreshold(field, probe) === '', server, `${field.key}=${JSON.stringify(probe)}`);
      }
    }
  });

  it('maps the hub\'s invalid_thresholds message to fields', () => {
    assert.deepEqual(serverFieldErrors('memory_mb: Too big: expected number to be <=65536; cpu_percent: Invalid input'), {
      memory_mb: 'Too big: expected number to be <=65536',
      cpu_percent: 'Invalid input',
    });
  });
});
