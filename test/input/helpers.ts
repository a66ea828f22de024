/** Shared helpers for the input tests: temporary files, reading a whole source. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { openInput, type InputSource, type OpenInputOptions } from '../../src/input/open-input.js';
import type { InputRecord } from '../../src/rows/types.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payops-input-'));
  dirs.push(dir);
  return dir;
}

let counter = 0;
/** Write `content` to a new temporary file and answer its path. */
export function tempFile(content: string | Uint8Array, name = `in-${++counter}.csv`): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** All records of a source. */
export async function readAll(src: InputSource): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const r of src.records) out.push(r);
  return out;
}

/** A readable stream of `bytes` in chunks of `chunk` bytes (like stdin). */
export function streamOf(bytes: Uint8Array, chunk = 16 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(Buffer.from(bytes.subarray(i, i + chunk)));
  return Readable.from(parts, { objectMode: false });
}

export type Via = 'file' | 'stdin';

/** Open `bytes` as a file or as stdin. */
export async function openBytes(bytes: string | Uint8Array, via: Via = 'file', opts: OpenInputOptions = {}): Promise<InputSource> {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (via === 'file') return openInput(tempFile(buf), opts);
  return openInput('-', { ...opts, stdin: streamOf(buf) });
}

/** Open and read everything: the source and its records. */
export async function load(bytes: string | Uint8Array, via: Via = 'file', opts: OpenInputOptions = {}) {
  const src = await openBytes(bytes, via, opts);
  const records = await readAll(src);
  return { src, records, cells: records.map((r) => r.cells), lines: records.map((r) => r.line) };
}

/** The rejection of a promise (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
