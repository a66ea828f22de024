/**
 * Where the input's bytes come from: a regular file (which can be read again
 * from the start, and has a size) or a stream — stdin, a pipe, a FIFO — which
 * can be read once. Unreadable inputs become a UsageError naming the path.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { HEAD_BYTES } from './encoding.js';

const CHUNK = 64 * 1024;

export interface ByteSource {
  /** The path, or `stdin`. */
  name: string;
  /** The first up to {@link HEAD_BYTES} bytes. */
  head: Buffer;
  /** `head` is the whole input. */
  headIsAll: boolean;
  /** Size in bytes, for a regular file. */
  size?: number;
  /** A regular file: {@link read} may be called any number of times. */
  rereadable: boolean;
  /** All bytes from the start. A stream source answers this once. */
  read(): AsyncIterable<Buffer>;
  /** Release the stream (when the bytes will not be read to the end). */
  close(): void;
  /** A regular file's size now (to see whether it changed while it was read). */
  currentSize?(): Promise<number | undefined>;
}

/** A UsageError for a failed read of `name`. */
export function readError(name: string, err: unknown): UsageError {
  if (err instanceof UsageError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new UsageError(`input file not found: ${name}`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`cannot read ${name}: permission denied`);
    case 'EISDIR':
      return new UsageError(`${name} is a directory, not a CSV file`);
    case 'ENOTDIR':
      return new UsageError(`input file not found: ${name} (a part of the path is not a directory)`);
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new UsageError(`cannot read ${name}: ${message}`);
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new UsageError(`cannot read input: unexpected ${typeof chunk} chunk`);
}

/** Open `path` (`-` is `stdin`, or the stream given), reading its head. */
export async function openByteSource(path: string, stdin?: NodeJS.ReadableStream): Promise<ByteSource> {
  if (path === '-') {
    const stream = stdin ?? process.stdin;
    if ((stream as { isTTY?: boolean }).isTTY === true)
      throw new UsageError('stdin is a terminal: pipe a CSV file into payops (… < file.csv) or give its path instead of -');
    return streamSource('stdin', stream);
  }
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw readError(path, err);
  }
  if (info.isDirectory()) throw new UsageError(`${path} is a directory, not a CSV file`);
  if (!info.isFile()) {
    // A FIFO, a character device (/dev/stdin): readable once, like stdin.
    let stream;
    try {
      const handle = await open(path, 'r');
      stream = handle.createReadStream({ highWaterMark: CHUNK });
    } catch (err) {
      throw readError(path, err);
    }
    return streamSource(path, stream);
  }
  return fileSource(path, info.size);
}

async function fileSource(path: string, size: number): Promise<ByteSource> {
  let head: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, size || HEAD_BYTES));
      let filled = 0;
      while (filled < buf.length) {
        const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      head = buf.subarray(0, filled);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw readError(path, err);
  }
  const open_ = new Set<NodeJS.ReadableStream & { destroy(): void }>();
  return {
    name: path,
    head,
    headIsAll: head.length >= size,
    size,
    rereadable: true,
    async currentSize() {
      try {
        return (await stat(path)).size;
      } catch {
        return undefined;
      }
    },
    read() {
      const stream = createReadStream(path, { highWaterMark: CHUNK });
      open_.add(stream);
      stream.once('close', () => open_.delete(stream));
      return (async function* () {
        try {
          for await (const chunk of stream) yield toBuffer(chunk);
        } catch (err) {
          throw readError(path, err);
        } finally {
          stream.destroy();
        }
      })();
    },
    close() {
      for (const s of open_) s.destroy();
      open_.clear();
    },
  };
}

async function streamSource(name: string, stream: NodeJS.ReadableStream): Promise<ByteSource> {
  const it = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  try {
    while (length < HEAD_BYTES) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      const buf = toBuffer(next.value);
      chunks.push(buf);
      length += buf.length;
    }
  } catch (err) {
    throw readError(name, err);
  }
  const all = Buffer.concat(chunks);
  const head = all.subarray(0, HEAD_BYTES);
  let used = false;
  return {
    name,
    head,
    headIsAll: ended,
    rereadable: false,
    read() {
      if (used) throw new Error(`${name} can be read only once`);
      used = true;
      return (async function* () {
        try {
          if (all.length > 0) yield all;
          if (ended) return;
          for (;;) {
            const next = await it.next();
            if (next.done) return;
            yield toBuffer(next.value);
          }
        } catch (err) {
          throw readError(name, err);
        } finally {
          if (!ended) await it.return?.();
        }
      })();
    },
    close() {
      if (!ended) it.return?.()?.catch(() => {});
      (stream as { destroy?: () => void }).destroy?.();
    },
  };
}
