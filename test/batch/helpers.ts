/** Helpers shared by the batch tests. */

/** One turn of the event loop. */
export const tick = () => new Promise<void>((r) => setImmediate(r));

/** A task whose end the test decides, recording when it starts and ends (and failing then, if asked). */
export function deferredTask(name: string, log: string[], fail = false) {
  let finish!: () => void;
  const gate = new Promise<void>((r) => (finish = r));
  const task = async () => {
    log.push(`start ${name}`);
    await gate;
    log.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
    return name;
  };
  return { task, finish };
}
