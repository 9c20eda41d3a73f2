import { StringDecoder } from 'node:string_decoder';

/** A physical line of text (without its line ending) and its 1-based number. */
export interface Line {
  number: number;
  text: string;
  /** The line was longer than the limit; `text` holds only its beginning. */
  overlong: boolean;
}

/** Lines longer than this are reported, not buffered: a file with no newlines must not fill memory. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** How much of an overlong line is kept for its dead letter. */
const KEPT_OF_OVERLONG = 1024;

function withoutCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/**
 * Splits UTF-8 bytes into lines (LF or CRLF; a BOM at the start is dropped), in batches so the
 * caller pays one async step per chunk rather than per line. Line numbers are exact, which is
 * what every rejection in a replay report points at.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  maxLineChars = MAX_LINE_CHARS,
): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let overlongPrefix: string | null = null;
  let number = 1;
  let first = true;

  for await (const chunk of chunks) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const out: Line[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      if (overlongPrefix !== null) {
        out.push({ number: number++, text: overlongPrefix, overlong: true });
        overlongPrefix = null;
      } else {
        const piece = carry.length > 0 ? carry + text.slice(start, nl) : text.slice(start, nl);
        if (piece.length > maxLineChars) {
          out.push({ number: number++, text: piece.slice(0, KEPT_OF_OVERLONG), overlong: true });
        } else out.push({ number: number++, text: withoutCr(piece), overlong: false });
      }
      carry = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (overlongPrefix === null && start < text.length) {
      carry = carry.length > 0 ? carry + text.slice(start) : text.slice(start);
      if (carry.length > maxLineChars) {
        overlongPrefix = carry.slice(0, KEPT_OF_OVERLONG);
        carry = '';
      }
    }
    if (out.length > 0) yield out;
  }
  if (overlongPrefix !== null) {
    yield [{ number, text: overlongPrefix, overlong: true }];
    return;
  }
  carry += decoder.end();
  if (carry.length > 0) yield [{ number, text: withoutCr(carry), overlong: false }];
}
