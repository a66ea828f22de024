import { UsageError } from '../../cli/errors.js';
import type { OpenedState, OpenStateOptions } from './open.js';

export async function openPostgresState(_opts: OpenStateOptions & { stateUrl: string; memory: boolean }): Promise<OpenedState> {
  throw new UsageError('--state-url: the PostgreSQL store is not built yet');
}
