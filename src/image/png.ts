import { concatBytes } from '../bytes/concat.ts'

/**
 * A minimal PNG encoder (8-bit gray, gray+alpha, RGB or RGBA; no filtering). Compression uses the Web-standard
 * CompressionStream, whose 'deflate' format is exactly the zlib stream PNG's IDAT wants, so it
 * runs unchanged on Workers and Node without a dependency.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length))
  return out
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** PNG colour types by samples per pixel: gray, gray+alpha, RGB, RGBA. */
const COLOUR_TYPES = [0, 0, 4, 2, 6]

/**
 * Encodes `pixels` (width * height * channels bytes, row-major) as a PNG file; `channels` is 1
 * (gray), 2 (gray+alpha), 3 (RGB, the default) or 4 (RGBA).
 */
export async function encodePng(
  width: number,
  height: number,
  pixels: Uint8Array,
  channels: 1 | 2 | 3 | 4 = 3,
): Promise<Uint8Array> {
  const stride = width * channels
  const raw = new Uint8Array((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    // Filter type 0 (None) leads each row; the stripes and flat fills we draw compress well anyway.
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  }
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  // Bit depth 8, the colour type, deflate, no filter, no interlace.
  header.set([8, COLOUR_TYPES[channels]!, 0, 0, 0], 8)
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', await deflate(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]
  return concatBytes(parts)
}
