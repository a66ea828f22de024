#!/usr/bin/env node
/**
 * Peer p3: the Node script a user writes instead of payops. p-limit at
 * concurrency C around undici's fetch, one call per row. It sends exactly
 * payops' request (src/gateway/requests.ts, src/gateway/client.ts): POST
 * {URL}/v1/payments/{payment_id} with Authorization: Bearer, Accept:
 * application/json, Content-Type: application/x-www-form-urlencoded;
 * charset=UTF-8 and the body entityId=…&paymentType=…&amount=…&currency=…
 * &merchantTransactionId=… (amount/currency left out when empty, as payops does).
 *
 * It does not validate, journal or write a results file: it counts the answers
 * that carry 000.100.110 and prints {"sent":N,"ok":M} on stdout.
 *
 *   OPPWA_ACCESS_TOKEN=… OPPWA_ENTITY_ID=… node scripts/peers/p3-node-plimit.mjs URL FILE CONCURRENCY
 *
 * FILE: CSV with columns operation, payment_id, amount, currency, merchant_transaction_id.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import pLimit from 'p-limit';
import { fetch } from 'undici';

const [url, file, concurrency] = process.argv.slice(2);
const TYPES = { capture: 'CP', refund: 'RF', reversal: 'RV', rebill: 'RB', receipt: 'RC' };
const headers = {
  authorization: `Bearer ${process.env.OPPWA_ACCESS_TOKEN}`,
  accept: 'application/json',
  'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
};
const entity = process.env.OPPWA_ENTITY_ID;
const rows = parse(readFileSync(file), { columns: true, bom: true });
const limit = pLimit(Number(concurrency));

const send = async (row) => {
  let body = `entityId=${encodeURIComponent(entity)}&paymentType=${TYPES[row.operation]}`;
  if (row.amount) body += `&amount=${encodeURIComponent(row.amount)}`;
  if (row.currency) body += `&currency=${encodeURIComponent(row.currency)}`;
  body += `&merchantTransactionId=${encodeURIComponent(row.merchant_transaction_id)}`;
  try {
    const res = await fetch(`${url}/v1/payments/${row.payment_id}`, { method: 'POST', headers, body });
    return (await res.text()).includes('"000.100.110"');
  } catch {
    return false;
  }
};

const answers = await Promise.all(rows.map((row) => limit(() => send(row))));
process.stdout.write(JSON.stringify({ sent: rows.length, ok: answers.filter(Boolean).length }) + '\n');
