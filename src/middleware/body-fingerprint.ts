import { concatBytes } from '../bytes/concat.ts'

const BOUNDARY = /^multipart\/[^;]*;.*\bboundary="?([^";]+)"?/i

/**
 * The bytes that name a request body for Idempotency-Key. A multipart body gets a new random
 * boundary each time it is serialised, and clients serialise their form again on every retry
 * (undici's FormData, so OpenAI's SDK), so a retry would never match its first attempt: the
 * boundary is cut out of the bytes first. Other bodies are named by their bytes as they are.
 */
export function fingerprintBytes(
  body: ArrayBuffer,
  contentType: string | undefined,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(body)
  const boundary = BOUNDARY.exec(contentType ?? '')?.[1]
  if (!boundary) return bytes
  const marker = new TextEncoder().encode(`--${boundary}`)
  const kept: Uint8Array[] = []
  let from = 0
  for (let at = find(bytes, marker, from); at !== -1; at = find(bytes, marker, from)) {
    kept.push(bytes.subarray(from, at))
    from = at + marker.length
  }
  kept.push(bytes.subarray(from))
  return concatBytes(kept) as Uint8Array<ArrayBuffer>
}

/** The first index of `marker` in `bytes` at or after `from`, or -1. */
function find(bytes: Uint8Array, marker: Uint8Array, from: number): number {
  const last = bytes.length - marker.length
  for (let at = bytes.indexOf(marker[0]!, from); at !== -1 && at <= last; ) {
    let matched = 1
    while (matched < marker.length && bytes[at + matched] === marker[matched]) matched++
    if (matched === marker.length) return at
    at = bytes.indexOf(marker[0]!, at + 1)
  }
  return -1
}
