import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { classifyGatewayUrl } from '../../src/gateway/environment.js';
import { defaultStateDir, loadCardKey, partitionSlug, resolveStatePaths } from '../../src/plan/state-dir.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-state-'));
  dirs.push(d);
  return d;
}

describe('defaultStateDir', () => {
  it('$XDG_STATE_HOME/payops when set to an absolute path', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/var/lib/ops/state' })).toBe('/var/lib/ops/state/payops');
  });

  it('~/.local/state/payops when XDG_STATE_HOME is unset, empty or relative (the XDG spec ignores relative paths)', () => {
    const fallback = join(homedir(), '.local', 'state', 'payops');
    expect(defaultStateDir({})).toBe(fallback);
    expect(defaultStateDir({ XDG_STATE_HOME: '' })).toBe(fallback);
    expect(defaultStateDir({ XDG_STATE_HOME: 'state' })).toBe(fallback);
  });
});

describe('partitionSlug', () => {
  it.each([
    ['https://eu-prod.oppwa.com:443', 'https_eu-prod.oppwa.com_443'],
    ['https://eu-test.oppwa.com:443', 'https_eu-test.oppwa.com_443'],
    ['http://127.0.0.1:41234', 'http_127.0.0.1_41234'],
  ])('%s → %s', (partition, slug) => {
    expect(partitionSlug(partition)).toBe(slug);
  });

  it('is a single safe path segment for any gateway URL, and partitions stay apart', () => {
    const urls = ['https://eu-prod.oppwa.com', 'https://eu-test.oppwa.com', 'http://eu-prod.oppwa.com', 'https://eu-prod.oppwa.com:8443', 'http://[::1]:9001', 'http://127.0.0.1:9000'];
    const slugs = urls.map((u) => partitionSlug(classifyGatewayUrl(u).partition));
    for (const s of slugs) expect(s).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(new Set(slugs).size).toBe(urls.length);
    // The production aliases share one; so do the spellings of this machine (issue 10 point 8).
    expect(partitionSlug(classifyGatewayUrl('https://oppwa.com').partition)).toBe(slugs[0]);
    expect(partitionSlug(classifyGatewayUrl('http://[::1]:9000').partition)).toBe(slugs[5]);
  });
});

describe('resolveStatePaths', () => {
  it('--state-dir: one owner-only sub-directory per partition, holding the database and the lock; the card key at the root', () => {
    const root = join(tempDir(), 'state');
    const p = resolveStatePaths({ stateDir: root, partition: 'https://eu-prod.oppwa.com:443', temporary: false });
    expect(p).toEqual({
      root,
      partitionDir: join(root, 'https_eu-prod.oppwa.com_443'),
      journal: join(root, 'https_eu-prod.oppwa.com_443', 'journal.jsonl'),
      db: join(root, 'https_eu-prod.oppwa.com_443', 'state.db'),
      lock: join(root, 'https_eu-prod.oppwa.com_443', 'lock'),
      cardKey: join(root, 'card-key'),
    });
    expect(statSync(p.partitionDir).isDirectory()).toBe(true);
    expect(statSync(p.partitionDir).mode & 0o777).toBe(0o700);
    // The test host is another directory: a rehearsal never marks a live row done.
    const t = resolveStatePaths({ stateDir: root, partition: 'https://eu-test.oppwa.com:443', temporary: false });
    expect(t.journal).not.toBe(p.journal);
    expect(t.cardKey).toBe(p.cardKey);
  });

  it('the simulator gets a fresh temporary state each time', () => {
    const a = resolveStatePaths({ partition: 'http://127.0.0.1:41234', temporary: true });
    const b = resolveStatePaths({ partition: 'http://127.0.0.1:41234', temporary: true });
    dirs.push(a.root, b.root);
    expect(a.root).not.toBe(b.root);
    expect(a.root.startsWith(tmpdir())).toBe(true);
    expect(existsSync(a.partitionDir)).toBe(true);
  });

  it('a state directory that cannot be created is a UsageError suggesting --state-dir', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    expect(() => resolveStatePaths({ stateDir: join(file, 'state'), partition: 'https://eu-prod.oppwa.com:443', temporary: false })).toThrow(UsageError);
    expect(() => resolveStatePaths({ stateDir: join(file, 'state'), partition: 'https://eu-prod.oppwa.com:443', temporary: false })).toThrow(/choose another with --state-dir/);
  });
});

describe('loadCardKey', () => {
  it('creates a 32-byte key, readable by the owner only, and returns the same key every time', () => {
    const path = join(tempDir(), 'card-key');
    const key = loadCardKey(path);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(loadCardKey(path).equals(key)).toBe(true);
    expect(loadCardKey(path).equals(key)).toBe(true);
  });

  it('two state directories get different keys', () => {
    expect(loadCardKey(join(tempDir(), 'card-key')).equals(loadCardKey(join(tempDir(), 'card-key')))).toBe(false);
  });

  it('a key restored from a backup with a trailing newline is read', () => {
    const path = join(tempDir(), 'card-key');
    writeFileSync(path, 'ab'.repeat(32) + '\n');
    expect(loadCardKey(path).toString('hex')).toBe('ab'.repeat(32));
  });

  it.each([['empty', ''], ['short', 'ab'.repeat(31)], ['not hex', 'zz'.repeat(32)]])('a damaged key (%s) is a UsageError, never silently replaced', (_n, content) => {
    const path = join(tempDir(), 'card-key');
    writeFileSync(path, content);
    expect(() => loadCardKey(path)).toThrow(UsageError);
    expect(() => loadCardKey(path)).toThrow(/is damaged; restore it from a backup/);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });
});
