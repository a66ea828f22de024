import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/cli/reporter.js';
import type { InputSource } from '../../src/input/open-input.js';
import { emptyHeaderMap } from '../../src/input/headers.js';

function terminal() {
  const writes: string[] = [];
  const stream = { isTTY: true, columns: 120, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
  return { writes, stream };
}

const source = {
  name: 'x.csv',
  dialect: { delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-8', sepLine: false },
  notices: [],
  header: [],
  headerLine: 1,
  headers: emptyHeaderMap(),
} as unknown as InputSource;

describe('Reporter on a terminal', () => {
  it('keeps the summary\'s colours (escaping is for file names, not for its own styles) and masks card numbers', () => {
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      const { writes, stream } = terminal();
      const r = new Reporter({ quiet: false, json: false, stream });
      r.start({ environment: { kind: 'sim', baseUrl: 'http://127.0.0.1:1', partition: 'p', label: 'sim http://127.0.0.1:1' }, input: 'x.csv', source, stateDir: '/tmp', dryRun: false });
      r.row({ line: 2, cells: [], status: 'invalid', attempts: 0, error: 'note 4111 1111 1111 1111 is odd' }, false);
      r.finish({ elapsedMs: 10, inputSha256: 'ab', exitCode: 1, outputs: undefined, summaryJson: undefined, stoppedBy: undefined });
      const text = writes.join('');
      expect(text).toContain('\x1b[31minvalid');
      expect(text).not.toContain('\\x1b');
      expect(text).not.toContain('4111 1111 1111 1111');
    } finally {
      if (saved !== undefined) process.env.NO_COLOR = saved;
    }
  });

  it('a file name with an escape sequence in a warning is shown escaped', () => {
    const { writes, stream } = terminal();
    const r = new Reporter({ quiet: false, json: false, stream });
    r.warn('evil\x1b[2Jname.csv changed since payops wrote it');
    expect(writes.join('')).toContain('evil\\x1b[2Jname.csv');
  });
});
