/**
 * Is a loopback `--gateway` really payops' simulator? (issue 13) Any server
 * on loopback is treated as a rehearsal (its own state partition, no
 * `--live`), but only the simulator is labelled `gateway sim`: an unrelated
 * local server (a proxy, a web app on the wrong port) is labelled as such.
 * The probe asks for `GET /__sim/probe`, which the simulator answers with its
 * own 404 naming `/__sim/transactions`; nothing is sent to the gateway API.
 */
import { request } from 'node:http';

/**
 * Whether the server at `baseUrl` is payops' simulator; false on any error or after `timeoutMs`.
 * One request on a connection of its own (`agent: false`, closed after the answer), through
 * node:http: undici's index would cost 40-60 ms of start-up for one GET on loopback.
 */
export function isPayopsSimulator(baseUrl: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('/__sim/probe', new URL(baseUrl).origin);
    } catch {
      resolve(false);
      return;
    }
    if (url.protocol !== 'http:') {
      resolve(false); // the simulator speaks plain HTTP on loopback
      return;
    }
    const req = request(url, { method: 'GET', agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy(); // not the simulator's short 404
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').includes('the simulator serves GET /__sim/transactions')));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.on('close', () => resolve(false)); // a no-op once resolved
    req.end();
  });
}

/** The environment line's label of a loopback gateway, by what the probe found. */
export function loopbackLabel(baseUrl: string, simulator: boolean): string {
  return simulator ? `sim ${baseUrl}` : `loopback ${baseUrl} (not payops' simulator; treated as a rehearsal: its own state, no --live)`;
}
