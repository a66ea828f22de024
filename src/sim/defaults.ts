/** What the simulator accepts unless told otherwise (kept apart from the server so the CLI can name them without loading it). */
export const DEFAULT_SIM_TOKEN = 'sim-token';
export const DEFAULT_SIM_ENTITY = '8a8294174b7ecb28014b9699220015ca';
export const DEFAULT_STALL_MS = 65_000;
