/**
 * Reads an image's real type and size from its first bytes. Upstreams mislabel their output
 * (Workers AI's flux-1-schnell returns JPEG that Flux-API-Worker served as PNG), so the gateway
 * trusts the bytes, never a claimed type.
 */

export type ImageInfo = { contentType: string; width: number; height: number }

const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!
const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8)
const le24 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)
const be32 = (b: Uint8Array, i: number) =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | be16(b, i + 2)) >>> 0
const ascii = (b: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...b.subarray(start, start + length))

/** Returns the type and dimensions, or null when the bytes are not a PNG, JPEG, WebP or GIF. */
export function sniffImage(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 16) return null
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG' && bytes.length >= 24) {
    return { contentType: 'image/png', width: be32(bytes, 16), height: be32(bytes, 20) }
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegInfo(bytes)
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpInfo(bytes)
  if (ascii(bytes, 0, 4) === 'GIF8') {
    return { contentType: 'image/gif', width: le16(bytes, 6), height: le16(bytes, 8) }
  }
  return null
}

/**
 * The type alone, from the magic numbers in the first 12 bytes; enough to label a response
 * whose body is still a stream (a JPEG's size can sit behind a large EXIF segment).
 */
export function sniffContentType(head: Uint8Array): string | null {
  if (head.length < 12) return null
  if (head[0] === 0x89 && ascii(head, 1, 3) === 'PNG') return 'image/png'
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'image/webp'
  if (ascii(head, 0, 4) === 'GIF8') return 'image/gif'
  return null
}

function jpegInfo(bytes: Uint8Array): ImageInfo | null {
  let i = 2
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null
    const marker = bytes[i + 1]!
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      i += 2
      continue
    }
    const isStartOfFrame =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isStartOfFrame) {
      return { contentType: 'image/jpeg', height: be16(bytes, i + 5), width: be16(bytes, i + 7) }
    }
    i += 2 + be16(bytes, i + 2)
  }
  return null
}

function webpInfo(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 30) return null
  const format = ascii(bytes, 12, 4)
  const contentType = 'image/webp'
  if (format === 'VP8 ') {
    return { contentType, width: le16(bytes, 26) & 0x3fff, height: le16(bytes, 28) & 0x3fff }
  }
  if (format === 'VP8L') {
    const b1 = bytes[22]!
    const b2 = bytes[23]!
    const b3 = bytes[24]!
    return {
      contentType,
      width: 1 + (((b1 & 0x3f) << 8) | bytes[21]!),
      height: 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)),
    }
  }
  if (format === 'VP8X')
    return { contentType, width: 1 + le24(bytes, 24), height: 1 + le24(bytes, 27) }
  return null
}
