import { randomFillSync } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'

/**
 * A real, decodable RGB PNG of `width` x `height` whose file is about `size` bytes: the first
 * `size` bytes of its pixel data are noise, which deflate cannot shrink, the rest is black, which
 * it all but removes. The benchmarks' FLUX.2 output and the edit door's input image.
 */
export function makePng(width: number, height: number, size: number): Buffer {
  const stride = width * 3 + 1
  const raw = Buffer.alloc(stride * height)
  randomFillSync(raw, 0, Math.min(size, raw.length))
  // Each row's first byte is its filter type: 0, none.
  for (let row = 0; row < raw.length; row += stride) raw[row] = 0
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}
