import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldOfHeader, isCvvHeader, mapHeaders, normalizeHeader, parseColumnMapping } from '../../src/input/headers.js';
import { load, openBytes, rejection, tempDir } from './helpers.js';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('names', () => {
  test('match ignoring case, spaces, _, - and .', () => {
    for (const name of ['payment_id', 'Payment ID', 'paymentId', 'PAYMENT-ID', 'payment.id', ' Payment  Id ', 'payment\u00a0id'])
      expect(fieldOfHeader(name), name).toBe('payment_id');
    expect(normalizeHeader('Merchant Transaction-ID')).toBe('merchanttransactionid');
  });

  test('aliases', () => {
    expect(fieldOfHeader('op')).toBe('operation');
    expect(fieldOfHeader('Payment Type')).toBe('operation');
    expect(fieldOfHeader('paymentType')).toBe('operation');
    expect(fieldOfHeader('reference_id')).toBe('payment_id');
    expect(fieldOfHeader('Referenced Payment ID')).toBe('payment_id');
    expect(fieldOfHeader('card.expiryMonth')).toBe('card_expiry_month'); // the gateway's parameter name, by the same rule
    expect(fieldOfHeader('Card Expiry Month')).toBe('card_expiry_month');
    expect(fieldOfHeader('last_status')).toBe('last_status');
    expect(fieldOfHeader('Source Line')).toBe('source_line');
    expect(fieldOfHeader('ticket')).toBeUndefined();
    expect(fieldOfHeader('id')).toBeUndefined();
  });

  test('every field and carry column of a failed-rows file', () => {
    const names = [
      'operation', 'payment_id', 'amount', 'currency', 'entity_id', 'merchant_transaction_id', 'registration_id',
      'card_number', 'card_holder', 'card_expiry_month', 'card_expiry_year', 'payment_brand',
      'last_status', 'last_result_code', 'last_error', 'source_file', 'source_line', 'ticket',
    ];
    const map = mapHeaders(names);
    expect(Object.keys(map.fields)).toHaveLength(17);
    expect(map.userColumns).toEqual([{ index: 17, name: 'ticket' }]);
    const values = map.valuesOf(names.map((n) => `v-${n}`));
    expect(values.operation).toBe('v-operation');
    expect(values.source_line).toBe('v-source_line');
    expect(values).not.toHaveProperty('ticket');
  });
});

describe('HeaderMap', () => {
  test('indices, user columns, values', () => {
    const map = mapHeaders(['Ticket', 'OP', 'Payment ID', 'Amount', 'Notiz']);
    expect(map.fields).toEqual({ operation: 1, payment_id: 2, amount: 3 });
    expect(map.userColumns).toEqual([
      { index: 0, name: 'Ticket' },
      { index: 4, name: 'Notiz' },
    ]);
    expect(map.valuesOf(['T-1', ' refund ', 'abc', '12,50', 'n'])).toEqual({ operation: ' refund ', payment_id: 'abc', amount: '12,50' });
    // A cell missing from a short row reads as ''; a field without a column has no key.
    expect(map.valuesOf(['T-1', 'refund'])).toEqual({ operation: 'refund', payment_id: '', amount: '' });
  });

  test('column numbers in messages are the file positions given', () => {
    const msg = usage(() => mapHeaders(['operation', 'payment_id', 'Payment ID'], [1, 3, 6]));
    expect(msg).toBe('columns "payment_id" (column 3) and "Payment ID" (column 6) both mean payment_id; remove or rename one');
  });
});

