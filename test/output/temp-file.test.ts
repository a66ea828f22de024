import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync, symlinkSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createCsvWriter, tempPathFor } from '../../src/output/csv-writer.js';
import { tempDir, UTF8_LF } from './helpers.js';

describe('temporary file, then rename', () => {
  it('the target does not exist until commit; the temporary file sits beside it', async () => {
    const dir = tempDir();
    const path = join(dir, 'refunds.results.csv');
    const w = createCsvWriter(path, UTF8_LF, { header: ['a', 'b'] });
    for (let i = 0; i < 20_000; i++) await w.write([String(i), 'x'.repeat(20)]);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([`.refunds.results.csv.${process.pid}.tmp`]);
    expect(tempPathFor(path)).toBe(join(dir, `.refunds.results.csv.${process.pid}.tmp`));
    await w.commit();
    expect(readdirSync(dir)).toEqual(['refunds.results.csv']);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toBe('a,b');
    expect(lines[20_000]).toBe(`19999,${'x'.repeat(20)}`);
    expect(w.rows).toBe(20_000);
  });

  it('abort leaves nothing behind', async () => {
    const dir = tempDir();
    const w = createCsvWriter(join(dir, 'out.csv'), UTF8_LF, { header: ['a'] });
    for (let i = 0; i < 10_000; i++) await w.write(['row ' + i]);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    await w.abort(); // twice is fine
    expect(() => w.write(['late'])).toThrow(/aborted/);
  });

  it('abort keeps the file an earlier run wrote, untouched', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'earlier run\n');
    const w = createCsvWriter(path, UTF8_LF, { header: ['a'] });
    await w.write(['new']);
    await w.abort();
    expect(readFileSync(path, 'utf8')).toBe('earlier run\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('commit replaces an earlier file in one step', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'earlier run\n');
    const w = createCsvWriter(path, UTF8_LF, { header: ['a'] });
    await w.write(['new']);
    expect(readFileSync(path, 'utf8')).toBe('earlier run\n');
    await w.commit();
    expect(readFileSync(path, 'utf8')).toBe('a\nnew\n');
    await w.abort(); // after commit: nothing happens
    expect(existsSync(path)).toBe(true);
  });

  it('a symbolic link is followed: the file it points to is replaced, the link stays', async () => {
    const dir = tempDir();
    const real = join(dir, 'real.csv');
    const link = join(dir, 'link.csv');
    writeFileSync(real, 'old\n');
    symlinkSync(real, link);
    const w = createCsvWriter(link, UTF8_LF, { header: ['a'] });
    await w.commit();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('a\n');
  });

  it('a named pipe is written directly, never replaced by a plain file', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (c) => chunks.push(c as Buffer));
    const closed = new Promise<void>((r) => reader.on('close', () => r()));
    const w = createCsvWriter(fifo, UTF8_LF, { header: ['a'] });
    await w.write(['1']);
    await w.commit();
    await closed;
    expect(Buffer.concat(chunks).toString('utf8')).toBe('a\n1\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('refuses a folder, and a folder that does not exist, with a usage error before anything is sent', () => {
    const dir = tempDir();
    expect(() => createCsvWriter(dir, UTF8_LF)).toThrow(UsageError);
    expect(() => createCsvWriter(dir, UTF8_LF)).toThrow(/is a folder/);
    expect(() => createCsvWriter(join(dir, 'missing', 'out.csv'), UTF8_LF, { role: 'results file' })).toThrow(
      /cannot write the results file .*missing.*does not exist/,
    );
  });

  it('lazy: nothing on disk until the first row', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const w = createCsvWriter(path, UTF8_LF, { header: ['a'], lazy: true });
    expect(readdirSync(dir)).toEqual([]);
    expect(w.started).toBe(false);
    await w.write(['1']);
    expect(w.started).toBe(true);
    await w.commit();
    expect(readFileSync(path, 'utf8')).toBe('a\n1\n');
  });
});

/** A slow consumer with a tiny buffer, to make the writer wait. */
class SlowSink extends Writable {
  chunks: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    setTimeout(cb, 1);
  }
}

describe('stdout (-)', () => {
  it('writes to the stream with no temporary file, and waits for it to drain', async () => {
    const dir = tempDir();
    const sink = new SlowSink();
    const w = createCsvWriter('-', UTF8_LF, { header: ['n'], stdout: sink });
    let waited = 0;
    for (let i = 0; i < 30_000; i++) {
      const p = w.write([String(i)]);
      if (p) {
        waited++;
        await p;
        expect(sink.writableLength).toBeLessThan(256 * 1024); // memory stays bounded
      }
    }
    await w.commit();
    expect(waited).toBeGreaterThan(0);
    const text = Buffer.concat(sink.chunks).toString('utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('n');
    expect(lines.length).toBe(30_002);
    expect(lines[30_000]).toBe('29999');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a broken stream is reported, not swallowed', async () => {
    const broken = new Writable({
      write(_c, _e, cb) {
        cb(new Error('EPIPE: broken pipe'));
      },
    });
    const w = createCsvWriter('-', UTF8_LF, { header: ['n'], stdout: broken, role: 'results file' });
    let failure: unknown;
    try {
      for (let i = 0; i < 100_000; i++) await w.write(['x'.repeat(10)]);
      await w.commit();
    } catch (err) {
      failure = err;
    }
    expect(String(failure)).toMatch(/cannot write the results file -: EPIPE/);
  });
});

describe('abort without waiting (a second signal exits at once)', () => {
  it('has removed the temporary file before its promise settles', async () => {
    const dir = tempDir();
    const w = createCsvWriter(join(dir, 'out.csv'), UTF8_LF, { header: ['a'] });
    for (let i = 0; i < 5_000; i++) await w.write(['row ' + i]);
    const done = w.abort(); // not awaited yet
    expect(readdirSync(dir)).toEqual([]);
    await done;
  });
});
