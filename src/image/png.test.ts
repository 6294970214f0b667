import { describe, expect, it } from 'vitest'
import { encodePng } from './png.ts'
import { sniffImage } from './sniff.ts'

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Inflates the IDAT stream back to the filtered scanlines, to check the pixels survived. */
async function scanlines(png: Uint8Array): Promise<Uint8Array> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const parts: Uint8Array[] = []
  for (let offset = 8; offset < png.length; ) {
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8))
    if (type === 'IDAT') parts.push(png.subarray(offset + 8, offset + 8 + length))
    offset += 12 + length
  }
  const stream = new Blob(parts as Uint8Array<ArrayBuffer>[])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('encodePng', () => {
  it('writes a PNG that sniffs back as image/png with its size', async () => {
    const png = await encodePng(37, 11, new Uint8Array(37 * 11 * 3))
    expect([...png.subarray(0, 8)]).toEqual(SIGNATURE)
    expect(sniffImage(png)).toEqual({ contentType: 'image/png', width: 37, height: 11 })
    expect(String.fromCharCode(...png.subarray(-8, -4))).toBe('IEND')
  })

  it('stores every pixel: each row is filter byte 0 then the RGB bytes', async () => {
    const [width, height] = [5, 3]
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7) & 0xff)
    const raw = await scanlines(await encodePng(width, height, rgb))
    expect(raw.length).toBe((width * 3 + 1) * height)
    for (let y = 0; y < height; y++) {
      const row = raw.subarray(y * (width * 3 + 1), (y + 1) * (width * 3 + 1))
      expect(row[0]).toBe(0)
      expect([...row.subarray(1)]).toEqual([...rgb.subarray(y * width * 3, (y + 1) * width * 3)])
    }
  })

  it('writes correct chunk CRCs (checked against a table-free CRC-32)', async () => {
    const png = await encodePng(2, 2, new Uint8Array(12).fill(200))
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
    for (let offset = 8; offset < png.length; ) {
      const length = view.getUint32(offset)
      const crc = view.getUint32(offset + 8 + length)
      expect(crc).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)))
      offset += 12 + length
    }
  })
})

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}
