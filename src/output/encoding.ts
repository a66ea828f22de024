/**
 * Turning output text into the input's bytes (docs/outputs.md#files: outputs use the
 * input's encoding and BOM, so a spreadsheet opens them as it opened the
 * input).
 *
 * - UTF-8, with a BOM when the input had one.
 * - UTF-16LE / UTF-16BE, always with a BOM (Excel's "Unicode Text").
 * - Windows-1252 (Excel's "CSV" on Windows): Latin-1 plus a small table for
 *   0x80–0x9F; a character the code page lacks is written as `?`. U+0080–
 *   U+009F (C1 controls) are written as the byte of the same value: that is
 *   what the WHATWG decoder gives for the five bytes the code page leaves
 *   undefined, and what Node's TextDecoder('windows-1252') gives for all of
 *   0x80–0x9F since v20.18.3 (it decodes as Latin-1, nodejs/node#60888) — so
 *   the input's bytes come back unchanged either way.
 * - Any other encoding the input was forced to with `--encoding` (Node has no
 *   encoder for those): UTF-8 with a BOM, which every spreadsheet reads.
 */

export type OutputEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding payops writes for an input read as `label` (a WHATWG or Node name). */
export function outputEncoding(label: string): OutputEncoding {
  switch (label.trim().toLowerCase()) {
    case 'utf-16le':
    case 'utf16le':
    case 'utf-16':
    case 'ucs-2':
    case 'ucs2':
      return 'utf-16le';
    case 'utf-16be':
    case 'utf16be':
      return 'utf-16be';
    case 'windows-1252':
    case 'cp1252':
    case 'win1252':
    case 'iso-8859-1':
    case 'latin1':
    case 'l1':
    case 'ascii':
    case 'us-ascii':
      return 'windows-1252';
    default:
      return 'utf-8';
  }
}

/**
 * Whether the file starts with a byte order mark: as the input did for
 * UTF-8, always for UTF-16, never for Windows-1252; and always for an
 * encoding written as UTF-8 in place of one payops cannot encode.
 */
export function writesBom(label: string, inputHadBom: boolean): boolean {
  const enc = outputEncoding(label);
  if (enc === 'windows-1252') return false;
  if (enc === 'utf-16le' || enc === 'utf-16be') return true;
  const l = label.trim().toLowerCase();
  const isUtf8 = l === 'utf-8' || l === 'utf8' || l === 'unicode-1-1-utf-8';
  return inputHadBom || !isUtf8;
}

/** Windows-1252 bytes 0x80–0x9F by the character they stand for (WHATWG index; the five undefined bytes are C1 controls, below). */
const CP1252_HIGH: ReadonlyMap<number, number> = new Map([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86],
  [0x2021, 0x87], [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c],
  [0x017d, 0x8e], [0x2018, 0x91], [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95],
  [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98], [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b],
  [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
]);

const QUESTION = 0x3f;
// eslint-disable-next-line no-control-regex
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/** `text` in Windows-1252; characters it lacks become `?` (a surrogate pair is one `?`). */
export function encodeWindows1252(text: string): Buffer {
  // U+0000–U+00FF are written as the byte of the same value (see above).
  if (!NOT_LATIN1.test(text)) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0xff) out[n++] = c;
    else {
      const b = CP1252_HIGH.get(c);
      out[n++] = b ?? QUESTION;
      // A high surrogate followed by a low one is one character: one `?`.
      if (b === undefined && c >= 0xd800 && c <= 0xdbff) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
    }
  }
  return out.subarray(0, n);
}

/** `text` as bytes in `enc` (no byte order mark). */
export function encodeText(text: string, enc: OutputEncoding): Buffer {
  switch (enc) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'utf-16be':
      return Buffer.from(text, 'utf16le').swap16();
    case 'windows-1252':
      return encodeWindows1252(text);
  }
}

/** The byte order mark of `enc` (empty for Windows-1252). */
export function bomBytes(enc: OutputEncoding): Buffer {
  switch (enc) {
    case 'utf-8':
      return Buffer.from([0xef, 0xbb, 0xbf]);
    case 'utf-16le':
      return Buffer.from([0xff, 0xfe]);
    case 'utf-16be':
      return Buffer.from([0xfe, 0xff]);
    case 'windows-1252':
      return Buffer.alloc(0);
  }
}
