/**
 * Checking a workbook's ZIP container before anything reads it (zip bombs):
 * the central directory is read, every entry is inflated once with its real
 * output counted and its CRC-32 compared, and the entries must follow each
 * other without gaps (a streaming unzipper reads the local headers in order,
 * so nothing may hide between the entries the directory lists).
 *
 * Refused (UsageError, exit 2, before a row is read): an unzipped total or a
 * single entry above {@link MAX_UNZIPPED_BYTES}, more than
 * {@link MAX_ENTRIES} entries, an entry that inflates to more than it
 * declares, a bad CRC, encryption, ZIP64, compression other than deflate.
 * The SHA-256 of the file's bytes comes with the same read.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, createInflateRaw } from 'node:zlib';
import { UsageError } from '../errors.js';

/** Most bytes all entries of a workbook may unzip to (a full 1,048,576-row sheet of a dozen columns is about 0.5 GiB). */
export const MAX_UNZIPPED_BYTES = 2 * 1024 ** 3;
/** Most entries in the container (a workbook has a dozen or so). */
export const MAX_ENTRIES = 10_000;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  /** Where its local header starts. */
  offset: number;
  /** Where its data starts (after the local header). */
  dataStart: number;
  /** Where its record ends (after the data and any data descriptor). */
  end: number;
}

export interface CheckedZip {
  entries: ZipEntry[];
  sha256: string;
  unzippedBytes: number;
}

export interface ZipLimits {
  maxUnzippedBytes?: number;
  maxEntries?: number;
}

function gib(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** Read the central directory and check every entry of the ZIP at `path`. */
export async function checkZip(path: string, name: string, limits: ZipLimits = {}): Promise<CheckedZip> {
  const maxBytes = limits.maxUnzippedBytes ?? MAX_UNZIPPED_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_ENTRIES;
  const broken = (why: string) =>
    new UsageError(`${name} is not a readable Excel workbook (${why}). Open it in Excel or LibreOffice and save it again as Excel Workbook (.xlsx).`);
  const fd = openSync(path, 'r');
  let entries: ZipEntry[];
  try {
    const size = fstatSync(fd).size;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw broken('its ZIP directory is missing: the file is cut short or damaged');
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw new UsageError(`${name} is a ZIP64 workbook (over 4 GiB or 65,535 parts): too large for payops. Split the sheet into smaller workbooks.`);
    }
    if (count > maxEntries) throw new UsageError(`${name} has ${count} parts in its ZIP container; a workbook has a few dozen at most (payops reads up to ${maxEntries}).`);
    if (cdOffset + cdSize > size) throw broken('its ZIP directory points past the end of the file');
    const cd = Buffer.alloc(cdSize);
    readSync(fd, cd, 0, cdSize, cdOffset);
    entries = [];
    let p = 0;
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw broken('its ZIP directory is damaged');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      const compressedSize = cd.readUInt32LE(p + 20);
      const entrySize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const offset = cd.readUInt32LE(p + 42);
      const entryName = cd.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (flags & 1) {
        throw new UsageError(`${name} is protected with a password: payops cannot read it. Remove the password (File > Info > Protect Workbook in Excel), save, and run again.`);
      }
      if (compressedSize === 0xffffffff || entrySize === 0xffffffff || offset === 0xffffffff) {
        throw new UsageError(`${name} is a ZIP64 workbook (over 4 GiB): too large for payops. Split the sheet into smaller workbooks.`);
      }
      if (method !== 0 && method !== 8) throw broken(`part ${entryName} uses ZIP compression method ${method}`);
      total += entrySize;
      if (total > maxBytes) {
        throw new UsageError(
          `${name} unzips to more than ${gib(maxBytes)} (a workbook this large, or a "zip bomb"): payops reads workbooks up to ${gib(maxBytes)} unzipped. ` +
            `Split the rows into several workbooks, or save the sheet as CSV.`,
        );
      }
      entries.push({ name: entryName, method, compressedSize, size: entrySize, crc, offset, dataStart: 0, end: 0 });
    }
    // The entries, in file order, must follow each other exactly up to the directory.
    const sorted = [...entries].sort((a, b) => a.offset - b.offset);
    let expected = 0;
    const head = Buffer.alloc(30);
    const sig = Buffer.alloc(4);
    for (const e of sorted) {
      if (e.offset !== expected) throw broken('its ZIP container has data outside the parts it lists');
      if (readSync(fd, head, 0, 30, e.offset) !== 30 || head.readUInt32LE(0) !== 0x04034b50) throw broken(`the header of part ${e.name} is damaged`);
      const flags = head.readUInt16LE(6);
      const dataStart = e.offset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
      e.dataStart = dataStart;
      let end = dataStart + e.compressedSize;
      if (flags & 8) {
        // A data descriptor follows: 12 bytes, or 16 with its optional signature.
        end += readSync(fd, sig, 0, 4, end) === 4 && sig.readUInt32LE(0) === 0x08074b50 ? 16 : 12;
      }
      e.end = end;
      expected = end;
    }
    if (expected !== cdOffset) throw broken('its ZIP container has data outside the parts it lists');
  } finally {
    closeSync(fd);
  }

  let unzipped = 0;
  for (const e of entries) {
    const got = await inflateEntry(path, e, Math.min(e.size, maxBytes));
    if (got.size !== e.size) throw broken(`part ${e.name} unzips to ${got.size} bytes, not the ${e.size} its directory says`);
    if (got.crc !== e.crc) throw broken(`part ${e.name} fails its CRC check`);
    unzipped += got.size;
  }
  const sha256 = await hashFile(path);
  return { entries, sha256, unzippedBytes: unzipped };
}

