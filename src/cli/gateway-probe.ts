/**
 * Is a loopback `--gateway` really payops' simulator? (issue 13) Any server
 * on loopback is treated as a rehearsal (its own state partition, no
 * `--live`), but only the simulator is labelled `gateway sim`: an unrelated
 * local server (a proxy, a web app on the wrong port) is labelled as such.
 * The probe asks for `GET /__sim/probe`, which the simulator answers with its
 * own 404 naming `/__sim/transactions`; nothing is sent to the gateway API.
 */
import { Client } from 'undici';

/** Whether the server at `baseUrl` is payops' simulator; false on any error or after `timeoutMs`. */
export async function isPayopsSimulator(baseUrl: string, timeoutMs = 2000): Promise<boolean> {
  let client: Client | undefined;
  try {
    // A client of its own, closed at once: a kept-alive connection would hold the process open seconds after the run.
    client = new Client(new URL(baseUrl).origin, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs } });
    const res = await client.request({ method: 'GET', path: '/__sim/probe', headers: { connection: 'close' } });
    const text = await res.body.text();
    return text.includes('the simulator serves GET /__sim/transactions');
  } catch {
    return false;
  } finally {
    await client?.destroy().catch(() => undefined);
  }
}

/** The environment line's label of a loopback gateway, by what the probe found. */
export function loopbackLabel(baseUrl: string, simulator: boolean): string {
  return simulator ? `sim ${baseUrl}` : `loopback ${baseUrl} (not payops' simulator; treated as a rehearsal: its own state, no --live)`;
}
