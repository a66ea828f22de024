import { describe, expect, it } from 'vitest';
import { FAILED_EXTRA_COLUMNS, OUTPUT_COLUMNS, renameInputColumns, resultsHeader } from '../../src/output/columns.js';

describe('output columns', () => {
  it('are in the order of the contract', () => {
    expect([...OUTPUT_COLUMNS]).toEqual([
      'line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id',
      'payment_type', 'attempts', 'processed_at', 'error', 'note',
    ]);
    expect([...FAILED_EXTRA_COLUMNS]).toEqual(['last_status', 'last_result_code', 'last_error', 'source_file', 'source_line']);
  });
});

describe('renaming input columns that clash with output columns', () => {
  it('prefixes input_ to a clashing name, however it is spelt', () => {
    expect(renameInputColumns(['operation', 'Status', 'Result Code', 'resultDescription', 'NOTE', 'ticket'])).toEqual([
      'operation', 'input_Status', 'input_Result Code', 'input_resultDescription', 'input_NOTE', 'ticket',
    ]);
  });

  it("renames payops' own merchant_transaction_id and payment_type columns too", () => {
    expect(renameInputColumns(['payment_type', 'payment_id', 'Merchant Transaction ID'])).toEqual([
      'input_payment_type', 'payment_id', 'input_Merchant Transaction ID',
    ]);
  });

  it('keeps every name of the results header unique', () => {
    const header = resultsHeader(['note', 'input_note', 'line', 'Input Line', 'amount']);
    expect(header.slice(0, 5)).toEqual(['input_input_note', 'input_note', 'input_input_line', 'Input Line', 'amount']);
    const normalised = header.map((h) => h.toLowerCase().replace(/[\s_\-.]+/g, ''));
    expect(new Set(normalised).size).toBe(header.length);
  });

  it('leaves a header without clashes as it is, then appends the output columns', () => {
    expect(resultsHeader(['operation', 'payment_id', 'amount'])).toEqual(['operation', 'payment_id', 'amount', ...OUTPUT_COLUMNS]);
  });
});
