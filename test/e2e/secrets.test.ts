/**
 * Secret scan (docs/security.md#card-data): realistic runs that handle
 * card numbers and a distinctive access token — card credits with
 * --allow-card-data (valid, expired, declined, unknown outcome, Excel's
 * `4.11111E+15`, a masked number pasted back, grouped numbers), card numbers
 * in the wrong columns and in notes, a rerun of the failed-rows file, JSON
 * logs, the summary JSON, `validate --out`, `--dry-run`, `reconcile`, results
 * on stdout, a refused token, a file without a header row — then every file
 * payops wrote under the test's directory (results, failed rows, summary,
 * reconciled file, the state directory's journal and key file) and every
 * stdout/stderr are scanned for the card numbers, in any grouping, and for
 * the token. None may be found. The masked forms must be found where they
 * belong, so a scan that finds nothing because nothing was written fails.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTITY, readCsv, runCli, startSim, tempDir, write, type CliResult, type SimProcess } from './harness.js';

const TOKEN = 'tok-9f8e7d6c5b4a-SECRET';
const WRONG_TOKEN = 'tok-WRONG-0a1b2c3d4e5f';
const DB = '8ac7a4a28f1c4e0aa1b2c3d4e5f6d001';

/** The test cards, with how they are grouped when typed (AMEX 4-6-5, the others 4-4-4-4). */
const CARDS: Array<{ digits: string; groups: number[] }> = [
  { digits: '4111111111111111', groups: [4, 4, 4, 4] },
  { digits: '5555555555554444', groups: [4, 4, 4, 4] },
  { digits: '4012888888881881', groups: [4, 4, 4, 4] },
  { digits: '378282246310005', groups: [4, 6, 5] },
  { digits: '6011000990139424', groups: [4, 4, 4, 4] },
  { digits: '4000056655665556', groups: [4, 4, 4, 4] },
];

function grouped(digits: string, groups: number[], sep: string): string {
  const out: string[] = [];
  let i = 0;
  for (const g of groups) out.push(digits.slice(i, (i += g)));
  return out.join(sep);
}

