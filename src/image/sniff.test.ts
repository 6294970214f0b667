import { describe, expect, it } from 'vitest'
import { sniffContentType, sniffImage } from './sniff.ts'

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))
const le16 = (n: number) => [n & 0xff, n >> 8]
const le24 = (n: number) => [n & 0xff, (n >> 8) & 0xff, n >> 16]
const be16 = (n: number) => [n >> 8, n & 0xff]
const be32 = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat())
const zeros = (n: number) => new Array<number>(n).fill(0)

/** A JPEG segment: marker, big-endian length (which counts itself), payload. */
const segment = (marker: number, payload: number[]) => [
  0xff,
  marker,
  ...be16(payload.length + 2),
  ...payload,
]
const startOfFrame = (marker: number, width: number, height: number) =>
  segment(marker, [8, ...be16(height), ...be16(width), 3, ...zeros(9)])

function png(width: number, height: number) {
  return bytes(
    [0x89, ...ascii('PNG\r\n\x1a\n')],
    be32(13),
    ascii('IHDR'),
    be32(width),
    be32(height),
    [8, 2, 0, 0, 0],
    zeros(4),
  )
}

function webp(format: string, payload: number[]) {
  return bytes(ascii('RIFF'), zeros(4), ascii('WEBP'), ascii(format), zeros(4), payload, zeros(8))
}

describe('sniffImage', () => {
  it('reads a PNG’s size from its IHDR chunk', () => {
    expect(sniffImage(png(1024, 768))).toEqual({
      contentType: 'image/png',
      width: 1024,
      height: 768,
    })
  })

  it('reads a baseline JPEG’s size from SOF0 right after SOI', () => {
    const jpeg = bytes([0xff, 0xd8], startOfFrame(0xc0, 640, 480), [0xff, 0xd9])
    expect(sniffImage(jpeg)).toEqual({ contentType: 'image/jpeg', width: 640, height: 480 })
  })

  it('skips APP0, APP1 (EXIF), DQT and DHT segments to reach a progressive SOF2', () => {
    const jpeg = bytes(
      [0xff, 0xd8],
      segment(0xe0, [...ascii('JFIF\0'), 1, 1, 0, ...be16(72), ...be16(72), 0, 0]),
      segment(0xe1, [...ascii('Exif\0\0'), ...zeros(3000)]),
      segment(0xdb, zeros(65)),
      segment(0xc4, zeros(30)), // DHT sits in the SOF marker range but is not a frame
      [0xff, 0xff], // fill byte
      startOfFrame(0xc2, 1920, 1080),
    )
    expect(sniffImage(jpeg)).toEqual({ contentType: 'image/jpeg', width: 1920, height: 1080 })
  })

  it('gives up on a JPEG whose segments run off the end', () => {
    const jpeg = bytes([0xff, 0xd8], segment(0xe0, zeros(20)), [0x12, 0x34], zeros(20))
    expect(sniffImage(jpeg)).toBeNull()
  })

  it('reads lossy WebP (VP8): 14-bit sizes under the scaling bits', () => {
    const frame = [0x9d, 0x01, 0x2a, ...le16(1024 | 0x4000), ...le16(576 | 0x8000)]
    const image = webp('VP8 ', [0, 0, 0, ...frame])
    expect(sniffImage(image)).toEqual({ contentType: 'image/webp', width: 1024, height: 576 })
  })

  it('reads lossless WebP (VP8L): two packed 14-bit fields', () => {
    const [width, height] = [1000, 3000]
    const bits = (width - 1) | ((height - 1) << 14)
    const image = webp('VP8L', [
      0x2f,
      bits & 0xff,
      (bits >> 8) & 0xff,
      (bits >> 16) & 0xff,
      bits >>> 24,
    ])
    expect(sniffImage(image)).toEqual({ contentType: 'image/webp', width, height })
  })

  it('reads extended WebP (VP8X): 24-bit canvas size', () => {
    const image = webp('VP8X', [0x10, 0, 0, 0, ...le24(2047), ...le24(99)])
    expect(sniffImage(image)).toEqual({ contentType: 'image/webp', width: 2048, height: 100 })
  })

  it('reads a GIF’s logical screen size', () => {
    const gif = bytes(ascii('GIF89a'), le16(320), le16(200), zeros(10))
    expect(sniffImage(gif)).toEqual({ contentType: 'image/gif', width: 320, height: 200 })
  })

  it.each([
    ['empty', new Uint8Array(0)],
    ['too short', bytes([0x89, ...ascii('PNG')])],
    ['text', new TextEncoder().encode('<html><body>Error 500</body></html>')],
    ['JSON', new TextEncoder().encode('{"error":{"message":"rate limited"}}')],
    ['RIFF but not WebP', bytes(ascii('RIFF'), zeros(4), ascii('WAVE'), zeros(30))],
    ['WebP of an unknown kind', webp('VP9 ', zeros(20))],
    ['random', Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
  ])('returns null for %s', (_, input) => {
    expect(sniffImage(input)).toBeNull()
  })
})

describe('sniffContentType', () => {
  it('names the type from the first 12 bytes alone', () => {
    expect(sniffContentType(png(1, 1).subarray(0, 12))).toBe('image/png')
    expect(sniffContentType(bytes([0xff, 0xd8, 0xff, 0xe0], zeros(8)))).toBe('image/jpeg')
    expect(sniffContentType(webp('VP8 ', []).subarray(0, 12))).toBe('image/webp')
    expect(sniffContentType(bytes(ascii('GIF87a'), zeros(6)))).toBe('image/gif')
    expect(sniffContentType(new TextEncoder().encode('not an image!'))).toBeNull()
    expect(sniffContentType(bytes([0x89, ...ascii('PNG')]))).toBeNull()
  })
})
