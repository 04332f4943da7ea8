/**
 * Redocly's linter (`@redocly/openapi-core`, the library behind `redocly lint`) with its
 * recommended rules, configured in redocly.yaml, finds no error in the service's own
 * /openapi.json. Warnings are printed; a rule switched off is named in redocly.yaml with
 * the reason.
 */
import path from 'node:path';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('Redocly lint of /openapi.json', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  const lint = async (source: string) => {
    const config = await loadConfig({ configPath: path.join(ROOT, 'redocly.yaml') });
    const problems = await lintFromString({ source, absoluteRef: path.join(ROOT, 'openapi.json'), config });
    return problems.map((p) => ({ severity: p.severity, rule: p.ruleId, message: p.message, where: p.location[0]?.pointer ?? '' }));
  };

  it('reports no errors with the recommended rules', async () => {
    const problems = await lint(await (await fetch(`${svc.url}/openapi.json`)).text());
    const warnings = problems.filter((p) => p.severity !== 'error');
    if (warnings.length > 0) console.warn(warnings.map((w) => `${w.rule} ${w.where}: ${w.message}`).join('\n'));
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 60_000);

  it('does report errors on a broken document (the linter runs)', async () => {
    const problems = await lint(JSON.stringify({ openapi: '3.1.0', info: { title: 'x' }, paths: { '/a': { get: { responses: {} } } } }));
    expect(problems.filter((p) => p.severity === 'error').length).toBeGreaterThan(0);
  }, 60_000);
});
