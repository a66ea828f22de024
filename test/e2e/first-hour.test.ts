/**
 * Issue 13, "what users tripped over in their first hour": each point through
 * the built CLI (dist/cli/main.js) against `payops sim` in its own process.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI, ENTITY, jsonLines, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { logEventSchema } from '../../src/output/log-schema.js';

const DB = pid(1);
const DB2 = pid(2);
const SEED = `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n${DB2},DB,1000.00,EUR\n`;

async function setup(simArgs: string[] = []) {
  const dir = tempDir();
  const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), ...simArgs]);
  const args = (input: string, extra: string[] = []) => ['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), ...extra];
  return { dir, sim, args };
}

const OPS = `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB2},2.00,EUR\n`;

describe('1. stdin', () => {
  it('run - reads stdin; validate - too', async () => {
    const { dir, sim, args } = await setup();
    const out = join(dir, 'out.csv');
    const r = await runCli([...args('-'), '--out', out, '--failed', join(dir, 'f.csv')], { input: OPS });
    expect(r.stderr).not.toContain('not found');
    expect(r.code).toBe(0);
    expect(readCsv(out).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(await sim.transactions()).toHaveLength(2);
    const v = await runCli(['validate', '-'], { input: OPS });
    expect(v.code).toBe(0);
    expect(v.stderr).toContain('2 rows: 2 valid, 0 invalid');
  });
});

describe('2. own column names', () => {
  const GERMAN = `Vorgang;Zahlungs-ID;Betrag;Währung;Bemerkung\nrefund;${DB};1,50;EUR;erste\n`;
  it('--column FIELD=HEADER maps a German export; without it the error says how', async () => {
    const { dir, args } = await setup();
    const input = write(dir, 'de.csv', GERMAN);
    const bad = await runCli(args(input, ['--decimal-comma']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--column operation=Vorgang');
    const cols = ['--column', 'operation=Vorgang', '--column', 'payment_id=Zahlungs-ID', '--column', 'amount=Betrag', '--column', 'currency=Währung'];
    const r = await runCli(args(input, ['--decimal-comma', ...cols]));
    expect(r.code).toBe(0);
    const rows = readCsv(join(dir, 'de.results.csv'), ';');
    expect(rows[0]!.status).toBe('succeeded');
    expect(rows[0]!.Bemerkung).toBe('erste');
  });

  it('--columns FILE, and a file with both Operation and Payment Type says which is the operation', async () => {
    const { dir, args } = await setup();
    const input = write(dir, 'gw.csv', `Payment Type,Operation,Reference,amount,currency\nDB,refund,${DB},3.00,EUR\n`);
    const clash = await runCli(args(input));
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/both mean operation/);
    const map = write(dir, 'cols.txt', '# which column is which\noperation=Operation\npayment_id=Reference\n');
    const r = await runCli(args(input, ['--columns', map]));
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(join(dir, 'gw.results.csv'));
    expect(rows[0]!.payment_type).toBe('RF');
    expect(rows[0]!['input_Payment Type']).toBe('DB'); // the user's own column, renamed beside payops' payment_type
  });

  it('a --column naming a header the file lacks is exit 2 naming it', async () => {
    const { dir, args } = await setup();
    const r = await runCli(args(write(dir, 'x.csv', OPS), ['--column', 'amount=Betrag']));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the file has no column "Betrag"');
  });
});

describe('3. a corrected failed-rows file', () => {
  it('the correction supersedes the original row; an edited failed-rows file is never overwritten', async () => {
    const { dir, sim, args } = await setup();
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},5000.00,EUR\nrefund,${DB2},2.00,EUR\n`);
    const first = await runCli(args(input));
    expect(first.code).toBe(1);
    const failedPath = join(dir, 'ops.failed.csv');
    const failed = readFileSync(failedPath, 'utf8');
    expect(failed).toContain('rejected');
    // The operator corrects the amount and runs the failed-rows file.
    writeFileSync(failedPath, failed.replace('5000.00', '50.00'));
    const corrected = readFileSync(failedPath, 'utf8');
    const second = await runCli(args(failedPath));
    expect(second.code, second.stderr).toBe(0);
    // Then the original again.
    const third = await runCli(args(input));
    expect(third.code, third.stderr).toBe(0);
    const rows = readCsv(join(dir, 'ops.results.csv'));
    expect(rows[0]!.status).toBe('succeeded');
    expect(rows[0]!.note).toBe('corrected by ops.failed.csv line 2 — succeeded');
    // The edited failed-rows file is as the operator left it, and the run said so.
    expect(readFileSync(failedPath, 'utf8')).toBe(corrected);
    expect(third.stderr).toMatch(/ops\.failed\.csv changed since payops wrote it/);
    // Nothing was sent twice: the rejected refund, the corrected one and the second row.
    const ledger = await sim.transactions();
    expect(ledger.filter((t) => t.paymentType === 'RF' && t.resultCode.startsWith('000.'))).toHaveLength(2);
  });

  it('a failed-rows file payops wrote and nobody changed is still replaced', async () => {
    const { dir, args } = await setup();
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},5000.00,EUR\n`);
    expect((await runCli(args(input))).code).toBe(1);
    const r = await runCli(args(input, ['--retry-rejected']));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('changed since payops wrote it');
    expect(readdirSync(dir).filter((f) => f.startsWith('ops.failed'))).toEqual(['ops.failed.csv']);
  });
});

describe('4. empty inputs', () => {
  it.each([
    ['0 bytes', '', /is empty \(0 bytes\)/],
    ['a BOM only', '\uFEFF', /holds only a byte order mark/],
    ['blank lines', '\r\n\r\n  \r\n', /holds only blank lines/],
  ])('%s: exit 2, nothing sent', async (_name, content, message) => {
    const { dir, sim, args } = await setup();
    const r = await runCli(args(write(dir, 'e.csv', content)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await sim.transactions()).toHaveLength(0);
    expect((await runCli(['validate', join(dir, 'e.csv')])).code).toBe(2);
  });

  it('a header-only file stays exit 0', async () => {
    const { dir, args } = await setup();
    expect((await runCli(args(write(dir, 'h.csv', 'operation,payment_id,amount,currency\n')))).code).toBe(0);
  });
});

describe('5. short rows', () => {
  it('a row with fewer cells than the header says so', async () => {
    const { dir, args } = await setup();
    const r = await runCli(args(write(dir, 's.csv', `operation,payment_id,amount,currency,ticket,comment\nrefund,${DB},1.00,EUR,T1,ok\n,${DB2}\n`)));
    expect(r.code).toBe(1);
    const rows = readCsv(join(dir, 's.results.csv'));
    expect(rows[1]!.error).toMatch(/^row has 2 cells, the header has 6/);
  });
});

describe('6. stopped runs', () => {
  it('SIGTERM: rows never started are counted apart, not in the failed-rows file, one JSON event for them', async () => {
    const { dir, args } = await setup(['--latency', '150']);
    const lines = [`operation,payment_id,amount,currency`];
    for (let i = 0; i < 40; i++) lines.push(`refund,${i % 2 ? DB : DB2},0.${String(10 + i)},EUR`);
    const input = write(dir, 'many.csv', lines.join('\n') + '\n');
    const r = await runCli(args(input, ['--concurrency', '1', '--log-format', 'json', '--summary-json', join(dir, 's.json')]), {
      onSpawn: (child) => {
        let seen = '';
        // One SIGTERM only: a second chunk of stderr before the timer fires must not schedule another,
        // because a second SIGTERM stops at once, with no summary (CI caught this on a loaded machine).
        let scheduled = false;
        child.stderr!.on('data', (d) => {
          seen += d;
          if (!scheduled && seen.includes('"event":"start"')) {
            scheduled = true;
            setTimeout(() => child.kill('SIGTERM'), 200);
          }
        });
      },
    });
    expect(r.code).toBe(143);
    const events = jsonLines(r.stderr);
    expect(events.every((e) => e.schema === 2)).toBe(true);
    // The not_started and signal events fit schemas/log-event.schema.json as the others do.
    for (const e of events) expect(logEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    const notStarted = events.filter((e) => e.event === 'not_started');
    expect(notStarted).toHaveLength(1);
    const n = notStarted[0]!.rows as number;
    expect(n).toBeGreaterThan(20);
    expect(events.filter((e) => e.event === 'row')).toHaveLength(0);
    const signal = events.find((e) => e.event === 'signal')!;
    expect(String(signal.message)).not.toContain('Ctrl-C');
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(summary.not_started).toBe(n);
    expect(summary.by_status.failed).toBe(0);
    expect(summary.processed).toBe(40 - n);
    expect(existsSync(join(dir, 'many.failed.csv'))).toBe(false);
    const results = readCsv(join(dir, 'many.results.csv'));
    expect(results.filter((x) => x.error.startsWith('not started: the run was stopped'))).toHaveLength(n);
  });
});

describe('9. true messages', () => {
  it('an unknown row that a lookup found still unknown does not say "found by lookup"', async () => {
    const { dir, args } = await setup(['--force-code', '0.77=900.100.300']);
    const r = await runCli(args(write(dir, 'u.csv', `operation,payment_id,amount,currency\nrefund,${DB},0.77,EUR\n`), [
      '--timeout', '500ms', '--settle', '500ms', '--lookup-interval', '10ms', '--max-attempts', '2',
    ]));
    const row = readCsv(join(dir, 'u.results.csv'))[0]!;
    expect(row.status, r.stderr).toBe('unknown');
    expect(row.note).not.toContain('found by lookup');
    expect(row.error).toContain('still unknown after 2 lookups');
  });
});

describe('9. reconcile says what it settled', () => {
  it('rows still open after the lookup are not counted as updated', async () => {
    const { dir, sim, args } = await setup(['--force-code', '0.88=900.100.300']);
    const input = write(dir, 'r.csv', `operation,payment_id,amount,currency\nrefund,${DB},0.88,EUR\nrefund,${DB2},1.00,EUR\n`);
    await runCli(args(input, ['--timeout', '500ms', '--settle', '500ms', '--lookup-interval', '10ms', '--max-attempts', '1']));
    const r = await runCli(['reconcile', join(dir, 'r.results.csv'), '--gateway', sim.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/reconcile: 1 row looked up: 0 settled, 1 still pending or unknown/);
    expect(r.stderr).not.toMatch(/1 updated/);
    const row = readCsv(join(dir, 'r.results.reconciled.csv'))[0]!;
    expect(row.status).toBe('unknown');
    expect(row.note).toMatch(/^looked up by reconcile: the gateway still reports 900\.100\.300/);
  });
});

describe('10. --dry-run', () => {
  it('needs no token, says "would send" and shows the totals that would be sent', async () => {
    const { dir, sim, args } = await setup();
    const input = write(dir, 'd.csv', `operation,payment_id,amount,currency\nrefund,${DB},1234.50,EUR\nrefund,${DB2},2.00,EUR\n`);
    const r = await runCli(args(input, ['--dry-run']), { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('line 2: would send RF 1234.50 EUR');
    expect(r.stderr).toMatch(/would send\s+2/);
    expect(r.stderr).not.toMatch(/pending/);
    expect(r.stderr).toMatch(/amounts that would be sent\n\s+refund RF\s+EUR\s+1,236\.50/);
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('says at the end what it noticed part way: a value in a column without a header', async () => {
    const { dir, sim, args } = await setup();
    const rows = Array.from({ length: 300 }, (_, i) => `refund,${DB},1.00,EUR${i === 250 ? ',stray' : ''}`);
    const input = write(dir, 'late.csv', `operation,payment_id,amount,currency\n${rows.join('\n')}\n`);
    const r = await runCli(args(input, ['--dry-run']), { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(r.stderr).toMatch(/warning: column 5 has no header but has a value on line 252/);
    const j = await runCli(args(input, ['--dry-run', '--log-format', 'json']), { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(jsonLines(j.stderr).some((e) => e.event === 'warning' && /column 5 has no header/.test(String(e.message)))).toBe(true);
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('reads the file once, as validate does: a broken row part way stops it there, exit 2, naming the line', async () => {
    const { dir, sim, args } = await setup();
    const input = write(dir, 'broken.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,"${DB},2.00,EUR\n`);
    const r = await runCli(args(input, ['--dry-run']), { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 2: would send RF 1.00 EUR');
    expect(r.stderr).toMatch(/broken\.csv line 3: a quoted cell .* is never closed/);
    expect(await sim.transactions()).toHaveLength(0);
  });
});

describe('11. why rows are invalid', () => {
  it('top reasons with counts, and the --decimal-comma hint, in the summary and --summary-json', async () => {
    const { dir, args } = await setup();
    const lines = ['operation;payment_id;amount;currency'];
    for (let i = 0; i < 8; i++) lines.push(`refund;${DB};${i + 1},50;EUR`);
    lines.push(`refund;nope;1.00;EUR`);
    const input = write(dir, 'c.csv', lines.join('\n') + '\n');
    const r = await runCli(args(input, ['--summary-json', join(dir, 's.json')]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid rows, top reasons\n\s+8 × amount … is ambiguous/);
    expect(r.stderr).toContain('8 invalid rows would be valid with --decimal-comma');
    const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(s.invalid_reasons[0]).toMatchObject({ rows: 8, first_line: 2 });
    expect(s.invalid_reasons).toHaveLength(2);
    expect(s.hint).toContain('--decimal-comma');
    const v = await runCli(['validate', input]);
    expect(v.stderr).toContain('hint: 8 invalid rows would be valid with --decimal-comma');
  });
});

describe('12. JSON logs are JSON', () => {
  it('exit-2 errors are JSON and still write --summary-json', async () => {
    const dir = tempDir();
    const input = write(dir, 'o.csv', OPS);
    const r = await runCli(['run', input, '--gateway', 'test', '--log-format', 'json', '--summary-json', join(dir, 's.json')], {
      env: { OPPWA_ACCESS_TOKEN: undefined },
    });
    expect(r.code).toBe(2);
    const [e] = jsonLines(r.stderr);
    expect(e).toMatchObject({ schema: 2, event: 'error', exit_code: 2 });
    expect(String(e!.message)).toContain('no access token');
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ schema: 2, exit_code: 2 });
    const missing = await runCli(['validate', join(dir, 'nope.csv'), '--log-format', 'json']);
    expect(missing.code).toBe(2);
    expect(jsonLines(missing.stderr)[0]).toMatchObject({ event: 'error' });
  });

  it('an exit-3 run ends in JSON; many rows waiting for lookups print no MaxListenersExceededWarning; row events carry the user columns', async () => {
    const { dir, args } = await setup(['--force-code', '0.55=900.100.300']);
    const lines = ['ticket,operation,payment_id,amount,currency'];
    for (let i = 0; i < 14; i++) lines.push(`T${i},refund,${i % 2 ? DB : DB2},0.55,EUR`);
    const r = await runCli(args(write(dir, 'w.csv', lines.join('\n') + '\n'), [
      '--log-format', 'json', '--timeout', '500ms', '--settle', '500ms', '--lookup-interval', '20ms', '--max-attempts', '1',
    ]));
    expect(r.stderr).not.toContain('MaxListeners');
    const events = jsonLines(r.stderr);
    const rows = events.filter((e) => e.event === 'row');
    expect(rows).toHaveLength(14);
    expect(rows[0]).toMatchObject({ status: 'unknown', columns: { ticket: 'T0' } });
    expect(rows[0]).toHaveProperty('result_description');
    for (const e of events) for (const k of Object.keys(e)) expect(k).toMatch(/^[a-z0-9_]+$/);

    // Exit 3: a wrong URL (below) ends with a JSON error event, no plain text.
  });

  it('validate writes schema and snake_case keys', async () => {
    const dir = tempDir();
    const v = await runCli(['validate', write(dir, 'o.csv', OPS), '--log-format', 'json']);
    const events = jsonLines(v.stderr);
    expect(events.every((e) => e.schema === 2)).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'summary', rows: 2, input_sha256: expect.any(String) });
  });
});

describe('13. a URL that is not a gateway', () => {
  it('an HTML server answering 501: rows failed (not sent), the run stops after 3, JSON to the end', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(501, { 'content-type': 'text/html' }).end('<html><body>Not Implemented</body></html>');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const dir = tempDir();
      const lines = ['operation,payment_id,amount,currency'];
      for (let i = 0; i < 20; i++) lines.push(`refund,${pid(100 + i)},1.00,EUR`);
      const input = write(dir, 'h.csv', lines.join('\n') + '\n');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runCli(['run', input, '--gateway', url, '--state-dir', join(dir, 'st'), '--concurrency', '1', '--log-format', 'json']);
      expect(r.code).toBe(3);
      const events = jsonLines(r.stderr);
      expect(events.at(-1)).toMatchObject({ event: 'error', exit_code: 3 });
      const rows = readCsv(join(dir, 'h.results.csv'));
      expect(rows.filter((x) => x.status === 'unknown')).toHaveLength(0);
      expect(rows.filter((x) => x.status === 'failed' && x.error.startsWith('not sent to a gateway'))).toHaveLength(3);
      expect(hits).toBe(3 + 1); // three operations, and the probe that asked whether it is payops' simulator
      const text = await runCli(['run', input, '--gateway', url, '--state-dir', join(dir, 'st'), '--dry-run']);
      expect(text.stderr).toContain(`payops: gateway loopback ${url} (not payops' simulator`);
      const { sim } = await setup();
      const real = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'st2'), '--dry-run']);
      expect(real.stderr).toContain(`payops: gateway sim ${sim.url} (dry run`);
    } finally {
      server.close();
    }
  });
});

describe('14. rows done by another file', () => {
  it('says which file and date, and warns with the --batch-id hint', async () => {
    const { dir, sim, args } = await setup();
    expect((await runCli(args(write(dir, 'november.csv', OPS)))).code).toBe(0);
    const r = await runCli(args(write(dir, 'december.csv', OPS)));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already done earlier: 2 \(by november\.csv on \d{4}-\d\d-\d\d/);
    expect(r.stderr).toMatch(/warning: 2 rows were not sent because identical rows were already done .*--batch-id/);
    expect(await sim.transactions()).toHaveLength(2);
  });
});

describe('15. short timeouts', () => {
  it('--timeout 100ms is honoured against a 300 ms simulator; a bare --timeout 5 is warned', async () => {
    const { dir, args } = await setup(['--latency', '300']);
    const r = await runCli(args(write(dir, 't.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`), [
      '--timeout', '100ms', '--settle', '100ms', '--lookup-interval', '10ms', '--max-attempts', '1',
    ]));
    const row = readCsv(join(dir, 't.results.csv'))[0]!;
    expect(row.status, r.stderr).not.toBe('succeeded');
    expect(row.error).toContain('no answer within --timeout');
    const w = await runCli(['run', join(dir, 't.csv'), '--gateway', 'sim', '--timeout', '5', '--dry-run']);
    expect(w.stderr).toContain('--timeout 5 has no unit, so it is 5 ms');
  });
});

describe('16-17. card numbers and secrets', () => {
  it('card numbers with any separators are masked in every output cell, user columns included', async () => {
    const { dir, args } = await setup();
    const pans = ['4111.1111.1111.1111', '4111/1111/1111/1111', '4111_1111_1111_1111', '4111|1111|1111|1111', '4111:1111:1111:1111', "4111'1111'1111'1111", '4111  1111  1111  1111', '4111 - 1111 - 1111 - 1111'];
    const lines = ['operation,payment_id,amount,currency,comment'];
    pans.forEach((p, i) => lines.push(`refund,${i % 2 ? DB : 'bad-id'},1.00,EUR,"card ${p} pasted"`));
    await runCli(args(write(dir, 'p.csv', lines.join('\n') + '\n')));
    for (const f of ['p.results.csv', 'p.failed.csv']) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text.replace(/\D/g, ' ')).not.toMatch(/4111\D{0,3}1111\D{0,3}1111\D{0,3}1111/);
      expect(text.replace(/[^0-9]+/g, '')).not.toContain('4111111111111111');
    }
    expect(readCsv(join(dir, 'p.results.csv'))[0]!.comment).toBe('card 411111******1111 pasted');
  });

  it('a file named after a card number stays out of the journal and messages; a URL password is not echoed', async () => {
    const { dir, args } = await setup();
    const input = write(dir, '4111111111111111.csv', `operation,payment_id,amount,currency\nrefund,${DB},5000.00,EUR\n`);
    const r = await runCli(args(input));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('4111111111111111');
    // The state database and its write-ahead log, whatever the store keeps on disk.
    const stateFiles = readdirSync(join(dir, 'state'), { recursive: true }).map(String).filter((f) => /state\.db/.test(f));
    expect(stateFiles.length).toBeGreaterThan(0);
    for (const f of stateFiles) expect(readFileSync(join(dir, 'state', f), 'latin1')).not.toContain('4111111111111111');
    expect(readFileSync(join(dir, '4111111111111111.failed.csv'), 'utf8')).not.toContain('4111111111111111');
    const bad = await runCli(['run', input, '--gateway', 'http://user:SECRET@[bad']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('SECRET');
  });
});

describe('19. flag values', () => {
  it.each([
    [['--concurrency', 'abc'], /--concurrency "abc" is not valid: give a whole number/],
    [['--timeout', '-5s'], /--timeout "-5s" is negative/],
    [['--token', 'X'], /never taken from a flag/],
  ])('%j', async (flags, message) => {
    const dir = tempDir();
    const r = await runCli(['run', write(dir, 'o.csv', OPS), '--gateway', 'sim', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('unexpected error');
  });

  it('--test-mode external is taken in any case; sim --port 99999 is a usage error', async () => {
    const dir = tempDir();
    const t = await runCli(['run', write(dir, 'o.csv', OPS), '--gateway', 'sim', '--test-mode', 'external', '--dry-run']);
    expect(t.code, t.stderr).toBe(0);
    const p = await runCli(['sim', '--port', '99999']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--port must be a whole number from 0 to 65535');
  });
});

describe('20. full disks and read-only places', () => {
  it('/dev/full as the results file: exit 3 naming it, no "unexpected error"', async () => {
    const { dir, args } = await setup();
    const r = await runCli(args(write(dir, 'o.csv', OPS), ['--out', '/dev/full']));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot write the results file /dev/full');
    expect(r.stderr).toContain('run the same command again');
    expect(r.stderr).not.toContain('unexpected error');
  });
});

describe('20. state that cannot be written', () => {
  it('a state directory on a file system that refuses it: exit 2 naming the path, nothing sent', async () => {
    const { dir, sim } = await setup();
    const r = await runCli(['run', write(dir, 'o.csv', OPS), '--gateway', sim.url, '--state-dir', '/sys/payops-state']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/sys/payops-state');
    expect(r.stderr).not.toContain('unexpected error');
    expect(await sim.transactions()).toHaveLength(0);
  });
});

describe('5. an input found broken part way, after rows were sent', () => {
  it('is exit 3 (a rerun continues), not exit 2 "nothing sent"', async () => {
    const { dir, sim, args } = await setup(['--latency', '5']);
    const lines = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 1500; i++) lines.push(`refund,${i % 2 ? DB : DB2},0.01,EUR`);
    const text = lines.join('\n') + '\nrefund,"never closed,1.00,EUR\n';
    const r = await runCli([...args('-'), '--out', join(dir, 'r.csv'), '--failed', join(dir, 'f.csv'), '--concurrency', '4'], { input: text });
    const sent = (await sim.transactions()).length;
    expect(r.stderr).toContain('is never closed');
    expect(sent).toBeGreaterThan(0); // the reader runs ahead of sending by a bounded window only
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('rows before it were sent and are journalled');
  });
});

describe('21. hostile file names and bytes', () => {
  it('ANSI escapes in a file name are not printed raw', async () => {
    const dir = tempDir();
    const r = await runCli(['validate', join(dir, 'evil\x1b[31mred.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('\x1b[31m');
    expect(r.stderr).toContain('\\x1b[31m');
  });

  it('a NUL byte far from the start is refused before sending', async () => {
    const { dir, sim, args } = await setup();
    const lines = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 2000; i++) lines.push(`refund,${DB},1.00,EUR`);
    lines.push(`refund,${DB},1.00,EU\u0000R`);
    const r = await runCli(args(write(dir, 'n.csv', lines.join('\n') + '\n')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2002: holds a NUL character/);
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('a refused --failed leaves no temporary results file', async () => {
    const { dir, args } = await setup();
    const input = write(dir, 'o.csv', OPS);
    const r = await runCli(args(input, ['--failed', input]));
    expect(r.code).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a header wider than 1 MiB without quotes is not blamed on a quote', async () => {
    const dir = tempDir();
    const header = ['operation', 'payment_id', ...Array.from({ length: 120_000 }, (_, i) => `column${i}`)].join(',');
    const r = await runCli(['validate', write(dir, 'w.csv', header + '\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/otherwise the row is simply too long/);
  });
});

describe('23. wording', () => {
  it('--gateway …/v1 is taken off with a warning, not every row rejected "path: no such resource"', async () => {
    const { dir, sim } = await setup();
    const r = await runCli(['run', write(dir, 'o.csv', OPS), '--gateway', `${sim.url}/v1`, '--state-dir', join(dir, 'st')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: the gateway URL ends in /v1, which payops adds to every request itself: using ${sim.url}`);
    expect(readCsv(join(dir, 'o.results.csv')).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('run --help: the example lines fit beside their descriptions', async () => {
    const r = await runCli(['run', '--help']);
    const examples = r.stdout.slice(r.stdout.indexOf('Examples:')).split('\n').slice(1).filter((l) => l.trim());
    expect(examples).toHaveLength(3);
    for (const l of examples) expect(l).toMatch(/^ {2}payops run .+ {2,}\S/);
  });

  it('"1 row", thousands separators, and which counts a resumed run covers', async () => {
    const { dir, args } = await setup();
    const input = write(dir, 'o.csv', `operation,payment_id,amount,currency\nrefund,${DB},999.99,EUR\n`);
    const r = await runCli(args(input));
    expect(r.stderr).toMatch(/^rows: 1 in /m);
    const two = write(dir, 'two.csv', `operation,payment_id,amount,currency\nrefund,${DB},999.99,EUR\nrefund,${DB2},1000.00,EUR\n`);
    const r2 = await runCli(args(two));
    expect(r2.stderr).toMatch(/rows: 2 \(1 done by earlier runs\); 1 processed in this run/);
    expect(r2.stderr).toMatch(/amounts succeeded in this run \(rows done by earlier runs not included\)\n\s+refund RF\s+EUR\s+1,000\.00/);
    const v = await runCli(['validate', input]);
    expect(v.stderr).toContain('1 row: 1 valid, 0 invalid');
  });
});

describe('18. the live confirmation, on a terminal', () => {
  // A pseudo-terminal from util-linux `script` (installed here); without it the test cannot give payops a TTY.
  const hasScript = existsSync('/usr/bin/script');
  const onTty = (cmd: string[], keys: string, dir: string, token = 'OPPWA_ACCESS_TOKEN=not-used') =>
    new Promise<{ code: number | null; out: string }>((res) => {
      const line = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const child = spawn('/usr/bin/script', ['-qec', line, '/dev/null'], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, OPPWA_ACCESS_TOKEN: token.split('=')[1], OPPWA_ENTITY_ID: ENTITY, NO_COLOR: '1' },
      });
      let out = '';
      let sent = false;
      child.stdout.on('data', (d) => {
        out += d;
        if (!sent && out.includes('Type "yes" to go on')) {
          sent = true;
          child.stdin.write(keys);
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        res({ code, out });
      });
    });

  it.skipIf(!hasScript)('8. the progress line says what it waits for while rows wait for lookups', async () => {
    const { dir, sim } = await setup(['--force-code', '0.66=900.100.300']);
    const input = write(dir, 'w.csv', `operation,payment_id,amount,currency\nrefund,${DB},0.66,EUR\n`);
    const r = await onTty(
      [process.execPath, CLI, 'run', input, '--gateway', sim.url, '--state-dir', join(dir, 'st'), '--timeout', '2500ms', '--settle', '2500ms', '--lookup-interval', '100ms', '--max-attempts', '1'],
      '',
      dir,
      'OPPWA_ACCESS_TOKEN=sim-token',
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/waiting for 1 lookup \(--settle \/ --lookup-interval\), next in [123]s/);
  });

  it.skipIf(!hasScript)('"y" is refused saying to type yes; Ctrl-C exits 130; plain http:// is warned; the counts read plainly', async () => {
    const dir = tempDir();
    const input = write(dir, 'o.csv', OPS);
    const y = await onTty([process.execPath, CLI, 'run', input, '--gateway', 'https://eu-prod.oppwa.com', '--live', '--state-dir', join(dir, 'st')], 'y\r', dir);
    expect(y.code).toBe(2);
    expect(y.out).toContain('2 of 2 rows to send');
    expect(y.out).toContain('type the whole word "yes"');
    const c = await onTty([process.execPath, CLI, 'run', input, '--gateway', 'http://pay.example.com', '--live', '--state-dir', join(dir, 'st')], '\x03', dir);
    expect(c.code).toBe(130);
    expect(c.out).toContain('http://pay.example.com is plain http://');
    expect(c.out).toContain('nothing was sent');
  });
});
