/**
 * Outputs never overwrite the input (docs/outputs.md#files): an output path that is the
 * input file — by name, through a symbolic link, or as a hard link to it —
 * is refused before anything is sent.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** The real path of `p`, or, when it does not exist yet, its real directory joined with its name. */
export function realPathOf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    const abs = resolve(p);
    try {
      return join(realpathSync.native(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Whether the two paths name one file. */
export function isSameFile(a: string, b: string): boolean {
  if (realPathOf(a) === realPathOf(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Throw a UsageError when `outPath` is the input file. `-` (stdin/stdout) on
 * either side is never a clash.
 */
export function refuseInputAsOutput(outPath: string, inputPath: string | undefined, role: string): void {
  if (inputPath === undefined || inputPath === '-' || outPath === '-') return;
  if (isSameFile(outPath, inputPath)) {
    throw new UsageError(
      `the ${role} ${outPath} is the input file; payops never overwrites its input — choose another path for the ${role}`,
    );
  }
}

/**
 * Throw a UsageError when two outputs name one file (`--out` and `--failed`
 * alike): the second commit would replace the first, or removing a stale
 * failed-rows file would delete the results. `-` for both is refused too:
 * two CSV files on one stdout would not read back as either.
 */
export function refuseOutputClash(a: { path: string; role: string }, b: { path: string; role: string }): void {
  const clash = a.path === '-' || b.path === '-' ? a.path === b.path : isSameFile(a.path, b.path);
  if (clash) {
    throw new UsageError(`the ${a.role} and the ${b.role} are both ${a.path}; give them different paths`);
  }
}
