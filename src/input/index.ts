/** Reading the input CSV (docs/input.md). */
export { openInput, type InputSource, type OpenInputOptions } from './open-input.js';
export { describeDialect, parseDelimiterOption, type Dialect } from './dialect.js';
export { FIELD_NAMES, fieldOfHeader, mapHeaders, normalizeHeader, type HeaderMap, type HeaderMode, type KnownField, type UserColumn } from './headers.js';
export { encodingDisplayName, resolveEncodingLabel } from './encoding.js';
