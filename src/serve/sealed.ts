/**
 * Uploads kept encrypted at rest (with `--allow-card-data`, so that no card
 * number is ever on disk in clear). Every upload is written through
 * AES-256-GCM as it streams in, under a random key per job that lives only in
 * this process's memory — never in the state directory, the database, a page,
 * a log or a child's environment. A random IV per file; the auth tag is
 * checked over the whole file before any clear byte is handed out.
 *
 * payops reads the clear bytes without a clear file: each `payops validate` /
 * `payops run` child is given a FIFO in a private (0700) temporary directory,
 * named as the upload was, which this process feeds once the child opens it.
 * The name is the upload's, so the outputs, the provenance ("rows already done
 * by which file") and the SHA-256 are those of the clear file. payops reads a
 * workbook only from a regular file, so a server with `--allow-card-data`
 * takes CSV only (see app.ts).
 *
 * A restart loses the keys: {@link forgetUnreadableUploads} deletes what can
 * no longer be read and says so on the job.
 *
 * File layout: MAGIC (8 bytes, also the GCM additional data) · IV (12) ·
 * ciphertext · tag (16).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants, createWriteStream, openSync, rmSync } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

/** The stored upload of a sealed job is `<job>/<name>.sealed`; payops sees `<name>`. */
export const SEALED_SUFFIX = '.sealed';
const MAGIC = Buffer.from('PAYOPS\x00\x01', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + IV_BYTES;
const CHUNK = 64 * 1024;

export function isSealed(storedPath: string): boolean {
  return storedPath.endsWith(SEALED_SUFFIX);
}

/** The path of the upload as payops names it (outputs, provenance): without {@link SEALED_SUFFIX}. */
export function clearPath(storedPath: string): string {
  return isSealed(storedPath) ? storedPath.slice(0, -SEALED_SUFFIX.length) : storedPath;
}

// ---- the keys: in this process's memory only ----
const keys = new Map<string, Buffer>();

export function newKey(jobId: string): Buffer {
  const key = randomBytes(32);
  keys.set(jobId, key);
  return key;
}

export function keyOf(jobId: string): Buffer | undefined {
  return keys.get(jobId);
}

export function forgetKey(jobId: string): void {
  keys.get(jobId)?.fill(0);
  keys.delete(jobId);
}

/** A Writable that stores what is written to it encrypted at `path` (mode 0600); 'close' once the file is complete. */
export function sealingStream(path: string, key: Buffer): Writable {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(MAGIC);
  const file = createWriteStream(path, { mode: 0o600 });
  file.write(Buffer.concat([MAGIC, iv]));
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (file.write(cipher.update(chunk))) cb();
      else file.once('drain', () => cb());
    },
    final(cb) {
      file.end(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
      file.once('close', () => cb());
    },
    destroy(err, cb) {
      file.destroy();
      cb(err);
    },
  });
  file.on('error', (err) => w.destroy(err));
  return w;
}

export class SealedUploadError extends Error {}

/** One pass over the clear bytes; throws (at the end, for the tag) when the file is not what was sealed. */
async function* decrypt(path: string, key: Buffer): AsyncGenerator<Buffer> {
  const h = await open(path, 'r');
  try {
    const { size } = await h.stat();
    const damaged = () => new SealedUploadError(`the encrypted upload ${path} is damaged or was changed (its authentication tag does not match)`);
    if (size < HEADER_BYTES + TAG_BYTES) throw damaged();
    const header = Buffer.alloc(HEADER_BYTES);
    await h.read(header, 0, HEADER_BYTES, 0);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged();
    const tag = Buffer.alloc(TAG_BYTES);
    await h.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length));
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(tag);
    const end = size - TAG_BYTES;
    let pos = HEADER_BYTES;
    while (pos < end) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - pos));
      const { bytesRead } = await h.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) throw damaged();
      pos += bytesRead;
      const clear = decipher.update(buf.subarray(0, bytesRead));
      if (clear.length) yield clear;
    }
    try {
      const last = decipher.final();
      if (last.length) yield last;
    } catch {
      throw damaged();
    }
  } finally {
    await h.close();
  }
}

