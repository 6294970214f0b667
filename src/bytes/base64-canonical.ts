import { base64Length, encodeBase64 } from './base64.ts'

const ascii = new TextDecoder()

/**
 * Whether `text[start, end)`, which decoded to `bytes`, is exactly their standard padded base64,
 * so it can be sent on as it came instead of being encoded again. Decoders accept other
 * spellings of the same bytes (padding left out, stray bits after the last byte, whitespace);
 * each of them changes the length or the last group of four, which is all this compares.
 */
export const isCanonicalBase64 = (
  text: Uint8Array,
  bytes: Uint8Array,
  start = 0,
  end = text.length,
): boolean =>
  end - start === base64Length(bytes.length) &&
  encodeBase64(bytes.subarray(bytes.length - (bytes.length % 3 || 3))) ===
    ascii.decode(text.subarray(Math.max(start, end - 4), end))
