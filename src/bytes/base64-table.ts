/**
 * The pair table behind base64.ts's decoders on runtimes without a native one (Node before v25),
 * and the pieces both of its decoders (one whole text, and a text in parts) are made of: whole
 * groups of 4 characters decoded from any offset of the output, and the last 2 or 3 characters.
 * Only base64.ts imports this file; the Worker bundle, which builds base64-native.ts in its
 * place, never does.
 */

export const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Bit 12 marks a character pair outside the alphabet (quote, backslash, whitespace, '='). */
export const INVALID = 0x1000
let pairs: Uint16Array | undefined

/** Two characters (first << 8 | second) -> their 12 bits; built on first use (128 KB). */
export function pairTable(): Uint16Array {
  if (pairs) return pairs
  pairs = new Uint16Array(65536).fill(INVALID)
  for (let first = 0; first < 64; first++) {
    for (let second = 0; second < 64; second++) {
      pairs[(ALPHABET.charCodeAt(first) << 8) | ALPHABET.charCodeAt(second)] = (first << 6) | second
    }
  }
  return pairs
}

/** Word writes below assume little-endian words, as on every x86 and ARM host. */
export const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
export const EQUALS = 0x3d
/**
 * Decodes the whole groups of 4 characters in `bytes[i, end)` into `out` from `o`; returns the
 * table's flags (INVALID set when a character is outside the alphabet).
 */
export function decodeGroups(
  bytes: Uint8Array,
  i: number,
  end: number,
  out: Uint8Array,
  o: number,
): number {
  const table = pairTable()
  let flags = 0
  // Single groups until the output is at a word boundary (parts after the first may start off one).
  for (; i < end && o & 3; i += 4, o += 3) flags |= decodeGroup(bytes, i, out, o, table)
  if (LITTLE_ENDIAN) {
    const input = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    // 16 characters -> 12 bytes -> 3 little-endian words.
    const words = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2)
    const blocksEnd = end - ((end - i) % 16)
    for (; i < blocksEnd; i += 16) {
      const r0 = input.getUint32(i)
      const r1 = input.getUint32(i + 4)
      const r2 = input.getUint32(i + 8)
      const r3 = input.getUint32(i + 12)
      const h0 = table[r0 >>> 16]!
      const l0 = table[r0 & 0xffff]!
      const h1 = table[r1 >>> 16]!
      const l1 = table[r1 & 0xffff]!
      const h2 = table[r2 >>> 16]!
      const l2 = table[r2 & 0xffff]!
      const h3 = table[r3 >>> 16]!
      const l3 = table[r3 & 0xffff]!
      flags |= h0 | l0 | h1 | l1 | h2 | l2 | h3 | l3
      // Each group of 4 characters is 24 bits, most significant byte first.
      const x = (h0 << 12) | l0
      const y = (h1 << 12) | l1
      const z = (h2 << 12) | l2
      const t = (h3 << 12) | l3
      const w = o >> 2
      words[w] = ((x >> 16) & 255) | (x & 0xff00) | ((x & 255) << 16) | ((y >> 16) << 24)
      words[w + 1] = ((y >> 8) & 255) | ((y & 255) << 8) | (z & 0xff0000) | ((z & 0xff00) << 16)
      words[w + 2] = (z & 255) | ((t >> 8) & 0xff00) | ((t & 0xff00) << 8) | ((t & 255) << 24)
      o += 12
    }
  }
  for (; i < end; i += 4, o += 3) flags |= decodeGroup(bytes, i, out, o, table)
  return flags
}

function decodeGroup(
  bytes: Uint8Array,
  i: number,
  out: Uint8Array,
  o: number,
  table: Uint16Array,
): number {
  const high = table[(bytes[i]! << 8) | bytes[i + 1]!]!
  const low = table[(bytes[i + 2]! << 8) | bytes[i + 3]!]!
  const n = (high << 12) | low
  out[o] = n >> 16
  out[o + 1] = n >> 8
  out[o + 2] = n
  return high | low
}

/**
 * The last 2 or 3 characters (no `third`: 2), which carry the 1 or 2 bytes before `outEnd`;
 * returns the table's flags.
 */
export function decodeLast(
  first: number,
  second: number,
  third: number | undefined,
  out: Uint8Array,
  outEnd: number,
): number {
  const table = pairTable()
  const high = table[(first << 8) | second]!
  const low = table[((third ?? 0x41) << 8) | 0x41]! // 'A': zero bits
  const n = (high << 12) | low
  if (third === undefined) out[outEnd - 1] = n >> 16
  else {
    out[outEnd - 2] = n >> 16
    out[outEnd - 1] = n >> 8
  }
  return high | low
}