/**
 * The clear bytes of a sealed upload. The whole file's tag is checked first
 * (a pass that keeps nothing), then the bytes are decrypted again as read;
 * that second pass checks the tag too (a change in between throws at its end).
 */
export async function* clearBytes(path: string, key: Buffer): AsyncGenerator<Buffer> {
  for await (const _ of decrypt(path, key)) void _;
  yield* decrypt(path, key);
}

/** What a child is given to read: a path, and (for a FIFO) the feeding, started once the child is spawned. */
export interface ChildInput {
  path: string;
  /** Start feeding `child` (a FIFO) and remove the FIFO once it has ended. */
  attach(child: ChildProcess): void;
  /** Why the bytes could not be handed over (the child was killed), if so. */
  problem(): string | undefined;
  /** Remove the FIFO when no child was started after all. */
  dispose(): void;
}

export function plainInput(path: string): ChildInput {
  return { path, attach() {}, problem: () => undefined, dispose() {} };
}

const execFileP = promisify(execFile);

/**
 * A FIFO named `name` in a new private temporary directory, fed with
 * `bytes()` once the child opens it. If the bytes fail their check, the child
 * is killed before the FIFO is closed, so it never reads a clean end of a
 * file it was not meant to read.
 */
export async function fifoInput(name: string, bytes: () => AsyncIterable<Buffer>): Promise<ChildInput> {
  const dir = await mkdtemp(join(tmpdir(), 'payops-serve-'));
  const path = join(dir, name);
  try {
    await execFileP('mkfifo', ['-m', '600', path]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new SealedUploadError(`cannot make a FIFO for the encrypted upload (mkfifo): ${(err as Error).message}`);
  }
  let problem: string | undefined;
  return {
    path,
    problem: () => problem,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    attach(child) {
      let ended = false;
      let socket: Socket | undefined;
      const finish = () => {
        if (ended) return;
        ended = true;
        socket?.destroy();
        rmSync(dir, { recursive: true, force: true });
      };
      child.once('close', finish);
      child.once('error', finish);
      void (async () => {
        // Opening for writing without blocking a thread: ENXIO until the child has it open for reading.
        let fd: number | undefined;
        while (!ended && fd === undefined) {
          try {
            fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        if (fd === undefined) return;
        const s = new Socket({ fd, readable: false, writable: true });
        socket = s;
        let closed = false;
        s.on('error', () => undefined); // EPIPE: the child stopped reading (it ended); 'close' follows
        s.once('close', () => (closed = true));
        for await (const chunk of bytes()) {
          if (closed || ended) break;
          if (!s.write(chunk)) {
            await new Promise<void>((resolve) => {
              const done = () => {
                s.off('drain', done);
                s.off('close', done);
                resolve();
              };
              s.on('drain', done);
              s.on('close', done);
            });
          }
        }
        if (!closed) s.end();
      })().catch((err: Error) => {
        problem = err.message;
        // Killed first; the FIFO is closed when the child has gone ('close' above).
        if (!ended) child.kill('SIGKILL');
      });
    },
  };
}

/** A sealed upload whose key is gone (the server restarted since it was uploaded). */
export const NO_KEY = 'this encrypted upload cannot be read: its key was only in the memory of the server process that took the upload, which has since stopped. Upload the file again';

/** The clear bytes of a job's stored upload, read in this process (a plain file: undefined, read its path). */
export function clearBytesOf(jobId: string, storedPath: string): (() => AsyncIterable<Buffer>) | undefined {
  if (!isSealed(storedPath)) return undefined;
  const key = keyOf(jobId);
  if (!key) throw new SealedUploadError(NO_KEY);
  return () => clearBytes(storedPath, key);
}

/** What a `payops` child is given to read for a job's stored upload: the file itself, or a FIFO fed with its clear bytes. */
export async function inputForChild(jobId: string, storedPath: string): Promise<ChildInput> {
  const bytes = clearBytesOf(jobId, storedPath);
  if (!bytes) return plainInput(storedPath);
  return fifoInput(basename(clearPath(storedPath)), bytes);
}