/** Every way a card number or the token could show in `text`; the names of what was found. */
function secretsIn(text: string): string[] {
  const found: string[] = [];
  const squeezed = text.replace(/[ \-\u00A0\u202F\u2009]/g, '');
  for (const { digits, groups } of CARDS) {
    const byFour = Array.from({ length: Math.ceil(digits.length / 4) }, (_, i) => Math.min(4, digits.length - 4 * i));
    const forms = [digits, ...[' ', '-'].flatMap((sep) => [grouped(digits, groups, sep), grouped(digits, byFour, sep)])];
    for (const f of forms) if (text.includes(f)) found.push(`card ${JSON.stringify(f)}`);
    if (squeezed.includes(digits)) found.push(`card ${digits} (any grouping)`);
  }
  for (const t of [TOKEN, WRONG_TOKEN]) if (text.includes(t)) found.push(`token ${t}`);
  return found;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A file's bytes as text in every encoding payops writes (so a number is found whatever the encoding). */
function readings(path: string): string[] {
  const b = readFileSync(path);
  return [b.toString('utf8'), b.toString('latin1'), b.toString('utf16le'), Buffer.from(b).subarray(b.length % 2).swap16().toString('utf16le')];
}

const CARDS_CSV = `ticket,operation,payment_id,merchant_transaction_id,amount,currency,card_number,card_holder,card_expiry_month,card_expiry_year,payment_brand,note
C-1,credit,,,5.00,EUR,4111111111111111,Jane Doe,12,2031,VISA,valid card
C-2,credit,,,6.00,EUR,5555 5555 5555 4444,Max Muster,01,2020,MASTER,expired card
C-3,credit,,,13.13,EUR,4012-8888-8888-1881,Erika Muster,06,2030,VISA,declined by the gateway
C-4,credit,,,7.00,EUR,4.11111E+15,Excel User,12,2031,VISA,Excel turned it into a number
C-5,credit,,,8.00,EUR,411111******1111,From Results,12,2031,VISA,masked number pasted back
C-6,credit,,,9.00,EUR,378282246310005,Amex User,12,2031,AMEX,customer read out 3782 822463 10005 on the phone
C-7,refund,${DB},6011000990139424,1.00,EUR,,,,,,card number as merchant transaction id
C-8,refund,6011-0009-9013-9424,,1.00,EUR,,,,,,card number as payment id
C-9,refund,${DB},,1.00,EUR,,,,,,customer card 5555-5555-5555-4444 in a note
C-10,credit,,,13.14,EUR,4000 0566 5566 5556,Unknown Outcome,11,2032,VISA,gateway answers 900.100.300
`;

/** stdout and stderr of every command run, and the files the test itself wrote (inputs), by path. */
const outputs: Array<{ what: string; text: string }> = [];
const inputs = new Set<string>();
let dir: string;
let sim: SimProcess;

function record(what: string, r: CliResult): CliResult {
  outputs.push({ what: `${what}: stdout`, text: r.stdout }, { what: `${what}: stderr`, text: r.stderr });
  return r;
}

function input(name: string, content: string): string {
  const p = write(dir, name, content);
  inputs.add(p);
  return p;
}

const env = { OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY };
const gateway = () => ['--gateway', sim.url, '--state-dir', join(dir, 'state')];

describe('no card number and no access token in anything payops writes', () => {
  beforeAll(async () => {
    dir = tempDir();
    const seed = input('seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,100.00,EUR\n`);
    sim = await startSim(['--seed', seed, '--token', TOKEN, '--force-code', '13.13=800.100.151', '--force-code', '13.14=900.100.300']);
  });

  it('the scanner finds a card number in any grouping, and the token', () => {
    expect(secretsIn('x 4111 1111 1111 1111 y')).not.toEqual([]);
    expect(secretsIn('x4111-1111-1111-1111y')).not.toEqual([]);
    expect(secretsIn('"3782 822463 10005"')).not.toEqual([]);
    expect(secretsIn('41111111 11111111')).not.toEqual([]);
    expect(secretsIn(`Bearer ${TOKEN}`)).toEqual([`token ${TOKEN}`]);
    expect(secretsIn('411111******1111, 378282*****0005, 2026-11-24T05:51:39.484Z')).toEqual([]);
  });

  it('card credits with --allow-card-data: JSON log, summary JSON; card numbers masked in results and failed rows', async () => {
    const cards = input('cards.csv', CARDS_CSV);
    const r = record(
      'run cards.csv',
      await runCli(['run', cards, ...gateway(), '--allow-card-data', '--log-format', 'json', '--summary-json', join(dir, 'summary.json'), '--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2'], { env }),
    );
    expect(r.code, r.stderr).toBe(1);
    const rows = readCsv(join(dir, 'cards.results.csv'));
    expect(rows.map((x) => [x.ticket, x.status])).toEqual([
      ['C-1', 'succeeded'],
      ['C-2', 'invalid'],
      ['C-3', 'rejected'],
      ['C-4', 'invalid'],
      ['C-5', 'invalid'],
      ['C-6', 'succeeded'],
      ['C-7', 'invalid'],
      ['C-8', 'invalid'],
      ['C-9', 'succeeded'],
      ['C-10', 'unknown'],
    ]);
    // The masked forms are where they belong.
    expect(rows.map((x) => x.card_number)).toEqual([
      '411111******1111', '555555******4444', '401288******1881', '4.11111E+15', '411111******1111', '378282*****0005', '', '', '', '400005******5556',
    ]);
    expect(rows[5]!.input_note).toBe('customer read out 378282*****0005 on the phone');
    expect(rows[6]!.input_merchant_transaction_id).toBe('601100******9424');
    expect(rows[6]!.error).toContain('looks like a card number');
    expect(rows[7]!.payment_id).toBe('601100******9424');
    expect(rows[8]!.input_note).toBe('customer card 555555******4444 in a note');
    expect(rows[3]!.error).toContain('scientific notation');
    expect(rows[4]!.error).toContain('is masked');

    const failed = readCsv(join(dir, 'cards.failed.csv'));
    expect(failed.map((f) => [f.ticket, f.card_number])).toEqual([
      ['C-2', '555555******4444'],
      ['C-3', '401288******1881'],
      ['C-4', '4.11111E+15'],
      ['C-5', '411111******1111'],
      ['C-7', ''],
      ['C-8', ''],
      ['C-10', '400005******5556'],
    ]);
    expect(failed.find((f) => f.ticket === 'C-3')!.last_error).toContain('card data removed — supply it again or use a registration');

    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; line?: number; error?: string });
    expect(events.filter((e) => e.event === 'row').map((e) => e.line)).toEqual([3, 4, 5, 6, 8, 9, 11]);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { rows: number };
    expect(summary.rows).toBe(10);

    // What the gateway received for the card credits: the full number went to it, and only to it.
    const ledger = await sim.transactions();
    expect(ledger.filter((t) => t.paymentType === 'CD')).toHaveLength(4);
  });

  it('the failed-rows file runs again (the token from --token-file): removed card data makes card rows invalid, nothing is sent twice', async () => {
    const tokenFile = input('token.txt', `${TOKEN}\n`);
    const before = await sim.transactions();
    const r = record(
      'rerun cards.failed.csv',
      await runCli(['run', join(dir, 'cards.failed.csv'), ...gateway(), '--allow-card-data', '--token-file', tokenFile, '--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2'], {
        env: { OPPWA_ACCESS_TOKEN: undefined, OPPWA_ENTITY_ID: ENTITY },
      }),
    );
    expect(r.code, r.stderr).toBe(1);
    const rows = readCsv(join(dir, 'cards.failed.results.csv'));
    // C-10 (unknown outcome) is invalid too: its number is masked in the failed-rows file (reported: it is not looked up).
    expect(rows.map((x) => [x.ticket, x.status])).toEqual([
      ['C-2', 'invalid'],
      ['C-3', 'invalid'],
      ['C-4', 'invalid'],
      ['C-5', 'invalid'],
      ['C-7', 'invalid'],
      ['C-8', 'invalid'],
      ['C-10', 'invalid'],
    ]);
    expect(rows[1]!.error).toContain('is masked');
    expect(rows[4]!.error).toContain('holds a masked card number');
    expect(rows.every((x) => x.card_number === '' || !/\d{12}/.test(x.card_number!))).toBe(true);
    expect(await sim.transactions(), 'nothing sent').toHaveLength(before.length);
  });

  it('validate --out, --dry-run, reconcile and results on stdout', async () => {
    const cards = join(dir, 'cards.csv');
    const v = record('validate --out', await runCli(['validate', cards, '--allow-card-data', '--out', join(dir, 'validated.csv')], { env }));
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('line 3: card_expiry_month/card_expiry_year "01/2020"');
    expect(readCsv(join(dir, 'validated.csv'))[0]!.card_number).toBe('411111******1111');

    const dry = record('run --dry-run', await runCli(['run', cards, ...gateway(), '--allow-card-data', '--dry-run'], { env }));
    expect(dry.code, dry.stderr).not.toBe(2);

    const rec = record('reconcile', await runCli(['reconcile', join(dir, 'cards.results.csv'), ...gateway(), '--settle', '0', '--lookup-interval', '10ms', '--max-attempts', '1'], { env }));
    expect([0, 1], rec.stderr).toContain(rec.code);

    const out = record(
      'run --out -',
      await runCli(['run', input('more.csv', CARDS_CSV.replace(/^(C-\d+),/gm, '$1b,')), ...gateway(), '--allow-card-data', '--batch-id', 'stdout', '--out', '-', '--failed', join(dir, 'more.failed.csv'), '--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '1'], { env }),
    );
    expect(out.code, out.stderr).toBe(1);
    expect(out.stdout).toContain('C-1b,credit,,,5.00,EUR,411111******1111,Jane Doe');
  });

  it('errors: a refused token, a file without a header row, a CVV column', async () => {
    const cards = join(dir, 'cards.csv');
    const bad = record('run with a wrong token', await runCli(['run', cards, ...gateway(), '--allow-card-data', '--batch-id', 'wrong-token'], { env: { ...env, OPPWA_ACCESS_TOKEN: WRONG_TOKEN } }));
    expect(bad.code, bad.stderr).toBe(3);

    // The first data row read as the header: the message names its cells.
    const noHeader = input('no-header.csv', 'credit,,5.00,EUR,4111111111111111,Jane Doe,12,2031,VISA\ncredit,,6.00,EUR,5555 5555 5555 4444,Max,12,2031,MASTER\n');
    const missing = record('run without a header row', await runCli(['run', noHeader, ...gateway(), '--allow-card-data'], { env }));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('"411111******1111"');
    const missingV = record('validate without a header row', await runCli(['validate', noHeader, '--allow-card-data'], { env }));
    expect(missingV.code).toBe(2);

    const cvv = input('cvv.csv', 'operation,amount,currency,card_number,card_holder,card_expiry_month,card_expiry_year,payment_brand,card_cvv\ncredit,5.00,EUR,4111111111111111,Jane,12,2031,VISA,123\n');
    const c = record('run with a CVV column', await runCli(['run', cvv, ...gateway(), '--allow-card-data'], { env }));
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('card_cvv');
  });

  it('the scan: no card number and no token in any file payops wrote or anything it printed', () => {
    const written = filesUnder(dir).filter((p) => !inputs.has(p));
    const names = written.map((p) => relative(dir, p)).sort();
    // What was scanned: every output, the journal and the card key of the state directory.
    for (const expected of ['cards.results.csv', 'cards.failed.csv', 'cards.failed.results.csv', 'summary.json', 'validated.csv', 'cards.results.reconciled.csv', 'more.failed.csv']) {
      expect(names).toContain(expected);
    }
    expect(names.some((n) => n.endsWith('state.db'))).toBe(true);
    expect(names).toContain('state/card-key');
    const db = written.find((p) => p.endsWith('state.db'))!;
    expect(readFileSync(db, 'latin1')).toMatch(/CD[^\n]{0,80}card:[0-9a-f]{64}/);

    const leaks: string[] = [];
    for (const p of written) {
      for (const text of readings(p)) for (const s of secretsIn(text)) leaks.push(`${relative(dir, p)}: ${s}`);
    }
    for (const o of outputs) for (const s of secretsIn(o.text)) leaks.push(`${o.what}: ${s}`);
    expect([...new Set(leaks)]).toEqual([]);
    expect(outputs.length).toBeGreaterThanOrEqual(20);
  });
});
