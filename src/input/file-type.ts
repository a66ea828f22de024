/**
 * Refuse inputs that are not CSV text — a workbook, a PDF, a web page, binary —
 * with one message saying what the file is and what to export instead (docs/input.md#not-csv).
 */
import { UsageError } from '../errors.js';

export const EXPORT_HINT =
  'Export the data as CSV: in Excel, File > Save As > CSV UTF-8 (Comma delimited) (*.csv); ' +
  'in Google Sheets, File > Download > Comma-separated values (.csv); ' +
  'in LibreOffice, File > Save As > Text CSV (.csv). Then run payops on the .csv file.';

/** What to save an old or foreign spreadsheet as, for payops to read it. */
export const SAVE_AS_HINT =
  'Save it as an Excel workbook: in Excel, File > Save As > Excel Workbook (*.xlsx); ' +
  'in LibreOffice, File > Save As > Excel 2007-365 (.xlsx); in Numbers, File > Export To > Excel. ' +
  'Then run payops on the .xlsx file (or save it as CSV UTF-8 and run payops on the .csv).';

function startsWith(head: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[at + i] !== sig[i]) return false;
  return true;
}

function ascii(head: Uint8Array, max = head.length): string {
  return Buffer.from(head.buffer, head.byteOffset, Math.min(max, head.length)).toString('latin1');
}

function refuse(name: string, what: string, hint = EXPORT_HINT): never {
  const readable = hint === SAVE_AS_HINT ? 'a CSV file or an Excel workbook (.xlsx)' : 'a CSV file';
  throw new UsageError(`${name} is ${what}, not ${readable}. ${hint}`);
}

/** What a ZIP container holds, from the names near its start. */
function describeZip(head: Uint8Array): string {
  const s = ascii(head);
  if (s.includes('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')) return 'an OpenDocument spreadsheet (.ods)';
  if (/Index\/Document\.iwa|Index\/[A-Za-z]+\.iwa|Metadata\/DocumentIdentifier/.test(s)) return 'an Apple Numbers spreadsheet (.numbers)';
  if (s.includes('mimetypeapplication/vnd.oasis.opendocument')) return 'an OpenDocument file';
  if (/xl\/|\.xlsx|workbook\.xml/.test(s)) return 'an Excel workbook (.xlsx)';
  if (s.includes('word/')) return 'a Word document (.docx)';
  if (s.includes('[Content_Types].xml')) return 'an Office document (probably an Excel workbook, .xlsx)';
  return 'a ZIP archive';
}

/**
 * Whether the input is an Excel workbook payops reads itself (.xlsx, .xlsm):
 * a ZIP whose first names are a workbook's, or a ZIP named .xlsx / .xlsm.
 */
export function looksLikeWorkbook(head: Uint8Array, name: string): boolean {
  if (!startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return false;
  const what = describeZip(head);
  if (what === 'an Excel workbook (.xlsx)') return true;
  return /\.xls[xm]$/i.test(name) && (what === 'a ZIP archive' || what.startsWith('an Office document'));
}

/**
 * Throws a UsageError when the first bytes say the input is not text.
 * `utf16`: the input is (declared or detected) UTF-16, so NUL bytes are expected.
 */
export function refuseBinary(head: Uint8Array, name: string, opts: { utf16: boolean }): void {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    const what = describeZip(head);
    const hint =
      what === 'a ZIP archive'
        ? `Unpack it and run payops on the .csv inside. ${EXPORT_HINT}`
        : what.includes('.ods') || what.includes('.numbers')
          ? SAVE_AS_HINT
          : EXPORT_HINT;
    refuse(name, what, hint);
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    refuse(name, 'an old-format Excel workbook (.xls) or another Office document', SAVE_AS_HINT);
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) refuse(name, 'a PDF document');
  if (startsWith(head, [0x1f, 0x8b])) refuse(name, 'a gzip-compressed file', 'Decompress it first (gunzip), then run payops on the .csv.');
  if (startsWith(head, [0x42, 0x5a, 0x68])) refuse(name, 'a bzip2-compressed file', 'Decompress it first, then run payops on the .csv.');
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) refuse(name, 'a 7-Zip archive', `Unpack it and run payops on the .csv inside.`);
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21])) refuse(name, 'a RAR archive', `Unpack it and run payops on the .csv inside.`);
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47]) || startsWith(head, [0xff, 0xd8, 0xff]) || startsWith(head, [0x47, 0x49, 0x46, 0x38]))
    refuse(name, 'an image');
  if (opts.utf16) return;
  if (head.indexOf(0) !== -1) refuse(name, 'a binary file (it contains NUL bytes)');
  // Other control characters: text has tab, LF, CR, form feed and perhaps a DOS end-of-file (0x1A).
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) controls++;
  }
  if (controls > 8 && controls * 100 > head.length) refuse(name, 'a binary file (it contains control characters)');
}

/** Throws a UsageError when the decoded start of the input is a known non-CSV text format. */
export function refuseNonCsvText(text: string, name: string): void {
  const start = text.replace(/^[\uFEFF\s]+/, '').slice(0, 4096).toLowerCase();
  if (start.includes('\u0000')) refuse(name, 'a binary file (it contains NUL characters)');
  if (start.startsWith('{\\rtf')) refuse(name, 'an RTF document');
  if (start.startsWith('<?xml')) {
    if (start.includes('urn:schemas-microsoft-com:office:spreadsheet') || start.includes('<?mso-application progid="excel.sheet"?>'))
      refuse(name, 'an Excel 2003 XML spreadsheet');
    refuse(name, 'an XML file');
  }
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<table'))
    refuse(name, 'a web page (HTML; some tools save these with an .xls name)');
}

/**
 * UTF-16 without a byte order mark: mostly-ASCII text has a NUL in every other
 * byte. Answers the byte order, or undefined.
 */
export function looksLikeUtf16(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = head.length - (head.length % 2);
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero >= pairs * 0.3 && evenZero <= pairs * 0.01) return 'utf-16le';
  if (evenZero >= pairs * 0.3 && oddZero <= pairs * 0.01) return 'utf-16be';
  return undefined;
}
