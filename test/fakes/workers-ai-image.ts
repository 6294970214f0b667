/** Image fixtures for the Workers AI fakes; no Node imports, so workerd tests can use them too. */

/**
 * A JPEG the gateway can sniff (SOI, JFIF APP0, a baseline SOF0 with the size, SOS, then
 * `size` bytes in all of pseudo-random entropy-coded data with no marker in it, and EOI). It is
 * not a decodable picture, which nothing here needs; its header is exactly a real JPEG's.
 */
export function makeJpeg(width: number, height: number, size = 4096): Uint8Array {
  const head = [
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x10,
    0x4a,
    0x46,
    0x49,
    0x46,
    0x00,
    0x01,
    0x01,
    0x00,
    0x00,
    0x01,
    0x00,
    0x01,
    0x00,
    0x00,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
    0xff,
    0xda,
    0x00,
    0x0c,
    0x03,
    0x01,
    0x00,
    0x02,
    0x11,
    0x03,
    0x11,
    0x00,
    0x3f,
    0x00,
  ]
  const bytes = new Uint8Array(Math.max(size, head.length + 2))
  bytes.set(head)
  let state = width * 7919 + height
  for (let i = head.length; i < bytes.length - 2; i++) {
    state = (state * 1103515245 + 12345) >>> 0
    bytes[i] = (state >>> 16) % 255 // never 0xff, so no marker appears in the data
  }
  bytes.set([0xff, 0xd9], bytes.length - 2)
  return bytes
}

/** Base64 without Buffer (workerd tests): btoa over chunks, since one call per byte is slow. */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}
