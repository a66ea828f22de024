/** Seeding: from a CSV file or from objects; every bad seed names the file, the line and what to do. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { startSimulator } from '../../src/sim/server.js';
import { ENTITY, get, op, OTHER_ENTITY, pid, post, sim, SUCCESS } from './helpers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/sim/${name}`, import.meta.url));
const id = (n: number): string => `8ac7a4a1${String(n).padStart(24, '0')}`;

describe('seed file', () => {
  it('loads payments, amounts without decimals, other entities and registrations', async () => {
    const s = await sim({ seed: fixture('seed.csv') });
    expect((await op(s, id(1), 'CP', '50.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, id(1), 'CP', '0.01')).json.result.code).toBe('700.400.100');
    expect((await op(s, id(2), 'RF', '120.00')).json.result.code).toBe(SUCCESS);
    // row 3: upper-case id, lower-case type and currency, its own entity
    const other = await post(s, `/v1/payments/${id(3)}`, { entityId: OTHER_ENTITY, paymentType: 'RF', amount: '10.50', currency: 'USD' });
    expect(other.json.result.code).toBe(SUCCESS);
    expect((await op(s, id(3), 'RF', '1.00', 'USD')).json.result.code).toBe('700.400.700');
    const credit = await post(s, `/v1/registrations/${id(4)}/payments`, { paymentType: 'CD', amount: '5.00', currency: 'EUR' });
    expect(credit.json.result.code).toBe(SUCCESS);
    const credit2 = await post(s, `/v1/registrations/${id(5)}/payments`, { paymentType: 'CD', amount: '5.00', currency: 'EUR' });
    expect(credit2.json.result.code).toBe(SUCCESS);
    expect((await get(s, `/v1/query/${id(1)}`, { entityId: ENTITY })).json).toMatchObject({ id: id(1), paymentType: 'PA', amount: '50.00' });
  });

  it('reads semicolons, a BOM, CRLF, blank lines and spaced headers', async () => {
    const s = await sim({ seed: fixture('seed-semicolon.csv') });
    expect((await op(s, id(11), 'CP', '75.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, id(12), 'RF', '20.00', 'GBP')).json.result.code).toBe(SUCCESS);
  });

  it('names the missing column and the headers found', async () => {
    const file = fixture('seed-missing-column.csv');
    const err = await startSimulator({ seed: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `seed file ${file} line 1: missing column currency (found: payment_id, payment_type, amount); a seed file has the columns payment_id, payment_type (PA, DB or RG), amount, currency and optionally entity_id, created_at (ISO 8601), chargebacked (yes/no) and test_mode (INTERNAL, EXTERNAL or LIVE)`,
    );
  });

  it('names the file, the line and the bad value of a bad row', async () => {
    const file = fixture('seed-bad-amount.csv');
    const err = await startSimulator({ seed: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`seed file ${file} line 4: amount "12;50" is not a positive amount like 50.00`);
    expect((err as Error).message).toContain('fix it or remove the row');
    const type = await startSimulator({ seed: fixture('seed-bad-type.csv') }).catch((e: unknown) => e);
    expect((type as Error).message).toMatch(/line 2: payment_type "CP" is not PA, DB or RG/);
  });

  it('loads the sample seed of the README', async () => {
    const s = await sim({ seed: fileURLToPath(new URL('../../samples/payments.csv', import.meta.url)) });
    expect((await op(s, '8ac7a4a18d6b4ea5a1b2c3d4e5f60001', 'CP', '40.00')).json.result.code).toBe(SUCCESS);
    const credit = await post(s, '/v1/registrations/8ac7a4a18d6b4ea5a1b2c3d4e5f60007/payments', { paymentType: 'CD', amount: '5.00', currency: 'EUR' });
    expect(credit.json.result.code).toBe(SUCCESS);
  });

  it('says so when the file cannot be read', async () => {
    const err = await startSimulator({ seed: fixture('no-such-seed.csv') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^cannot read seed file .*no-such-seed\.csv: no such file; pass --seed with a CSV file/);
  });
});

describe('seed objects', () => {
  it('rejects a duplicate id, a bad id and a zero amount with the entry number', async () => {
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '1.00', currency: 'EUR' }, { id: pid(1), paymentType: 'DB', amount: '1.00', currency: 'EUR' }] })).rejects.toThrow(
      /seed entry 2: payment_id .* is already seeded by seed entry 1/,
    );
    await expect(startSimulator({ seed: [{ id: 'abc', paymentType: 'PA', amount: '1.00', currency: 'EUR' }] })).rejects.toThrow(/seed entry 1: payment_id "abc" is not 32 hexadecimal characters/);
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '0.00', currency: 'EUR' }] })).rejects.toThrow(UsageError);
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '1.00', currency: 'EURO' }] })).rejects.toThrow(/currency "EURO"/);
  });

  it('accepts the entities of the seed besides the default one', async () => {
    const s = await sim({ seed: [{ id: pid(1), paymentType: 'DB', amount: '5.00', currency: 'EUR', entityId: OTHER_ENTITY.toUpperCase() }] });
    const res = await post(s, `/v1/payments/${pid(1)}`, { entityId: OTHER_ENTITY, paymentType: 'RF', amount: '5.00', currency: 'EUR' });
    expect(res.json.result.code).toBe(SUCCESS);
  });
});
