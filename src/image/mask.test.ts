import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodePng, fillMask } from './mask.ts'
import { encodePng } from './png.ts'

/** A PNG built by hand: any colour type, each row with its own filter (CRCs left at 0). */
function handmadePng(options: {
  width: number
  height: number
  colourType: number
  channels: number
  pixels: Uint8Array
  filters: number[]
  extra?: [string, Uint8Array][]
}): Uint8Array {
  const { width, height, channels, pixels, filters } = options
  const stride = width * channels
  const raw = new Uint8Array((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    const filter = filters[y % filters.length]!
    raw[y * (stride + 1)] = filter
    for (let x = 0; x < stride; x++) {
      const at = y * stride + x
      const left = x >= channels ? pixels[at - channels]! : 0
      const up = y > 0 ? pixels[at - stride]! : 0
      const corner = x >= channels && y > 0 ? pixels[at - stride - channels]! : 0
      const estimate = left + up - corner
      const [a, b, c] = [estimate - left, estimate - up, estimate - corner].map(Math.abs)
      const paeth = a! <= b! && a! <= c! ? left : b! <= c! ? up : corner
      const predicted = [0, left, up, (left + up) >> 1, paeth][filter]!
      raw[y * (stride + 1) + 1 + x] = (pixels[at]! - predicted) & 0xff
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, options.colourType, 0, 0, 0], 8)
  const chunk = (type: string, data: Uint8Array) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    return Buffer.concat([length, Buffer.from(type), data, Buffer.alloc(4)])
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(options.extra ?? []).map(([type, data]) => chunk(type, data)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ])
}

/** The gray values of a fill mask, row-major. */
async function grayOf(png: Uint8Array | null): Promise<number[]> {
  const decoded = png && (await decodePng(png))
  expect(decoded?.channels).toBe(1)
  return [...decoded!.samples]
}

describe('decodePng', () => {
  it('undoes every filter type, row by row', async () => {
    const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37 + 11) & 0xff)
    for (const filter of [0, 1, 2, 3, 4]) {
      const png = handmadePng({
        width: 5,
        height: 4,
        colourType: 2,
        channels: 3,
        pixels,
        filters: [filter, 4, 3],
      })
      expect((await decodePng(png))?.samples).toEqual(pixels)
    }
  })

  it('refuses 16-bit, interlaced, damaged and truncated PNGs', async () => {
    const good = await encodePng(4, 4, new Uint8Array(48))
    expect(await decodePng(good)).toMatchObject({ width: 4, height: 4, channels: 3 })
    const sixteen = good.slice()
    sixteen[24] = 16
    const interlaced = good.slice()
    interlaced[28] = 1
    expect(await decodePng(sixteen)).toBeNull()
    expect(await decodePng(interlaced)).toBeNull()
    const noisy = await encodePng(
      40,
      40,
      Uint8Array.from({ length: 4800 }, (_, i) => i * i),
    )
    expect(await decodePng(noisy.subarray(0, noisy.length / 2))).toBeNull()
    expect(await decodePng(new TextEncoder().encode('not a png at all, clearly'))).toBeNull()
  })

  it('refuses a mask whose header claims more pixels than it may hold', async () => {
    const huge = await encodePng(2, 2, new Uint8Array(12))
    new DataView(huge.buffer).setUint32(16, 100_000)
    expect(await decodePng(huge)).toBeNull()
  })
})

describe('fillMask', () => {
  it('paints transparent pixels white and opaque ones black (RGBA)', async () => {
    // 3x2: transparent, half, opaque on each row.
    const rgba = new Uint8Array([
      ...[9, 9, 9, 0],
      ...[9, 9, 9, 128],
      ...[9, 9, 9, 255],
      ...[0, 0, 0, 0],
      ...[0, 0, 0, 128],
      ...[0, 0, 0, 255],
    ])
    const mask = await fillMask(await encodePng(3, 2, rgba, 4))
    expect(await grayOf(mask)).toEqual([255, 127, 0, 255, 127, 0])
  })

  it('reads gray+alpha and palette transparency, and treats no alpha as keep everything', async () => {
    const grayAlpha = await encodePng(2, 1, new Uint8Array([50, 0, 50, 255]), 2)
    expect(await grayOf(await fillMask(grayAlpha))).toEqual([255, 0])
    const palette = handmadePng({
      width: 3,
      height: 1,
      colourType: 3,
      channels: 1,
      pixels: new Uint8Array([0, 1, 2]),
      filters: [1],
      // Index 2 has no tRNS entry, so it is opaque.
      extra: [
        ['PLTE', new Uint8Array(9)],
        ['tRNS', new Uint8Array([0, 200])],
      ],
    })
    expect(await grayOf(await fillMask(palette))).toEqual([255, 55, 0])
    const opaque = await encodePng(2, 1, new Uint8Array(6))
    expect(await grayOf(await fillMask(opaque))).toEqual([0, 0])
  })

  it('gives null for a mask it cannot read', async () => {
    expect(await fillMask(new Uint8Array(40))).toBeNull()
  })
})
