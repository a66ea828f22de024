/**
 * Decoding Windows-1252 (Excel's "CSV" on Windows) with our own table.
 *
 * Node's `TextDecoder('windows-1252')` cannot be trusted with bytes 0x80–0x9F:
 * since v20.18.3 a one-shot decode (`stream` false) reads them as Latin-1 C1
 * controls, so `€` (0x80) becomes U+0080 (nodejs/node#60888); only the
 * streaming path goes through ICU and gets them right. Single-byte decoding is
 * a table look-up, so payops does it itself and is right either way.
 *
 * The table is the WHATWG index (https://encoding.spec.whatwg.org/index-windows-1252.txt):
 * bytes 0x00–0x7F and 0xA0–0xFF are the code point of the same value; 0x80–
 * 0x9F are the characters below, and the five bytes the code page leaves
 * undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are the C1 control of the same
 * value, as the WHATWG decoder gives them. `src/output/encoding.ts` encodes
 * exactly the reverse, so the input's bytes come back unchanged.
 */

/** Characters of bytes 0x80–0x9F, in byte order. */
export const WINDOWS_1252_HIGH: readonly number[] = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** The labels whose WHATWG encoding is windows-1252 (TextDecoder reports all of them as `windows-1252`). */
export function isWindows1252(encoding: string): boolean {
  return encoding.trim().toLowerCase() === 'windows-1252';
}

/** `bytes` as Windows-1252 text. */
export function decodeWindows1252(bytes: Uint8Array): string {
  // Latin-1 is right for every byte outside 0x80–0x9F; look those up only when present.
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let high = false;
  for (let i = 0; i < bytes.length && !high; i++) high = bytes[i]! >= 0x80 && bytes[i]! <= 0x9f;
  if (!high) return view.toString('latin1');
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    units[i] = b >= 0x80 && b <= 0x9f ? WINDOWS_1252_HIGH[b - 0x80]! : b;
  }
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
  return out;
}

/**
 * A `TextDecoder`-shaped decoder for Windows-1252 (what {@link decodeBytes}
 * and the head sniffing need: `decode(chunk, { stream })`, `encoding`).
 * Single-byte, so it never holds bytes back between chunks and never fails.
 */
export class Windows1252Decoder {
  readonly encoding = 'windows-1252';
  readonly fatal = false;
  readonly ignoreBOM = true;

  decode(input?: Uint8Array, _options?: { stream?: boolean }): string {
    return input === undefined ? '' : decodeWindows1252(input);
  }
}
