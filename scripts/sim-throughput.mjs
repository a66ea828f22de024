#!/usr/bin/env node
/**
 * Measures the simulator's throughput with autocannon over keep-alive
 * connections: POST captures of 0.01 against one large PA, then GET queries by
 * merchantTransactionId and by id. The simulator runs in its own process so
 * the load generator does not share its event loop.
 *
 *   npm run build && node scripts/sim-throughput.mjs [--connections 50] [--duration 10]
 *
 * SIM_SERVER=path/to/server.js points at another build of src/sim/server.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);

const serverPath = process.env.SIM_SERVER ?? fileURLToPath(new URL('../dist/sim/server.js', import.meta.url));
if (!existsSync(serverPath)) {
  console.error(`${serverPath} not found: run "npm run build" first (or set SIM_SERVER to a built server.js)`);
  process.exit(2);
}

const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const PA = 'a'.repeat(32);
const child = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(pathToFileURL(serverPath).href)});
     const s = await m.startSimulator({ seed: [{ id: '${PA}', paymentType: 'PA', amount: '999999999999.00', currency: 'EUR' }] });
     console.log(s.url);
     process.on('SIGTERM', () => s.close().then(() => process.exit(0)));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise((resolve, reject) => {
  child.stdout.setEncoding('utf8');
  child.stdout.once('data', (d) => resolve(d.trim().split('\n')[0]));
  child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
});

const headers = { authorization: 'Bearer sim-token', 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
const mtid = 'throughput-0000001';
const first = await fetch(`${url}/v1/payments/${PA}`, {
  method: 'POST',
  headers,
  body: `entityId=${ENTITY}&paymentType=CP&amount=0.01&currency=EUR&merchantTransactionId=${mtid}`,
});
const { id: captureId } = await first.json();

const scenarios = [
  {
    name: 'POST capture 0.01',
    method: 'POST',
    path: `/v1/payments/${PA}`,
    body: `entityId=${ENTITY}&paymentType=CP&amount=0.01&currency=EUR&merchantTransactionId=${mtid}`,
  },
  { name: 'GET query by merchantTransactionId', method: 'GET', path: `/v1/query?entityId=${ENTITY}&merchantTransactionId=throughput-0000002` },
  { name: 'GET query by id', method: 'GET', path: `/v1/query/${captureId}?entityId=${ENTITY}` },
];
// the merchantTransactionId query answers one payment, like a real lookup
await fetch(`${url}/v1/payments/${PA}`, { method: 'POST', headers, body: `entityId=${ENTITY}&paymentType=CP&amount=0.01&currency=EUR&merchantTransactionId=throughput-0000002` });

console.log(`simulator ${url}; autocannon, ${connections} keep-alive connections, ${duration} s per scenario, node ${process.version}`);
const rows = [];
for (const s of scenarios) {
  const result = await autocannon({
    url: `${url}${s.path}`,
    method: s.method,
    headers: s.method === 'POST' ? headers : { authorization: headers.authorization },
    body: s.body,
    connections,
    duration,
    pipelining: 1,
  });
  rows.push({
    scenario: s.name,
    'req/s (mean)': Math.round(result.requests.average),
    'latency p50 ms': result.latency.p50,
    'latency p99 ms': result.latency.p99,
    requests: result.requests.total,
    'non-2xx': result.non2xx,
    errors: result.errors + result.timeouts,
  });
}
console.table(rows);
child.kill('SIGTERM');
