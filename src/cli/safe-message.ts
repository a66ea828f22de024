/**
 * Messages made safe to print: the last line of defence for every error and
 * log line the command line writes.
 */
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';

/**
 * A message made safe for a terminal or a log: every card number masked (even
 * inside a longer run of digits, or in a file name), the password of a URL
 * (`https://user:SECRET@host`) replaced by `***`, and control characters
 * (ANSI escapes in a file name, a NUL) shown as `\x1b`, never sent raw.
 */
export function safeMessage(text: string): string {
  return showControls(maskUrlPasswords(maskCardNumbersThoroughly(text)));
}

/** `scheme://user:password@` → `scheme://user:***@`, also in a URL too broken to parse. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}

/** C0 controls (but tab), DEL and C1 controls as `\xNN`: a file name cannot drive the terminal. */
export function showControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
