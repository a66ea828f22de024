/** The pieces of `payops serve` on their own: escaping, log parsing, users, the SQLite store, retention. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { esc, html } from '../../src/serve/html.js';
import { parseLogLine, rowsOf, statusCounts, alreadyDoneOf } from '../../src/serve/log-events.js';
import { Store } from '../../src/serve/store.js';
import { applyRetention, liveConfirmationMatches, safeFileName, totalsOver } from '../../src/serve/app.js';
import { envBanner } from '../../src/serve/html.js';
import { hashPassword, readUsers, verifyPassword, writeUser } from '../../src/serve/users.js';
import { reasonKey } from '../../src/serve/preview.js';
import { tempDir } from './harness.js';

describe('escaping', () => {
  it('escapes every interpolated value, tags and quotes included', () => {
    expect(esc('<script>alert("x")</script>&\'')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const cell = '"><img src=x onerror=alert(1)>';
    expect(html`<td title="${cell}">${cell}</td>`.value).toBe('<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(html`<ul>${['<b>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;b&gt;<li>ok</li></ul>');
  });

  it('stores an uploaded file under a name without path or markup characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\Zahlungen März.csv')).toBe('Zahlungen März.csv');
    expect(safeFileName('<img src=x>.csv')).toBe('_img src_x_.csv');
    expect(safeFileName('.hidden')).toBe('_hidden');
    // A file named after a card number is stored under its masked name only.
    expect(safeFileName('credit 4111111111111111.csv')).not.toContain('4111111111111111');
  });
});

describe('reading the child\'s JSON log', () => {
  it('reads camelCase and snake_case keys alike, and keeps plain text as a message', () => {
    const a = parseLogLine('{"event":"summary","byStatus":{"succeeded":3},"alreadyDone":2,"rows":5}');
    const b = parseLogLine('{"event":"summary","by_status":{"succeeded":3},"already_done":2,"rows":5}');
    for (const e of [a, b]) {
      expect(e?.kind).toBe('event');
      if (e?.kind !== 'event') continue;
      expect(statusCounts(e.fields)).toEqual({ succeeded: 3 });
      expect(alreadyDoneOf(e.fields)).toBe(2);
      expect(rowsOf(e.fields)).toBe(5);
    }
  });

  it('keeps keys that are data, not names: currencies and payment types', () => {
    const e = parseLogLine('{"event":"summary","valid_amounts":{"RF":{"EUR":{"rows":2,"total":"1254.49"}}},"validByOperation":{"RF":2}}');
    expect(e).toMatchObject({ kind: 'event', fields: { valid_amounts: { RF: { EUR: { rows: 2, total: '1254.49' } } }, valid_by_operation: { RF: 2 } } });
    expect(parseLogLine('payops: another payops run holds the state lock /x/lock: pid 7')).toEqual({ kind: 'text', text: 'another payops run holds the state lock /x/lock: pid 7' });
    expect(parseLogLine('{not json')).toEqual({ kind: 'text', text: '{not json' });
    expect(parseLogLine('   ')).toBeUndefined();
  });

  it('groups invalid rows by their reason whatever the value', () => {
    expect(reasonKey('amount "40,00" is ambiguous: use 40.00')).toBe(reasonKey('amount "1.234,50" is ambiguous: use 1234.50'));
  });
});

describe('users file', () => {
  it('keeps scrypt hashes, never the password, and checks passwords', () => {
    const file = join(tempDir(), 'users');
    writeUser(file, 'alice', 'correct horse');
    writeUser(file, 'bob', 'battery staple');
    const users = readUsers(file);
    expect(verifyPassword('correct horse', users.get('alice')!)).toBe(true);
    expect(verifyPassword('correct hors', users.get('alice')!)).toBe(false);
    expect(verifyPassword('correct horse', users.get('bob')!)).toBe(false);
    expect(hashPassword('x'.repeat(8))).not.toBe(hashPassword('x'.repeat(8)));
    expect(() => writeUser(file, 'carol', 'short')).toThrow(/at least 8/);
  });
});

describe('the SQLite store', () => {
  it('keeps the audit log append-only', () => {
    const store = new Store(join(tempDir(), 's.sqlite'));
    store.audit('alice', 'uploaded', null, 'a.csv');
    expect(() => store.db.prepare("UPDATE audit SET user = 'mallory'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(store.auditLog()[0]).toMatchObject({ user: 'alice', action: 'uploaded' });
    store.close();
  });

  it('ends sessions when they expire and stores only a hash of the cookie', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new Store(join(tempDir(), 's.sqlite'), () => now);
    const token = store.createSession('alice', 60_000);
    expect(store.sessionUser(token)).toBe('alice');
    expect(JSON.stringify(store.db.prepare('SELECT * FROM sessions').all())).not.toContain(token);
    now += 61_000;
    expect(store.sessionUser(token)).toBeUndefined();
    store.close();
  });

  it('deletes stored uploads after the retention period and says so in the audit log', () => {
    const dir = tempDir();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new Store(join(dir, 's.sqlite'), () => now);
    const jobDir = join(dir, 'jobs', 'j1');
    mkdirSync(jobDir, { recursive: true });
    writeFileSync(join(jobDir, 'a.csv'), 'operation\n');
    store.insertJob({ id: 'j1', uploader: 'alice', file_name: 'a.csv', stored_path: join(jobDir, 'a.csv'), size: 10, sha256: 'x', parent_id: null, options: { decimalComma: false, columns: {} } });
    store.update('j1', { state: 'done' });
    now += 29 * 86_400_000;
    expect(applyRetention(store, 30 * 86_400_000, now)).toBe(0);
    expect(existsSync(jobDir)).toBe(true);
    now += 2 * 86_400_000;
    expect(applyRetention(store, 30 * 86_400_000, now)).toBe(1);
    expect(existsSync(jobDir)).toBe(false);
    expect(store.job('j1')!.deleted_at).not.toBeNull();
    expect(store.auditLog()[0]).toMatchObject({ action: 'deleted by retention', job_id: 'j1' });
    store.close();
  });
});

describe('--approval-above', () => {
  it("asks for approval when a currency's total is over the limit, and when a total is not a number (fails closed)", () => {
    const totals = (total: string) => ({ totals: { IDR: { CP: { rows: 2, total } } } });
    expect(totalsOver(totals('100000000008.00'), 1_000_000)).toBe(true);
    expect(totalsOver(totals('999.99'), 1_000_000)).toBe(false);
    expect(totalsOver(totals('100000**0008.00'), 1_000_000)).toBe(true);
  });
});

describe('live', () => {
  it('is confirmed only by typing the row count or a total shown', () => {
    const p = { valid: 8, totals: { EUR: { RF: { rows: 2, total: '1254.49' } } } };
    expect(liveConfirmationMatches('8', p)).toBe(true);
    expect(liveConfirmationMatches(' 1,254.49 ', p)).toBe(true);
    expect(liveConfirmationMatches('1254.49', p)).toBe(true);
    expect(liveConfirmationMatches('yes', p)).toBe(false);
    expect(liveConfirmationMatches('', p)).toBe(false);
    expect(liveConfirmationMatches('7', p)).toBe(false);
    expect(liveConfirmationMatches('1254', p)).toBe(false);
  });

  it('names the live gateway in words, not only in colour', () => {
    expect(envBanner('live', 'https://eu-prod.oppwa.com').value).toContain('LIVE — real money');
    expect(envBanner('test', 'https://eu-test.oppwa.com').value).toContain('no real money moves');
  });
});

describe('what the page reads from payops messages', () => {
  it('names the cell of an invalid row: a workbook reference, or the line and field of a CSV', async () => {
    const { cellOf } = await import('../../src/serve/preview.js');
    expect(cellOf('D9: amount "10,00" is ambiguous: use 10.00', 9)).toBe('D9');
    expect(cellOf('amount "abc" contains "abc": write digits', 2)).toBe('line 2, amount');
    expect(cellOf('card data needs --allow-card-data', 3)).toBeUndefined();
  });

  it('reads rows waiting for a lookup and when the next is due from a progress event', async () => {
    const { waitingOf } = await import('../../src/serve/log-events.js');
    expect(waitingOf({ waiting: 2, waiting_text: 'waiting for 2 lookups (--settle / --lookup-interval), next in 12s' })).toEqual({ lookups: 2, nextIn: '12s' });
    expect(waitingOf({ waiting: 0 })).toEqual({ lookups: 0 });
  });
});

describe('sealed uploads (--allow-card-data)', () => {
  const seal = async (path: string, key: Buffer, chunks: Buffer[]) => {
    const { sealingStream } = await import('../../src/serve/sealed.js');
    const w = sealingStream(path, key);
    await new Promise<void>((resolve, reject) => {
      w.once('close', resolve);
      w.once('error', reject);
      for (const c of chunks) w.write(c);
      w.end();
    });
  };
  const readAll = async (it: AsyncIterable<Buffer>) => {
    const out: Buffer[] = [];
    for await (const c of it) out.push(c);
    return Buffer.concat(out);
  };

  it('stores the bytes encrypted (mode 0600) and gives them back only with the key and an untouched file', async () => {
    const { clearBytes } = await import('../../src/serve/sealed.js');
    const { randomBytes } = await import('node:crypto');
    const { readFileSync: read, statSync, writeFileSync: write } = await import('node:fs');
    const dir = tempDir();
    const path = join(dir, 'cards.csv.sealed');
    const key = randomBytes(32);
    const clear = Buffer.concat([Buffer.from('card_number\n4200000000000000\n'), randomBytes(200_000)]);
    await seal(path, key, [clear.subarray(0, 7), clear.subarray(7, 100_000), clear.subarray(100_000)]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(read(path).toString('latin1')).not.toContain('4200000000000000');
    expect((await readAll(clearBytes(path, key))).equals(clear)).toBe(true);
    await expect(readAll(clearBytes(path, randomBytes(32)))).rejects.toThrow(/damaged or was changed/);
    const bytes = read(path);
    bytes[100] = bytes[100]! ^ 1;
    write(path, bytes);
    // The tag is checked over the whole file before the first clear byte.
    const it = clearBytes(path, key)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/damaged or was changed/);
    const empty = join(dir, 'empty.csv.sealed');
    await seal(empty, key, []);
    expect((await readAll(clearBytes(empty, key))).length).toBe(0);
  });

  it('hands a child the clear bytes through a FIFO with the upload\'s name, and removes it after', async () => {
    const { fifoInput } = await import('../../src/serve/sealed.js');
    const { spawn } = await import('node:child_process');
    const { statSync, existsSync: exists } = await import('node:fs');
    const { dirname } = await import('node:path');
    const clear = Buffer.alloc(1_000_000, 'x');
    const input = await fifoInput('Zahlungen März.csv', async function* () {
      yield clear;
    });
    expect(input.path.endsWith('/Zahlungen März.csv')).toBe(true);
    expect(statSync(input.path).isFIFO()).toBe(true);
    expect(statSync(dirname(input.path)).mode & 0o777).toBe(0o700);
    const child = spawn('wc', ['-c', input.path], { stdio: ['ignore', 'pipe', 'ignore'] });
    input.attach(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => child.on('close', r));
    expect(out.trim().split(/\s/)[0]).toBe('1000000');
    await new Promise((r) => setTimeout(r, 50));
    expect(exists(dirname(input.path))).toBe(false);

    // Bytes that fail their check: the child is killed before it could see the end of the file.
    const bad = await fifoInput('bad.csv', async function* () {
      yield Buffer.from('a,b\n');
      throw new Error('the encrypted upload is damaged or was changed');
    });
    const reader = spawn('sh', ['-c', `cat "$0" > /dev/null; echo read-to-the-end`, bad.path], { stdio: ['ignore', 'pipe', 'ignore'] });
    bad.attach(reader);
    let said = '';
    reader.stdout!.on('data', (d) => (said += d));
    const signal = await new Promise((r) => reader.on('close', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGKILL');
    expect(said).toBe('');
    expect(bad.problem()).toContain('damaged');
    expect(exists(dirname(bad.path))).toBe(false);
  });
});
