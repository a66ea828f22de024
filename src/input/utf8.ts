/**
 * UTF-8 validity, byte by byte. TextDecoder({fatal}) answers "valid or not" fast;
 * this answers "where", for messages that name the line.
 * Kept by hand: no library reports the offset of the first bad byte.
 */

/**
 * Index of the first byte of `buf` (from `start`) that cannot be part of valid
 * UTF-8, or -1. With `final` false, a sequence cut off by the end of `buf` is not
 * an error (the rest may come in the next chunk).
 */
export function firstInvalidUtf8(buf: Uint8Array, start = 0, final = true): number {
  const n = buf.length;
  let i = start;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) (need = 2), (lo = 0xa0);
    else if (b >= 0xe1 && b <= 0xec) need = 2;
    else if (b === 0xed) (need = 2), (hi = 0x9f);
    else if (b >= 0xee && b <= 0xef) need = 2;
    else if (b === 0xf0) (need = 3), (lo = 0x90);
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) (need = 3), (hi = 0x8f);
    else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const c = buf[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Number of LF bytes in `buf[0, end)`. */
export function countLf(buf: Uint8Array, end = buf.length): number {
  let count = 0;
  let i = -1;
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  while ((i = b.indexOf(0x0a, i + 1)) !== -1 && i < end) count++;
  return count;
}
