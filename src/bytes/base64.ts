/**
 * Base64 decoding on Web-standard APIs only (the core may not use Node's Buffer).
 * `Uint8Array.fromBase64` (TC39; workerd has it, Node from v25) is native and used when present.
 * Otherwise a table decoder reads the base64 bytes where they already are, so a 400 KB field is
 * never first copied into a string: it reads 4 characters at a time, looks up 2 at once in a
 * 64 K-entry table, and writes 12 bytes as 3 words. Measured on Node 20 for a 300 KB image on a
 * busy 2-core box: 0.36 ms, against 0.2 ms for Node's (SIMD, Node-only) Buffer, 0.9 ms for a
 * 1-character table loop and about 3 ms for `atob` plus a `charCodeAt` loop (the binary string
 * `atob` returns has no native path to bytes). The table and the decoder of a text in parts live
 * in base64-table.ts. The Worker bundle builds base64-native.ts in this file's place.
 */

import { ALPHABET, decodeGroups, decodeLast, EQUALS, INVALID } from './base64-table.ts'

type NativeDecoder = (text: string) => Uint8Array
const nativeDecode = (Uint8Array as unknown as { fromBase64?: NativeDecoder }).fromBase64?.bind(
  Uint8Array,
)

const ascii = new TextDecoder()

/**
 * Decodes the base64 text in `bytes[start, end)`, or returns null when it is not plain padded or
 * unpadded base64 (an escape, whitespace or stray character): the caller then takes a slow path.
 */
export function decodeBase64Bytes(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): Uint8Array | null {
  if (nativeDecode) {
    try {
      return nativeDecode(ascii.decode(bytes.subarray(start, end)))
    } catch {
      return null
    }
  }
  let stop = end
  while (stop > start && bytes[stop - 1] === EQUALS && end - stop < 2) stop--
  const length = stop - start
  if (length % 4 === 1) return null
  const size = Math.floor((length * 3) / 4)
  const out = new Uint8Array(size)
  const wholeEnd = start + length - (length % 4)
  let flags = decodeGroups(bytes, start, wholeEnd, out, 0)
  // The last 2 or 3 characters carry 1 or 2 bytes.
  if (wholeEnd < stop) {
    const third = wholeEnd + 2 < stop ? bytes[wholeEnd + 2] : undefined
    flags |= decodeLast(bytes[wholeEnd]!, bytes[wholeEnd + 1]!, third, out, size)
  }
  return flags & INVALID ? null : out
}

/**
 * `decodeBase64Bytes` of the text the parts make when joined, without joining them: a reply's
 * base64 as the socket's chunks delivered it, cut anywhere, a group of 4 characters included.
 */
export function decodeBase64Parts(parts: readonly Uint8Array[]): Uint8Array | null {
  if (parts.length === 1) return decodeBase64Bytes(parts[0]!)
  let end = 0
  for (const part of parts) end += part.length
  if (nativeDecode) return decodeBase64Bytes(joinParts(parts, end))
  // Up to two '=' end the text; they may sit in different parts.
  const at = (index: number) => byteAt(parts, index)
  let stop = end
  while (stop > 0 && at(stop - 1) === EQUALS && end - stop < 2) stop--
  if (stop % 4 === 1) return null
  const out = new Uint8Array(Math.floor((stop * 3) / 4))
  // A group cut between parts is carried over in these 4 bytes.
  const carry = new Uint8Array(4)
  let carried = 0
  let flags = 0
  let o = 0
  let position = 0
  for (const part of parts) {
    if (position >= stop) break
    const take = Math.min(part.length, stop - position)
    position += part.length
    let i = 0
    if (carried > 0) {
      const filled = Math.min(4 - carried, take)
      carry.set(part.subarray(0, filled), carried)
      carried += filled
      i = filled
      if (carried < 4) continue
      flags |= decodeGroups(carry, 0, 4, out, o)
      o += 3
      carried = 0
    }
    const whole = i + (take - i) - ((take - i) % 4)
    flags |= decodeGroups(part, i, whole, out, o)
    o += ((whole - i) / 4) * 3
    carry.set(part.subarray(whole, take))
    carried = take - whole
  }
  if (carried > 0) {
    const third = carried > 2 ? carry[2]! : undefined
    flags |= decodeLast(carry[0]!, carry[1]!, third, out, out.length)
  }
  return flags & INVALID ? null : out
}

function byteAt(parts: readonly Uint8Array[], index: number): number | undefined {
  for (const part of parts) {
    if (index < part.length) return part[index]
    index -= part.length
  }
  return undefined
}

function joinParts(parts: readonly Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    joined.set(part, offset)
    offset += part.length
  }
  return joined
}

