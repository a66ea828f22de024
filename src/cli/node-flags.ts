/**
 * The V8 flag every payops process that sends gets, the bin's own (its first
 * line) and the processes it starts: undici's HTTP parser is WebAssembly, and
 * without it V8 compiles the parser again with its optimising compiler on a
 * background thread, which a short run waits for at exit (README, "Memory and
 * speed"). The heap caps of the bin's first line are not repeated: its
 * children run with Node's default heap on purpose.
 */
export const WASM_FLAGS: readonly string[] = ['--liftoff-only'];
