import type * as portable from './base64.ts'
import { concatBytes } from './concat.ts'

/**
 * base64.ts for the Worker bundle, which builds this file in its place
 * (scripts/worker-substitutes.ts): workerd has `Uint8Array.fromBase64` and `toBase64`, so
 * base64.ts always takes its native branches there and its table codecs are dead weight. Same
 * exports, types and results as those branches; the types are checked against base64.ts.
 */

type NativeUint8Array = typeof Uint8Array & { fromBase64(text: string): Uint8Array }
type NativeBytes = Uint8Array & {
  toBase64(options?: { alphabet?: 'base64url'; omitPadding?: boolean }): string
}

const fromBase64 = (text: string) => (Uint8Array as NativeUint8Array).fromBase64(text)
const ascii = new TextDecoder()
const textEncoder = new TextEncoder()

export const decodeBase64Bytes: typeof portable.decodeBase64Bytes = (
  bytes,
  start = 0,
  end = bytes.length,
) => {
  try {
    return fromBase64(ascii.decode(bytes.subarray(start, end)))
  } catch {
    return null
  }
}

/** Joined first: only the Node entry's fetch hands a reply over as the socket's chunks. */
export const decodeBase64Parts: typeof portable.decodeBase64Parts = (parts) =>
  decodeBase64Bytes(concatBytes(parts))

export const decodeBase64: typeof portable.decodeBase64 = fromBase64

export const encodeBase64: typeof portable.encodeBase64 = (bytes) =>
  (bytes as NativeBytes).toBase64()

export const base64Length: typeof portable.base64Length = (byteLength) =>
  Math.ceil(byteLength / 3) * 4

export const encodeBase64Into: typeof portable.encodeBase64Into = (bytes, out, at = 0) =>
  at + textEncoder.encodeInto((bytes as NativeBytes).toBase64(), out.subarray(at)).written

export const encodeBase64Url: typeof portable.encodeBase64Url = (bytes) =>
  (bytes as NativeBytes).toBase64({ alphabet: 'base64url', omitPadding: true })
