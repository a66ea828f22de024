import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostsSimulator, IN_PROCESS_MAX_BYTES } from '../../src/cli/uncapped.js';
import { tempDir } from '../e2e/harness.js';

describe('which commands run again uncapped (a second process with the default heap)', () => {
  const dir = tempDir();
  const small = join(dir, 'small.csv');
  const big = join(dir, 'big.csv');
  writeFileSync(small, 'operation,payment_id\n');
  writeFileSync(big, Buffer.alloc(IN_PROCESS_MAX_BYTES + 1, 'a'));

  it('payops sim always does: a simulator that lives for hours outgrows the cap', () => {
    expect(hostsSimulator(['sim', '--port', '0'])).toBe(true);
  });

  it('a run on a gateway URL never does: no simulator in it', () => {
    expect(hostsSimulator(['run', big, '--gateway', 'http://127.0.0.1:9'])).toBe(false);
  });

  it('run --gateway sim of small files stays in this process', () => {
    expect(hostsSimulator(['run', small, '--gateway', 'sim'])).toBe(false);
    expect(hostsSimulator(['run', small, '--gateway=sim', `--sim-seed=${small}`, '--out', join(dir, 'not-yet.csv')])).toBe(false);
  });

  it('run --gateway sim of a big input or seed, or of stdin, runs uncapped', () => {
    expect(hostsSimulator(['run', big, '--gateway', 'sim'])).toBe(true);
    expect(hostsSimulator(['run', small, '--gateway', 'sim', '--sim-seed', big])).toBe(true);
    expect(hostsSimulator(['run', small, '--gateway', 'sim', `--sim-seed=${big}`])).toBe(true);
    expect(hostsSimulator(['run', '-', '--gateway', 'sim'])).toBe(true);
  });

  it('OPPWA_BASE_URL=sim counts as --gateway sim, unless --gateway names another', () => {
    expect(hostsSimulator(['run', big], { OPPWA_BASE_URL: 'sim' })).toBe(true);
    expect(hostsSimulator(['run', small], { OPPWA_BASE_URL: 'sim' })).toBe(false);
    expect(hostsSimulator(['run', big, '--gateway', 'http://127.0.0.1:9'], { OPPWA_BASE_URL: 'sim' })).toBe(false);
  });
});
