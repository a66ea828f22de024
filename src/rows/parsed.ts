/** The outcome of reading one cell: a normalised value, or a message for the user. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail<T = never>(message: string): Parsed<T> {
  return { ok: false, message };
}
