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
import { encodingOfLabel } from '../input/encoding.js';
import { WINDOWS_1252_HIGH } from '../input/windows-1252.js';

export type OutputEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding payops writes for an input read as `label` (a WHATWG or Node name). */
export function outputEncoding(label: string): OutputEncoding {
  switch (encodingOfLabel(label)) {
    case 'utf-16le':
    case 'utf-16':
      return 'utf-16le';
    case 'utf-16be':
      return 'utf-16be';
    case 'windows-1252':
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
  return inputHadBom || encodingOfLabel(label) !== 'utf-8';
}

/**
 * Windows-1252 bytes 0x80–0x9F by the character they stand for: the decoder's table
 * (input/windows-1252.ts) turned round; the five undefined bytes are C1 controls, written below as themselves.
 */
const CP1252_HIGH: ReadonlyMap<number, number> = new Map(
  WINDOWS_1252_HIGH.flatMap((char, i) => (char > 0xff ? [[char, 0x80 + i] as const] : [])),
);

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
