import * as z from 'zod/mini'
import { decodeBase64, decodeBase64Bytes } from '../../bytes/base64.ts'
import { isCanonicalBase64 } from '../../bytes/base64-canonical.ts'
import type { WorkersAiProblem } from './errors.ts'

/**
 * Reads a Workers AI REST reply: the Cloudflare v4 envelope `{result, success, errors, messages}`
 * with `result.image` in base64. A 300 KB image is 400 KB of JSON; parsing all of it and then
 * decoding the string would copy it twice more, so the base64 field is found in the bytes and
 * decoded in place, and only the small rest of the envelope goes through JSON.parse and zod.
 */

const problem = z.object({ code: z.optional(z.number()), message: z.catch(z.string(), '') })

const envelope = z.object({
  success: z.optional(z.boolean()),
  result: z.catch(
    z.optional(z.union([z.object({ image: z.optional(z.string()) }), z.null()])),
    null,
  ),
  errors: z._default(z.catch(z.array(problem), []), []),
})

export type Envelope = {
  success: boolean | undefined
  errors: WorkersAiProblem[]
  /** The decoded image, when the reply held one. */
  image: Uint8Array | null
  /**
   * The image's base64 as the reply spelled it, when that is the standard spelling: views of the
   * reply, in order (more than one when the reply came in several parts).
   */
  base64?: Uint8Array[]
}

const QUOTE = 0x22
const KEY = new TextEncoder().encode('"image"')
const decoder = new TextDecoder()

/** Parses an envelope, or returns null when the body is not one (malformed, truncated, HTML). */
export function readEnvelope(bytes: Uint8Array): Envelope | null {
  return fastPath(bytes) ?? slowPath(bytes)
}

/** Finds `"image": "<base64>"` in the bytes; the rest is tiny and parsed as usual. */
function fastPath(bytes: Uint8Array): Envelope | null {
  const field = findImageField(bytes)
  if (!field) return null
  // Any escape or stray character in the field makes the decoder refuse; JSON.parse then decides.
  const image = decodeBase64Bytes(bytes, field.start, field.end)
  if (!image) return null
  const head = bytes.subarray(0, field.start)
  const text = bytes.subarray(field.start, field.end)
  const canonical = isCanonicalBase64(text, image)
  return withRest(image, head, [text], bytes.subarray(field.end), canonical)
}

/**
 * The envelope once its image is decoded: the rest (`head` and `tail` around the field's text)
 * parsed, and the text kept when it is the image's standard spelling (`canonical`).
 */
export function withRest(
  image: Uint8Array,
  head: Uint8Array,
  text: Uint8Array[],
  tail: Uint8Array,
  canonical: boolean,
): Envelope | null {
  const parsed = parse(`${decoder.decode(head)}${decoder.decode(tail)}`)
  // The emptied field must be `result.image`, not an "image" key elsewhere in the envelope.
  if (parsed?.imageText !== '') return null
  const { success, errors } = parsed
  const base64 = canonical ? text.filter((part) => part.length > 0) : undefined
  return { success, errors, image, base64 }
}

function slowPath(bytes: Uint8Array): Envelope | null {
  const parsed = parse(decoder.decode(bytes))
  if (!parsed) return null
  const { success, errors, imageText } = parsed
  if (!imageText) return { success, errors, image: null }
  try {
    return { success, errors, image: decodeBase64(imageText) }
  } catch {
    return null
  }
}

function parse(text: string): (Omit<Envelope, 'image'> & { imageText?: string }) | null {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  const result = envelope.safeParse(json)
  if (!result.success) return null
  const { success, errors } = result.data
  return { success, errors, imageText: result.data.result?.image }
}

/** The byte range of the first `"image": "..."` string value, or null. */
function findImageField(bytes: Uint8Array): { start: number; end: number } | null {
  const start = imageStart(bytes)
  if (start < 0) return null
  const end = closingQuote(bytes, start)
  return end < 0 ? null : { start, end }
}

/** Where the first `"image": "` string value starts (after its quote), or -1. */
export function imageStart(bytes: Uint8Array): number {
  for (let at = bytes.indexOf(QUOTE); at >= 0; at = bytes.indexOf(QUOTE, at + 1)) {
    if (!isKeyAt(bytes, at)) continue
    let start = at + KEY.length
    while (isSpace(bytes[start])) start++
    if (bytes[start] !== 0x3a) continue // ':' — "image" was a value, not a key
    start++
    while (isSpace(bytes[start])) start++
    if (bytes[start] !== QUOTE) continue
    return start + 1
  }
  return -1
}

/**
 * The quote that closes the string opened before `from`, found from the end of the body: the
 * envelope's tail after the image is a few dozen bytes, while a forward scan would cross all of
 * the base64. A quote followed by `}` or `,` ends a value; if it is not the image's, the range
 * holds other quotes, the decoder refuses it and the full parse takes over, so this stays safe.
 */
function closingQuote(bytes: Uint8Array, from: number): number {
  const found = lastClosingQuote(bytes, from)
  return found >= 0 ? found : bytes.indexOf(QUOTE, from)
}

/** The last quote at or after `from` followed by `}` or `,`, or -1. */
export function lastClosingQuote(bytes: Uint8Array, from: number): number {
  let at = bytes.lastIndexOf(QUOTE)
  while (at >= from) {
    let next = at + 1
    while (isSpace(bytes[next])) next++
    if (bytes[next] === 0x7d || bytes[next] === 0x2c) return at // '}' or ','
    // From -1, lastIndexOf would start over at the end.
    at = at > 0 ? bytes.lastIndexOf(QUOTE, at - 1) : -1
  }
  return -1
}

function isKeyAt(bytes: Uint8Array, at: number): boolean {
  if (at + KEY.length > bytes.length || bytes[at - 1] === 0x5c) return false
  for (let i = 1; i < KEY.length; i++) if (bytes[at + i] !== KEY[i]) return false
  return true
}

const isSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
