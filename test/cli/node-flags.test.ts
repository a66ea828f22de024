import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WASM_FLAGS } from '../../src/cli/node-flags.js';

describe('the Node flags of payops processes', () => {
  it("the bin's first line carries the flags its children are started with, and Node accepts them", async () => {
    const shebang = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8').split('\n', 1)[0]!;
    expect(shebang.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    const flags = shebang.split(/\s+/).filter((f) => f.startsWith('--'));
    for (const f of WASM_FLAGS) expect(flags).toContain(f);
    // A flag this Node does not know would stop every payops start with "bad option".
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
