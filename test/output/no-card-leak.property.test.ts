/**
 * Property: whatever cell of a row, or which free-text field of its outcome,
 * a Luhn-valid 16-digit card number lands in — plain or grouped in fours with
 * spaces or dashes, glued to other text or not — no output payops writes
 * (results file, failed-rows file, JSON log, summary JSON) contains it, in any
 * output encoding.
 *
 * The one deliberate exception is not generated here: payops' identifying
 * fields of a row that passed validation (ids, amount, and the merchant
 * transaction id the gateway already holds) are written exactly; a bare card
 * number is not a valid id or amount, so such a row is generated as invalid
 * (see input-cells.ts and results-writer.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutputDialect } from '../../src/output/csv-writer.js';
import { createFailedWriter } from '../../src/output/failed-writer.js';
import { createJsonLog } from '../../src/output/json-log.js';
import { createResultsWriter } from '../../src/output/results-writer.js';
import { createSummary } from '../../src/output/summary.js';
import type { RowOutcome } from '../../src/rows/types.js';
import type { FinalStatus } from '../../src/statuses.js';
import { card16, layoutFor, tempDir } from './helpers.js';

const HEADER = [
  'operation', 'payment_id', 'amount', 'currency', 'merchant_transaction_id', 'entity_id',
  'card_number', 'card_holder', 'payment_brand', 'Ticket', 'note', 'last_error', 'source_file',
];
const IDENTIFYING = new Set(['operation', 'payment_id', 'amount', 'currency', 'merchant_transaction_id', 'entity_id']);
const PLACES = [...HEADER.map((_, i) => i), 'error', 'note', 'description', 'mtid'] as const;
const STATUSES: FinalStatus[] = ['succeeded', 'review', 'pending', 'unknown', 'rejected', 'invalid', 'failed'];
const DIALECTS: OutputDialect[] = [
  { delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-8' },
  { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' },
  { delimiter: '\t', lineEnding: '\r\n', bom: true, encoding: 'utf-16le' },
  { delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'windows-1252' },
];

const text = fc.string({ unit: fc.constantFrom(...'ab Z-_.:;,"\'=+@\n0123456789äé€'.split('')), maxLength: 8 });

function decode(bytes: Buffer, encoding: string): string {
  if (encoding === 'utf-16le') return bytes.toString('utf16le');
  if (encoding === 'windows-1252') return bytes.toString('latin1');
  return bytes.toString('utf8');
}

describe('no output ever holds a full card number', () => {
  it('property: a card number placed in any cell or message never comes out whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        card16(),
        fc.constantFrom('', ' ', '-'),
        fc.constantFrom(...PLACES),
        text,
        text,
        fc.constantFrom(...STATUSES),
        fc.boolean(),
        fc.constantFrom(...DIALECTS),
        async (card, sep, place, before, after, status, validRequested, dialect) => {
          const typed = sep === '' ? card : card.match(/.{4}/g)!.join(sep);
          const planted = before + typed + after;
          const cells = ['refund', '8a82944a4cc25ebf014cc2c782423202', '12.50', 'EUR', 'ORDER-0001', '', '', '', '', 'T-1', 'hi', '', ''];
          let valid = validRequested;
          const o: RowOutcome = {
            line: 2,
            cells,
            status,
            resultCode: '700.400.200',
            resultDescription: 'declined',
            merchantTransactionId: 'ORDER-0001',
            paymentType: 'RF',
            attempts: 1,
            processedAt: '2026-11-24T05:00:00.000Z',
            error: 'bad',
            note: 'n',
          };
          if (typeof place === 'number') {
            cells[place] = planted;
            if (IDENTIFYING.has(HEADER[place]!)) valid = false; // validation refuses a card number there
          } else if (place === 'error') o.error = planted;
          else if (place === 'note') o.note = planted;
          else if (place === 'description') o.resultDescription = planted;
          else {
            o.merchantTransactionId = planted; // only an invalid row can have such an id unchecked
            valid = false;
          }
          if (valid) o.op = { type: 'RF', paymentId: '8a82944a4cc25ebf014cc2c782423202', amount: '12.50', currency: 'EUR' };

          const dir = tempDir();
          const layout = layoutFor(HEADER);
          const results = createResultsWriter(join(dir, 'r.csv'), layout, dialect);
          const failed = createFailedWriter(join(dir, 'f.csv'), layout, dialect, { sourceFile: 'in.csv' });
          const logged: string[] = [];
          const log = createJsonLog({ write: (s) => logged.push(s) }, { clock: null });
          const summary = createSummary();
          log.start({ environment: 'sim', input: 'in.csv', dialect });
          await results.write(o);
          await failed.write(o);
          log.row(o);
          summary.add(o);
          log.summary(summary.toJSON({ exitCode: 1 }) as unknown as Record<string, unknown>);
          await results.commit();
          await failed.commit();

          const outputs = readdirSync(dir).map((f) => decode(readFileSync(join(dir, f)), dialect.encoding));
          outputs.push(logged.join(''), JSON.stringify(summary.toJSON()), summary.toText({ color: false }));
          for (const out of outputs) {
            expect(out).not.toContain(card);
            expect(out).not.toContain(typed);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
