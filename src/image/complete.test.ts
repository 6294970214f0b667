import { describe, expect, it } from 'vitest'
import { missingImageEnd } from './complete.ts'
import { encodePng } from './png.ts'
import { sniffImage } from './sniff.ts'

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]

/** SOI, a baseline frame header for 8x8, a scan header, a little entropy data, EOI. */
const jpeg = Uint8Array.from(
  [
    [0xff, 0xd8],
    [0xff, 0xc0, 0x00, 0x0b, 8, 0, 8, 0, 8, 1, 1, 0x11, 0],
    [0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0],
    [0x12, 0x34, 0x56, 0x78],
    [0xff, 0xd9],
  ].flat(),
)

/** A lossless WebP: RIFF header whose length covers the VP8L chunk that follows. */
function webp(): Uint8Array {
  const vp8l = [0x2f, 0x07, 0xc0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
  const chunk = [...ascii('VP8L'), ...le32(vp8l.length), ...vp8l]
  return Uint8Array.from([...ascii('RIFF'), ...le32(4 + chunk.length), ...ascii('WEBP'), ...chunk])
}

/** GIF89a, 1x1, a global palette of two colours, one image, the trailer. */
const gif = Uint8Array.from(
  [
    ...ascii('GIF89a'),
    [1, 0, 1, 0, 0x80, 0, 0],
    [0, 0, 0, 255, 255, 255],
    [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0],
    [2, 2, 0x44, 0x01, 0],
    [0x3b],
  ].flat(),
)

const cut = (bytes: Uint8Array, drop: number) => bytes.subarray(0, bytes.length - drop)
const typeOf = (bytes: Uint8Array) => sniffImage(bytes)?.contentType ?? 'none'

describe('missingImageEnd', () => {
  it('accepts a whole PNG from the encoder and refuses it without its IEND chunk', async () => {
    const png = await encodePng(16, 8, new Uint8Array(16 * 8 * 3).fill(7))
    expect(missingImageEnd(png, typeOf(png))).toBeNull()
    expect(missingImageEnd(cut(png, 12), 'image/png')).toBe('no PNG end')
    expect(missingImageEnd(png.subarray(0, png.length >> 1), 'image/png')).toBe('no PNG end')
  })

  it('accepts a JPEG ending in EOI, with or without zero padding, and refuses one without', () => {
    expect(typeOf(jpeg)).toBe('image/jpeg')
    expect(missingImageEnd(jpeg, 'image/jpeg')).toBeNull()
    const padded = Uint8Array.from([...jpeg, 0, 0, 0])
    expect(missingImageEnd(padded, 'image/jpeg')).toBeNull()
    expect(missingImageEnd(cut(jpeg, 2), 'image/jpeg')).toBe('no JPEG end')
    expect(missingImageEnd(cut(jpeg, 1), 'image/jpeg')).toBe('no JPEG end')
  })

  it('accepts a WebP as long as its RIFF length and refuses a shorter one', () => {
    const whole = webp()
    expect(typeOf(whole)).toBe('image/webp')
    expect(missingImageEnd(whole, 'image/webp')).toBeNull()
    expect(missingImageEnd(cut(whole, 1), 'image/webp')).toBe('shorter than its RIFF length')
  })

  it('accepts a GIF ending in its trailer and refuses one without', () => {
    expect(typeOf(gif)).toBe('image/gif')
    expect(missingImageEnd(gif, 'image/gif')).toBeNull()
    expect(missingImageEnd(cut(gif, 1), 'image/gif')).toBe('no GIF trailer')
  })
})