describe('refused headers', () => {
  test('two headers for one field name both', () => {
    expect(usage(() => mapHeaders(['operation', 'Payment ID', 'amount', 'note', 'reference_id']))).toBe(
      'columns "Payment ID" (column 2) and "reference_id" (column 5) both mean payment_id; remove or rename one',
    );
    expect(usage(() => mapHeaders(['op', 'operation', 'payment_id']))).toMatch(/"op" \(column 1\) and "operation" \(column 2\) both mean operation/);
  });

  test('a missing operation names it, its accepted names and the headers found', () => {
    const msg = usage(() => mapHeaders(['Payment ID', 'Amount', 'Betrag']));
    expect(msg).toContain('"operation" (or op, payment_type, paymentType)');
    expect(msg).toContain('the columns found are "Payment ID", "Amount", "Betrag"');
    expect(msg).not.toMatch(/"payment_id"/);
  });

  test('a missing payment_id, unless registration_id or card_number is there', () => {
    const msg = usage(() => mapHeaders(['operation', 'amount']));
    expect(msg).toContain('"payment_id" (or reference_id, referenced_payment_id)');
    expect(msg).toContain('registration_id or card_number');
    expect(mapHeaders(['operation', 'registration_id', 'amount']).fields.registration_id).toBe(1);
    expect(mapHeaders(['operation', 'card_number', 'amount']).fields.card_number).toBe(1);
  });

  test('both missing: one message naming both', () => {
    const msg = usage(() => mapHeaders(['a', 'b']));
    expect(msg).toMatch(/^missing columns: "operation".*"payment_id"/);
  });

  test('a file without a header row: its first data row is named in the message, card numbers masked', () => {
    const msg = usage(() => mapHeaders(['credit', '5.00', 'EUR', '4111111111111111', 'Jane Doe', '4111 1111 1111 1111']));
    expect(msg).toMatch(/^missing columns: "operation"/);
    expect(msg).toContain('"credit", "5.00", "EUR", "411111******1111", "Jane Doe", "4111 11** **** 1111"');
    expect(msg.replace(/[ -]/g, '')).not.toContain('4111111111111111');
  });

  test('one column with delimiters in its name hints at --delimiter', () => {
    expect(usage(() => mapHeaders(['operation|payment_id']))).toMatch(/pass --delimiter/);
  });

  test('a CVV column, by any usual name, even empty', () => {
    for (const name of ['card_cvv', 'CVV', 'cvc', 'Card CVC', 'cvv2', 'security_code', 'Card Security Code', 'card.cvv', 'CSC']) {
      expect(isCvvHeader(name), name).toBe(true);
      const msg = usage(() => mapHeaders(['operation', 'payment_id', name]));
      expect(msg).toContain(`"${name}" (column 3)`);
      expect(msg).toMatch(/a CVV must not be kept in a file.*credits do not need it.*Delete the column/);
    }
    for (const name of ['cid', 'customer id', 'cvv_checked_by', 'csv']) expect(isCvvHeader(name), name).toBe(false);
  });
});

describe('results mode (payops reconcile reads a results file)', () => {
  const resultsHeader = [
    'operation', 'payment_id', 'amount', 'currency', 'note',
    'line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id', 'payment_type',
    'attempts', 'processed_at', 'error', 'note',
  ];

  test('the first column of a field wins, later ones are user columns', () => {
    const map = mapHeaders(resultsHeader, undefined, { mode: 'results' });
    expect(map.fields.operation).toBe(0);
    expect(map.fields.merchant_transaction_id).toBe(10);
    expect(map.userColumns.map((c) => c.name)).toContain('payment_type');
    expect(map.userColumns.find((c) => c.name === 'payment_type')!.index).toBe(11);
    expect(() => mapHeaders(resultsHeader)).toThrow(/"operation" \(column 1\) and "payment_type" \(column 12\) both mean operation/);
  });

  test('nothing is required, but a CVV column is still refused', () => {
    expect(mapHeaders(['status', 'note'], undefined, { mode: 'results' }).fields).toEqual({});
    expect(() => mapHeaders(['status', 'cvv'], undefined, { mode: 'results' })).toThrow(/CVV/);
  });

  test('through openInput', async () => {
    const { src, cells } = await load(`${resultsHeader.join(';')}\r\nrefund;a;1,00;EUR;n;2;pending;000.200.000;d;b;m;RF;1;t;;\r\n`, 'file', {
      headerMode: 'results',
    });
    expect(src.headers.fields.operation).toBe(0);
    expect(src.headers.valuesOf(cells[0]!).operation).toBe('refund');
  });
});

