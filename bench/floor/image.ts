import { randomBytes } from 'node:crypto'
import { constants, type Stats } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { decodeBase64Bytes } from '../../src/bytes/base64.ts'

/**
 * The floor's image work: checking an image is whole, decoding the upstream's base64, storing
 * durably under a fresh key, and serving a stored image as a static file server would.
 */

const dir = join(process.env.DATA_DIR!, 'floor')
await mkdir(dir, { recursive: true })
const folder = await open(dir, 'r')

const IEND = Buffer.from('IEND')

/** `image/jpeg` or `image/png` when the bytes are a whole one (start and end markers), else null. */
export function wholeImageType(image: Uint8Array): 'image/jpeg' | 'image/png' | null {
  const n = image.length
  if (image[0] === 0xff && image[1] === 0xd8 && image[n - 2] === 0xff && image[n - 1] === 0xd9) {
    return 'image/jpeg'
  }
  const png = image[0] === 0x89 && image[1] === 0x50 && image[2] === 0x4e && image[3] === 0x47
  if (png && n > 33 && IEND.equals(image.subarray(n - 8, n - 4))) return 'image/png'
  return null
}

/** A whole PNG's size, from its header; null for anything else. The edit door's input check. */
export function pngSize(image: Buffer): { width: number; height: number } | null {
  if (wholeImageType(image) !== 'image/png') return null
  return { width: image.readUInt32BE(16), height: image.readUInt32BE(20) }
}

/**
 * The decoded image, checked to be whole. Decoded in place by the table decoder the gateway
 * uses: on Node 20, Buffer's decoder needs the text as a string first, and making a 400 KB string
 * costs more than the native decoding saves (measured: about 5% of this floor's CPU per request).
 */
export function decode(base64: Buffer): { bytes: Uint8Array; type: string } {
  const bytes = decodeBase64Bytes(base64)
  if (!bytes) throw new Error('not base64')
  const type = wholeImageType(bytes)
  if (!type) throw new Error('not a whole JPEG or PNG')
  return { bytes, type }
}

/** Stores an image durably under a fresh key; resolves once the rename is on disk. */
export async function store(image: { bytes: Uint8Array; type: string }): Promise<string> {
  const key = randomBytes(16).toString('base64url')
  const temp = join(dir, `.tmp-${key}`)
  const file = await open(temp, 'w')
  try {
    await file.write(image.bytes)
    await file.datasync()
  } finally {
    await file.close()
  }
  await rename(temp, join(dir, `${key}${image.type === 'image/png' ? '.png' : '.jpg'}`))
  await folder.sync()
  return key
}

/** `GET /image/{key}` of a stored JPEG (the door asks for one): one read, sent whole. */
export async function staticFile(key: string, response: ServerResponse): Promise<void> {
  if (!/^[\w-]{22}$/.test(key)) return notFound(response)
  const file = await open(join(dir, `${key}.jpg`), constants.O_RDONLY).catch(() => null)
  if (!file) return notFound(response)
  try {
    const info: Stats = await file.stat()
    const bytes = Buffer.allocUnsafe(info.size)
    await file.read(bytes, 0, info.size, 0)
    response.writeHead(200, {
      'content-type': 'image/jpeg',
      'content-length': info.size,
      etag: `"${key}"`,
      'cache-control': 'public, max-age=3600, immutable',
    })
    response.end(bytes)
  } finally {
    await file.close()
  }
}

export function notFound(response: ServerResponse): void {
  response.writeHead(404).end()
}
