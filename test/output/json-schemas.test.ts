/**
 * The published JSON Schema files (schemas/, docs/outputs.md#json-schema):
 * the committed files are what the zod schemas give now, and what the built
 * CLI really writes (`--summary-json`, `--log-format json`) passes the zod
 * schemas they are generated from.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { jsonSchemaFiles } from '../../src/output/json-schemas.js';
import { errorSummarySchema, summaryFileSchema, summarySchema } from '../../src/output/summary-schema.js';
import { logEventSchema } from '../../src/output/log-schema.js';
import { createSummary } from '../../src/output/summary.js';
import type { RowOutcome } from '../../src/rows/types.js';
import { pid, ROOT, runCli, startSim, tempDir, write } from '../e2e/harness.js';

/** The value, checked against a schema; the failure names every problem. */
function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  expect(r.success, `${what} does not fit its schema: ${r.error?.message ?? ''}\n${JSON.stringify(value)}`).toBe(true);
  return r.data as z.output<S>;
}

/** Every stderr line is one JSON event that fits the log schema; returns them. */
function checkLog(stderr: string): Array<z.output<typeof logEventSchema>> {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((l, i) => check(logEventSchema, JSON.parse(l), `stderr line ${i + 1}`));
}

describe('schemas/*.schema.json', () => {
  it('are what z.toJSONSchema gives for the zod schemas now', () => {
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      const committed = readFileSync(join(ROOT, 'schemas', name), 'utf8');
      expect(committed, `schemas/${name} is out of date: run npm run build && node scripts/json-schemas.mjs, and commit it`).toBe(text);
    }
  });

  it('are JSON Schema draft 2020-12 with strict objects', () => {
    for (const text of Object.values(jsonSchemaFiles())) {
      const s = JSON.parse(text) as { $schema: string; anyOf: Array<{ additionalProperties: boolean }> };
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.anyOf.every((o) => o.additionalProperties === false)).toBe(true);
    }
  });
});

describe('the zod schemas', () => {
  it('take Summary.toJSON of a run and of a dry run, and refuse an unknown field', () => {
    const outcome = (o: Partial<RowOutcome>): RowOutcome => ({ line: 2, cells: [], status: 'succeeded', attempts: 1, ...o });
    for (const dryRun of [false, true]) {
      const s = createSummary({ dryRun, clock: () => 1000, startedAt: 0 });
      s.add(outcome({ paymentType: 'RF', op: { type: 'RF', amount: '12.50', currency: 'EUR' } as RowOutcome['op'] }));
      s.add(outcome({ status: dryRun ? 'pending' : 'succeeded', note: 'would send', paymentType: 'RV', op: { type: 'RV' } as RowOutcome['op'] }));
      s.add(outcome({ status: 'succeeded', alreadyDone: true, note: 'done by a.csv line 2', processedAt: '2026-01-01T00:00:00Z', paymentType: 'CP' }));
      s.add(outcome({ status: 'invalid', error: 'amount "x" is not a number', line: 5 }));
      s.add(outcome({ status: 'failed', notStarted: true, paymentType: 'RF' }));
      const json = s.toJSON({
        environment: { kind: 'sim', gateway: 'http://127.0.0.1:1' },
        inputSha256: 'ab',
        exitCode: 1,
        ...(dryRun ? {} : { outputs: { results: 'r.csv', failed: 'f.csv' } }),
        stoppedBy: 'stopped',
      });
      check(summarySchema, JSON.parse(JSON.stringify(json)), `toJSON (dryRun ${dryRun})`);
    }
    const plain = JSON.parse(JSON.stringify(createSummary().toJSON({ inputSha256: '', exitCode: 0 }))) as Record<string, unknown>;
    check(summarySchema, plain, 'an empty summary');
    expect(summarySchema.safeParse({ ...plain, new_field: 1 }).success).toBe(false);
    expect(errorSummarySchema.safeParse({ schema: 2, exit_code: 2, error: 'x', rows: 0, extra: 1 }).success).toBe(false);
  });
});

describe('what the built CLI writes fits the schemas', () => {
  const PAY = pid(1);
  const AUTH = pid(2);
  const OPS = `ticket,operation,payment_id,amount,currency
T1,refund,${PAY},10.00,EUR
T2,refund,${PAY},13.04,EUR
T3,refund,${PAY},abc,EUR
T4,reversal,${AUTH},,
`;

  it('run: succeeded, rejected and invalid rows; a dry run; validate', async () => {
    const dir = tempDir();
    const seed = write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${PAY},DB,200.00,EUR\n${AUTH},PA,50.00,EUR\n`);
    const sim = await startSim(['--seed', seed, '--force-code', '13.04=800.100.151']);
    const input = write(dir, 'ops.csv', OPS);
    const summaryPath = join(dir, 'summary.json');
    const args = ['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--log-format', 'json', '--summary-json', summaryPath];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    const events = checkLog(r.stderr);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['start', 'row', 'summary']));
    expect(events.filter((e) => e.event === 'row').map((e) => (e as { status: string }).status).sort()).toEqual(['invalid', 'rejected']);
    const summary = check(summaryFileSchema, JSON.parse(readFileSync(summaryPath, 'utf8')), 'summary.json');
    expect(summary).toMatchObject({ rows: 4, by_status: { succeeded: 2, rejected: 1, invalid: 1 } });

    // Again: every row is done (warnings about rows done earlier, already_done_by).
    const again = await runCli(args);
    checkLog(again.stderr);
    check(summarySchema, JSON.parse(readFileSync(summaryPath, 'utf8')), 'summary.json of a rerun');

    const dry = await runCli(['run', write(dir, 'dry.csv', OPS), '--gateway', sim.url, '--state-dir', join(dir, 'state2'), '--dry-run', '--log-format', 'json', '--summary-json', summaryPath]);
    checkLog(dry.stderr);
    check(summarySchema, JSON.parse(readFileSync(summaryPath, 'utf8')), 'summary.json of a dry run');

    const v = await runCli(['validate', input, '--log-format', 'json']);
    expect(v.code).toBe(1);
    expect(checkLog(v.stderr).map((e) => e.event)).toEqual(['start', 'row', 'summary']);
  });

  it('a run that fails early (exit 2): the error event and the error summary', async () => {
    const dir = tempDir();
    const summaryPath = join(dir, 'summary.json');
    const r = await runCli(['run', join(dir, 'missing.csv'), '--gateway', 'http://127.0.0.1:9', '--log-format', 'json', '--summary-json', summaryPath]);
    expect(r.code).toBe(2);
    expect(checkLog(r.stderr).map((e) => e.event)).toEqual(['error']);
    check(errorSummarySchema, JSON.parse(readFileSync(summaryPath, 'utf8')), 'the error summary');
    check(summaryFileSchema, JSON.parse(readFileSync(summaryPath, 'utf8')), 'the error summary');

    const v = await runCli(['validate', join(dir, 'missing.csv'), '--log-format', 'json']);
    expect(v.code).toBe(2);
    expect(checkLog(v.stderr).map((e) => e.event)).toEqual(['error']);
  });
});
