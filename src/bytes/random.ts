/**
 * Random bytes from the platform's CSPRNG (`crypto.getRandomValues`), drawn 4 KB at a time and
 * handed out in small pieces. Each draw costs a call into the runtime's generator whatever its
 * size (on Node 20 about as much as the rest of an image key's making), and a request needs only
 * 16 bytes here and there: image keys, reply ids. Every byte is handed out once, so the pieces
 * are as unpredictable as separate draws; the pool is this module's alone, and each caller gets
 * a copy. The first draw waits for the first caller: a Worker may not draw at module scope.
 */

const POOL_BYTES = 4096

let pool = new Uint8Array(0)
let next = 0

/** `length` fresh random bytes. */
export function randomBytes(length: number): Uint8Array {
  if (length > POOL_BYTES / 4) return crypto.getRandomValues(new Uint8Array(length))
  if (next + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES))
    next = 0
  }
  const bytes = pool.slice(next, next + length)
  // Handed out: wiped, so the pool holds only bytes nobody has seen yet.
  pool.fill(0, next, next + length)
  next += length
  return bytes
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** 32 random lowercase hex digits (128 bits): the tail of a reply's id. */
export function randomHex128(): string {
  const bytes = randomBytes(16)
  let hex = ''
  for (let i = 0; i < 16; i++) hex += HEX[bytes[i]!]
  return hex
}
