import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The slowest files (from a full run on the 2-core CI machine), longest first. Vitest
 * orders a clean clone's files by size, which would start the small kill-chaos files
 * last and leave one worker running them alone at the end.
 */
const SLOWEST_FIRST = [
  'test/e2e/kill-chaos-sqlite.test.ts',
  'test/e2e/kill-chaos-postgres.test.ts',
  'test/serve/serve.test.ts',
  'test/serve/card-data.test.ts',
  'test/e2e/state-adversarial.test.ts',
  'test/e2e/first-hour.test.ts',
  'test/bench/quick.test.ts',
  'test/e2e/fuzz.test.ts',
  'test/e2e/never-twice.test.ts',
  'test/browser/serve.test.ts',
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOWEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    const rest = await super.sort(files.filter((f) => rank(f) === SLOWEST_FIRST.length));
    return [...files.filter((f) => rank(f) < SLOWEST_FIRST.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.test-results.json' }]],
    pool: 'forks',
    // Two files at a time. Vitest's default on a 2-core machine is one (cores − 1), but most
    // end-to-end files spend their time waiting on child processes, simulators and timers,
    // so two side by side keep both cores busy.
    maxWorkers: 2,
    sequence: { sequencer: SlowestFirst },
  },
});
