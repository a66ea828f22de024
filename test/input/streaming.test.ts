/**
 * Nothing holds the whole input: records arrive while the file is still being
 * read, a slow consumer stops the reading (backpressure), and the heap stays
 * flat on a large file.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { openInput } from '../../src/input/open-input.js';
import { tempDir } from './helpers.js';

const ROWS = 200_000;
const ID = '8a82944a4cc25ebf014cc2c782423202';

function row(i: number): string {
  const note = i % 97 === 0 ? `"multi\r\nline; ""quoted"" ${i}"` : `note ${i}`;
  return `refund;${ID};${i % 1000},50;EUR;T-${i};${note}\r\n`;
}

async function writeBig(): Promise<{ path: string; lines: number }> {
  const path = join(tempDir(), 'big.csv');
  const out = createWriteStream(path);
  out.write('\uFEFFoperation;payment_id;amount;currency;ticket;note\r\n');
  let lines = 1;
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    buf += row(i);
    lines += i % 97 === 0 ? 2 : 1;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return { path, lines };
}

describe(`a ${ROWS.toLocaleString('en')}-row file`, () => {
  test('streams: records arrive before the file is read, a paused consumer pauses the reading, the heap stays flat', async () => {
    const { path, lines } = await writeBig();
    const src = await openInput(path);
    expect(src.recordCount).toBe(ROWS);
    const total = src.totalBytes!;
    expect(total).toBeGreaterThan(10_000_000);

    let n = 0;
    let expectedLine = 2;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    for await (const r of src.records) {
      if (n === 0) expect(src.bytesRead()).toBeLessThan(total / 4);
      if (n === 1000) {
        await sleep(100); // a slow consumer: the reader must wait
        expect(src.bytesRead()).toBeLessThan(total / 4);
      }
      if (r.line !== expectedLine) expect(r.line).toBe(expectedLine); // (compare only on mismatch: 200k expects are slow)
      expectedLine += n % 97 === 0 ? 2 : 1;
      if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      n++;
    }
    expect(n).toBe(ROWS);
    expect(expectedLine).toBe(lines + 1);
    expect(src.bytesRead()).toBe(total);
    // Loose: holding the records would take well over 100 MB.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });

  test('stdin: the same, from a stream that is produced as it is consumed', async () => {
    let produced = 0;
    const stdin = Readable.from(
      (function* () {
        yield Buffer.from('operation,payment_id\n');
        for (let i = 0; i < ROWS; i += 1000) {
          let s = '';
          for (let k = i; k < i + 1000; k++) s += `refund,${ID}\n`;
          produced += 1000;
          yield Buffer.from(s);
        }
      })(),
    );
    const src = await openInput('-', { stdin });
    let n = 0;
    for await (const r of src.records) {
      if (n === 0) expect(produced).toBeLessThan(ROWS / 4);
      if (n === ROWS - 1) expect(r.line).toBe(ROWS + 1);
      n++;
    }
    expect(n).toBe(ROWS);
  });
});
