/**
 * The users file (`--users FILE`): one person a line, `name:scrypt$N$r$p$salt$hash`
 * (salt and hash base64). Passwords are never stored, only their scrypt hash.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64');
  const want = Buffer.from(parts[5]!, 'base64');
  const got = scryptSync(password, salt, want.length, { N: n, r, p, maxmem: 128 * n * r * 2 });
  return got.length === want.length && timingSafeEqual(got, want);
}

export function readUsers(path: string): Map<string, string> {
  const users = new Map<string, string>();
  if (!existsSync(path)) return users;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const at = line.indexOf(':');
    if (at <= 0) throw new UsageError(`${path} line ${i + 1}: expected NAME:HASH (add people with payops user add NAME --users ${path})`);
    users.set(line.slice(0, at), line.slice(at + 1).trim());
  });
  return users;
}

/** Add or replace one person, writing the file through a temporary file (mode 0600). */
export function writeUser(path: string, name: string, password: string): void {
  if (!USER_NAME.test(name)) throw new UsageError(`user name "${name}" may hold letters, digits, . _ @ - (at most 64)`);
  if (password.length < 8) throw new UsageError('the password needs at least 8 characters');
  const users = readUsers(path);
  users.set(name, hashPassword(password));
  const text = [...users].map(([n, h]) => `${n}:${h}`).join('\n') + '\n';
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