/** Inflate one entry, counting its output; stops as soon as it passes `cap`. */
function inflateEntry(path: string, e: ZipEntry, cap: number): Promise<{ size: number; crc: number }> {
  return new Promise((resolve, reject) => {
    if (e.compressedSize === 0) return resolve({ size: 0, crc: 0 });
    const input = createReadStream(path, { start: e.dataStart, end: e.dataStart + e.compressedSize - 1, highWaterMark: 256 * 1024 });
    let size = 0;
    let crc = 0;
    const finish = (err: Error | undefined) => {
      input.destroy();
      if (err) reject(err);
      else resolve({ size, crc });
    };
    if (e.method === 0) {
      input.on('data', (chunk) => {
        const b = chunk as Buffer;
        size += b.length;
        crc = crc32(b, crc);
      });
      input.on('end', () => finish(undefined));
      input.on('error', (err) => finish(err));
      return;
    }
    const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
    let done = false;
    const stop = (err: Error | undefined) => {
      if (done) return;
      done = true;
      inflate.destroy();
      finish(err);
    };
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        // More than it declares: stop here, the caller refuses it.
        stop(undefined);
        return;
      }
      crc = crc32(chunk, crc);
    });
    inflate.on('end', () => stop(undefined));
    inflate.on('error', () => stop(undefined)); // a damaged stream: its size or CRC will not match
    input.on('error', (err) => stop(err));
    input.pipe(inflate);
  });
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One (checked) entry's bytes, unzipped: for the small parts (workbook, relationships). */
export async function readEntry(path: string, e: ZipEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const input = createReadStream(path, { start: e.dataStart, end: Math.max(e.dataStart, e.dataStart + e.compressedSize - 1) });
  if (e.compressedSize === 0) {
    input.destroy();
    return Buffer.alloc(0);
  }
  const source = e.method === 8 ? input.pipe(createInflateRaw()) : input;
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The raw records of `parts` (local header, compressed data, descriptor), in
 * the order given and each under the name given, as one stream: a ZIP a
 * streaming unzipper reads as if the file held only these parts, in this
 * order. Nothing is inflated or compressed here; only the local header's
 * name is rewritten.
 */
export async function* entryRecords(path: string, parts: ReadonlyArray<{ entry: ZipEntry; as: string }>): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  const headers: Buffer[] = [];
  try {
    for (const { entry } of parts) {
      const head = Buffer.alloc(30);
      readSync(fd, head, 0, 30, entry.offset);
      const nameLen = head.readUInt16LE(26);
      const extraLen = head.readUInt16LE(28);
      const extra = Buffer.alloc(extraLen);
      readSync(fd, extra, 0, extraLen, entry.offset + 30 + nameLen);
      headers.push(Buffer.concat([head, extra]));
    }
  } finally {
    closeSync(fd);
  }
  const central: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const { entry, as } = parts[i]!;
    const h = headers[i]!;
    const name = Buffer.from(as, 'utf8');
    const head = Buffer.from(h.subarray(0, 30));
    head.writeUInt16LE(name.length, 26);
    const local = Buffer.concat([head, name, h.subarray(30)]);
    // Its central directory record, for the directory that ends the stream.
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    head.copy(cd, 6, 4, 26); // version needed … uncompressed size
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(entry.crc, 16);
    cd.writeUInt32LE(entry.compressedSize, 20);
    cd.writeUInt32LE(entry.size, 24);
    cd.writeUInt32LE(at, 42);
    central.push(cd, name);
    at += local.length + (entry.end - entry.dataStart);
    yield local;
    if (entry.end > entry.dataStart) {
      for await (const chunk of createReadStream(path, { start: entry.dataStart, end: entry.end - 1, highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    }
  }
  // A streaming unzipper reads on after the last part: end with a directory, as a ZIP does.
  const dir = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(dir.length, 12);
  eocd.writeUInt32LE(at, 16);
  yield Buffer.concat([dir, eocd]);
}
