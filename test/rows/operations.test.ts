import { describe, expect, it } from 'vitest';
import { ALLOWED_OPERATIONS_TEXT, OPERATION_RULES, OP_TYPES, parseOperation } from '../../src/rows/operations.js';

describe('parseOperation', () => {
  it.each([
    ['capture', 'CP'],
    ['CP', 'CP'],
    ['Capture', 'CP'],
    ['cp', 'CP'],
    ['refund', 'RF'],
    ['RF', 'RF'],
    ['REFUND', 'RF'],
    ['reversal', 'RV'],
    ['reverse', 'RV'],
    ['Reverse', 'RV'],
    ['RV', 'RV'],
    ['rebill', 'RB'],
    ['RB', 'RB'],
    ['receipt', 'RC'],
    ['Rc', 'RC'],
    ['credit', 'CD'],
    ['CD', 'CD'],
    [' refund ', 'RF'],
  ])('%j is %s', (cell, type) => {
    expect(parseOperation(cell)).toBe(type);
  });

  it.each(['', 'PA', 'DB', 'debit', 'captured', 'refunds', 'C P', 'constructor', 'toString', '__proto__', 'rv1'])(
    '%j is not an operation',
    (cell) => {
      expect(parseOperation(cell)).toBeUndefined();
    },
  );
});

describe('OPERATION_RULES', () => {
  it('every operation but a reversal needs amount and currency; a reversal takes both or neither', () => {
    expect(OP_TYPES.filter((t) => OPERATION_RULES[t].amount === 'required')).toEqual(['CP', 'RF', 'RB', 'RC', 'CD']);
    expect(OPERATION_RULES.RV.amount).toBe('all-or-nothing');
  });

  it('every operation but a credit refers to a payment', () => {
    expect(OP_TYPES.filter((t) => OPERATION_RULES[t].refersTo === 'payment')).toEqual(['CP', 'RF', 'RV', 'RB', 'RC']);
    expect(OPERATION_RULES.CD.refersTo).toBe('none');
  });

  it('says what each must refer to (SPEC §1)', () => {
    expect(OPERATION_RULES.CP.references).toEqual(['PA']);
    expect(OPERATION_RULES.RF.references).toEqual(['DB', 'CP']);
    expect(OPERATION_RULES.RF.gatewayAlsoAllows).toEqual(['RB', 'RC']);
    expect(OPERATION_RULES.RV.references).toEqual(['PA', 'DB']);
    expect(OPERATION_RULES.RV.gatewayAlsoAllows).toEqual(['CP', 'RB']);
    expect(OPERATION_RULES.RB.references).toEqual(['DB']);
    expect(OPERATION_RULES.RC.references).toEqual(['PA']);
    expect(OPERATION_RULES.RC.gatewayAlsoAllows).toEqual(['CP', 'DB', 'RB']);
    expect(OPERATION_RULES.CD.references).toEqual([]);
  });

  it('every alias in the table parses back to its operation', () => {
    for (const t of OP_TYPES) for (const a of OPERATION_RULES[t].aliases) expect(parseOperation(a)).toBe(t);
  });

  it('the text for messages lists every spelling', () => {
    expect(ALLOWED_OPERATIONS_TEXT).toBe(
      'capture (CP), refund (RF), reversal or reverse (RV), rebill (RB), receipt (RC), credit (CD)',
    );
  });
});
