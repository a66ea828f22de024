/**
 * `payops user add NAME --users FILE`: add a person who may use `payops serve`.
 * The password is asked for on the terminal (not echoed); when stdin is not a
 * terminal, its first line is the password (for scripts and tests).
 */
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { writeUser } from '../serve/users.js';
import * as z from 'zod';
import { last, parseOptions } from './options.js';

/** `payops user`'s arguments (yargs has checked the action and that --users is there). */
const USER_SCHEMA = z
  .object({ name: z.transform((v) => String(last(v))), users: z.transform((v) => String(last(v))) })
  .transform((o) => ({ name: o.name, file: o.users }));

export type UserOptions = z.output<typeof USER_SCHEMA>;

/** argv as yargs hands it over → the one options object `payops user` reads. */
export function normaliseUserOptions(argv: Record<string, unknown>): UserOptions {
  return parseOptions(USER_SCHEMA, argv);
}

async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let pw = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(pw);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UsageError('cancelled; nobody was added'));
          return;
        }
        if (ch === '\u007f') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export const userCommand: CommandModule = {
  command: 'user <action> <name>',
  describe: 'manage the people who may use payops serve: user add NAME --users FILE',
  builder: (y: Argv) =>
    y
      .positional('action', { type: 'string', choices: ['add'], describe: 'add (or replace the password of) a person' })
      .positional('name', { type: 'string', describe: 'the person\'s login name' })
      .option('users', { type: 'string', demandOption: true, describe: 'the users file (scrypt-hashed passwords)' }),
  handler: async (argv) => {
    const { name, file } = normaliseUserOptions(argv as Record<string, unknown>);
    const pw = await readPassword(`password for ${name}: `);
    if (process.stdin.isTTY) {
      const again = await readPassword('again: ');
      if (again !== pw) throw new UsageError('the two passwords differ; nobody was added');
    }
    writeUser(file, name, pw);
    process.stderr.write(`payops: ${name} can now sign in to payops serve --users ${file}\n`);
    process.exitCode = 0;
  },
};
