import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanCell, trimCell } from '../../src/rows/cells.js';

describe('cleanCell', () => {
  it.each([
    ['refund', 'refund'],
    ['  refund  ', 'refund'],
    ['\u00A0\u202F12,50\u2009', '12,50'],
    ['\tEUR\r\n', 'EUR'],
    ['\uFEFFcapture', 'capture'],
    ['a b', 'a b'],
    ['1\u00A0234', '1\u00A0234'],
    // payops' own output escape is dropped
    ["'=1", '=1'],
    ["'-5", '-5'],
    ["'+5", '+5'],
    ["'@SUM(A1)", '@SUM(A1)'],
    ["' =1", "' =1"],
    ["'\t5", '5'],
    ["'\r5", '5'],
    // trimming first, so padding does not hide the escape
    [" '-5 ", '-5'],
    ["\u00A0'=A1", '=A1'],
    // only that one escape
    ["''=1", "''=1"],
    ["'abc", "'abc"],
    ["'5", "'5"],
    ["'", "'"],
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (raw, clean) => {
    expect(cleanCell(raw)).toBe(clean);
  });

  it('treats a missing cell as empty', () => {
    expect(cleanCell(undefined)).toBe('');
    expect(cleanCell(null)).toBe('');
  });

  /** How payops escapes an output cell (docs/security.md#formulas). */
  const escape = (v: string): string => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

  it('reads back any clean value that payops escaped on output', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.tuple(fc.constantFrom('=', '+', '-', '@'), fc.string()).map(([a, b]) => a + b),
        ),
        (v) => {
          fc.pre(cleanCell(v) === v);
          expect(cleanCell(escape(v))).toBe(v);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is idempotent on values that do not start with the escape', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        const once = cleanCell(v);
        fc.pre(!/^'[=+\-@\t\r]/.test(once));
        expect(cleanCell(once)).toBe(once);
      }),
    );
  });
});

describe('trimCell', () => {
  it('does not drop the quote', () => {
    expect(trimCell(" '=1 ")).toBe("'=1");
  });
});

describe('trimCell: property', () => {
  it('is the same as trimming every edge space by regular expression, whatever the cell', () => {
    const edge = /^[ \t\r\n\u00A0\u202F\u2009\uFEFF]+|[ \t\r\n\u00A0\u202F\u2009\uFEFF]+$/g;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...' \t\r\n\u00A0\u202F\u2009\uFEFF\u2003ab1\''.split('')), maxLength: 12 }), (s) => {
        expect(trimCell(s)).toBe(s.replace(edge, ''));
      }),
      { numRuns: 3000 },
    );
  });
});