/** Decodes base64 text (ASCII whitespace is skipped); throws a TypeError when it is not base64. */
export function decodeBase64(text: string): Uint8Array {
  // The native decoder skips whitespace itself, per the proposal.
  if (nativeDecode) return nativeDecode(text)
  // Base64 is ASCII, so TextEncoder's UTF-8 output is the characters' own bytes, made natively.
  const encoder = new TextEncoder()
  const decoded =
    decodeBase64Bytes(encoder.encode(text)) ??
    decodeBase64Bytes(encoder.encode(text.replace(/\s+/g, '')))
  if (!decoded) throw new TypeError('not base64')
  return decoded
}

type NativeEncoder = (this: Uint8Array, options?: { alphabet?: 'base64' | 'base64url' }) => string
const nativeEncode = (Uint8Array.prototype as unknown as { toBase64?: NativeEncoder }).toBase64
let encodePairs: Uint16Array | undefined
const textEncoder = new TextEncoder()

/** 12 bits -> their two base64 characters, the first in the low byte; built on first use. */
function encodePairTable(): Uint16Array {
  if (encodePairs) return encodePairs
  encodePairs = new Uint16Array(4096)
  for (let bits = 0; bits < 4096; bits++) {
    encodePairs[bits] = ALPHABET.charCodeAt(bits >> 6) | (ALPHABET.charCodeAt(bits & 63) << 8)
  }
  return encodePairs
}

/** How many characters the padded base64 of `byteLength` bytes takes. */
export const base64Length = (byteLength: number) => Math.ceil(byteLength / 3) * 4

/**
 * Writes the standard padded base64 of `bytes` into `out` from `at` (which must have
 * `base64Length(bytes.length)` bytes free there) and returns where it ended: a reply can carry
 * an image's base64 without the text ever being a string. Native `toBase64` where the runtime
 * has it; otherwise 3 bytes become 4 characters through a 12-bit pair table, stored as one
 * little-endian word through a DataView, so `at` needs no alignment.
 */
export function encodeBase64Into(bytes: Uint8Array, out: Uint8Array, at = 0): number {
  if (nativeEncode)
    return at + textEncoder.encodeInto(nativeEncode.call(bytes), out.subarray(at)).written
  const table = encodePairTable()
  const whole = bytes.length - (bytes.length % 3)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  let o = at
  for (let i = 0; i < whole; i += 3, o += 4) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    view.setUint32(o, table[n >> 12]! | (table[n & 4095]! << 16), true)
  }
  const rest = bytes.length - whole
  if (rest) {
    const n = (bytes[whole]! << 16) | (rest === 2 ? bytes[whole + 1]! << 8 : 0)
    out[o] = ALPHABET.charCodeAt(n >> 18)
    out[o + 1] = ALPHABET.charCodeAt((n >> 12) & 63)
    out[o + 2] = rest === 2 ? ALPHABET.charCodeAt((n >> 6) & 63) : EQUALS
    out[o + 3] = EQUALS
    o += 4
  }
  return o
}

/**
 * Standard padded base64 of `bytes`: `encodeBase64Into` a byte buffer that one native decode
 * turns into a string. Measured on Node 20 for 300 KB: about 3x faster than `btoa` over
 * `String.fromCharCode` chunks, and 3-4x slower than Node's SIMD Buffer, which the core may not
 * use.
 */
export function encodeBase64(bytes: Uint8Array): string {
  if (nativeEncode) return nativeEncode.call(bytes)
  const out = new Uint8Array(base64Length(bytes.length))
  encodeBase64Into(bytes, out)
  return ascii.decode(out)
}

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Inputs up to this size are spelled character by character: no buffer, decoder or regex. */
const SHORT_URL_BYTES = 96

/** URL-safe base64 without padding (image keys, content addresses). */
export function encodeBase64Url(bytes: Uint8Array): string {
  if (bytes.length > SHORT_URL_BYTES) {
    return encodeBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  }
  let text = ''
  const whole = bytes.length - (bytes.length % 3)
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    text +=
      URL_ALPHABET[n >> 18]! +
      URL_ALPHABET[(n >> 12) & 63]! +
      URL_ALPHABET[(n >> 6) & 63]! +
      URL_ALPHABET[n & 63]!
  }
  const rest = bytes.length - whole
  if (rest) {
    const n = (bytes[whole]! << 16) | (rest === 2 ? bytes[whole + 1]! << 8 : 0)
    text += URL_ALPHABET[n >> 18]! + URL_ALPHABET[(n >> 12) & 63]!
    if (rest === 2) text += URL_ALPHABET[(n >> 6) & 63]!
  }
  return text
}