describe('through openInput', () => {
  test('a bad header is a UsageError before any record', async () => {
    const err = await rejection(openBytes('operation,amount\nrefund,12.00\n'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/missing column: "payment_id"/);
  });

  test('a bad header from stdin too', async () => {
    const err = await rejection(openBytes('operation,payment_id,cvv\nrefund,a,123\n', 'stdin'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/CVV/);
  });

  test('columns with an empty header are dropped; the others keep their file column numbers in messages', async () => {
    const err = await rejection(openBytes('operation;;payment_id;;reference_id\n'));
    expect(err.message).toBe('columns "payment_id" (column 3) and "reference_id" (column 5) both mean payment_id; remove or rename one');
    const { src } = await load('operation;;payment_id;note;\n');
    expect(src.header).toEqual(['operation', 'payment_id', 'note']);
    expect(src.headers.fields).toEqual({ operation: 0, payment_id: 1 });
    expect(src.headers.userColumns).toEqual([{ index: 2, name: 'note' }]);
    expect(src.headers.columnNumbers).toEqual([1, 3, 4]);
  });

  test('header names are kept as written (spaces and all)', async () => {
    const { src } = await load('" Operation ";Payment ID\n');
    expect(src.header).toEqual([' Operation ', 'Payment ID']);
  });
});

describe('issue 13: --column FIELD=HEADER and --columns FILE', () => {
  test('a mapping names the columns of a German export; the rest are the user\'s', () => {
    const columns = parseColumnMapping(['operation=Vorgang', 'payment_id=Zahlungs-ID', 'amount=Betrag', 'Currency=Währung']);
    const map = mapHeaders(['Vorgang', 'Zahlungs-ID', 'Betrag', 'Währung', 'Bemerkung'], undefined, { columns });
    expect(map.fields).toEqual({ operation: 0, payment_id: 1, amount: 2, currency: 3 });
    expect(map.userColumns).toEqual([{ index: 4, name: 'Bemerkung' }]);
  });

  test('a mapped field wins over a header that would mean it: the other column is the user\'s own', () => {
    const map = mapHeaders(['Payment Type', 'Operation', 'payment_id'], undefined, { columns: parseColumnMapping(['operation=Operation']) });
    expect(map.fields.operation).toBe(1);
    expect(map.userColumns).toEqual([{ index: 0, name: 'Payment Type' }]);
  });

  test('bad mappings are usage errors saying what to write', () => {
    expect(() => parseColumnMapping(['amount'])).toThrow('--column "amount" is not FIELD=HEADER; write e.g. --column amount=Betrag');
    expect(() => parseColumnMapping(['betrag=Betrag'])).toThrow(/"betrag" is not a field payops reads/);
    expect(() => mapHeaders(['operation', 'payment_id'], undefined, { columns: { amount: 'Betrag' } })).toThrow(
      '--column amount=Betrag: the file has no column "Betrag"',
    );
    expect(() => mapHeaders(['a', 'payment_id'], undefined, { columns: { operation: 'a', amount: 'a' } })).toThrow(/maps both operation and amount/);
  });

  test('a mapping file: FIELD=HEADER lines with comments, or a JSON object; --column overrides it', () => {
    const dir = tempDir();
    const lines = join(dir, 'map.txt');
    writeFileSync(lines, '\uFEFF# export of the bank\noperation=Vorgang\n\namount = Betrag\n');
    expect(parseColumnMapping([], lines)).toEqual({ operation: 'Vorgang', amount: 'Betrag' });
    const json = join(dir, 'map.json');
    writeFileSync(json, '{"operation": "Vorgang", "payment_id": "Zahlungs-ID"}');
    expect(parseColumnMapping(['operation=Art'], json)).toEqual({ operation: 'Art', payment_id: 'Zahlungs-ID' });
    expect(() => parseColumnMapping([], join(dir, 'none.txt'))).toThrow(/cannot read --columns .*none\.txt: file not found/);
  });
});
