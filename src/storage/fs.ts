import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { isImageKey } from './keys.ts'
import { decodeMeta } from './meta.ts'
import type { ImageMeta, ImageStore } from './types.ts'

/**
 * Images as files under `<dataDir>/images` (Node only; the embedded default). Each file is one
 * record: a 4-byte header length, the metadata JSON, then the image bytes, so a single rename
 * publishes both at once. Writes go to a temp file first: a crash mid-write leaves only a temp
 * file, which readers never see and the sweeper removes.
 */
export async function fsStorage(options: {
  dataDir: string
  now?: () => number
  /** How often expired files are deleted; default 60 s. */
  sweepIntervalMs?: number
}): Promise<ImageStore> {
  const now = options.now ?? Date.now
  const dir = join(options.dataDir, 'images')
  await mkdir(dir, { recursive: true })
  const pathOf = (key: string) => {
    // Callers validate too; this is the last line against a key that names a path.
    if (!isImageKey(key)) throw new Error('invalid image key')
    return join(dir, `${key}.img`)
  }

  async function readHeader(path: string) {
    const handle = await open(path, 'r').catch(() => null)
    if (!handle) return null
    try {
      const lengthBytes = new Uint8Array(4)
      await handle.read(lengthBytes, 0, 4, 0)
      const length = new DataView(lengthBytes.buffer).getUint32(0)
      const { size } = await handle.stat()
      if (length === 0 || 4 + length > size) throw new Error('corrupt')
      const headerBytes = new Uint8Array(length)
      await handle.read(headerBytes, 0, length, 4)
      const meta = decodeMeta(new TextDecoder().decode(headerBytes))
      if (!meta) throw new Error('corrupt')
      return { handle, meta, offset: 4 + length, size: size - 4 - length }
    } catch {
      await handle.close()
      return null
    }
  }

  async function sweep() {
    const time = now()
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name)
      if (name.startsWith('.tmp-')) {
        // Left by a crash; anything this old is not a write in progress.
        const info = await stat(path).catch(() => null)
        if (info && time - info.mtimeMs > 3_600_000) await rm(path, { force: true })
        continue
      }
      const record = await readHeader(path)
      if (!record) continue
      await record.handle.close()
      if (record.meta.expiresAt <= time) await rm(path, { force: true })
    }
  }
  const timer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 60_000)
  timer.unref()

  return {
    kind: 'fs',
    async get(key) {
      const path = pathOf(key)
      const record = await readHeader(path)
      if (!record) return null
      if (record.meta.expiresAt <= now()) {
        await record.handle.close()
        await rm(path, { force: true })
        return null
      }
      // Stream from the handle already open, so a concurrent delete cannot cut the read short.
      const stream = createReadStream('', {
        fd: record.handle,
        start: record.offset,
        autoClose: true,
      })
      return {
        meta: record.meta,
        size: record.size,
        body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
      }
    },
    async put(key, bytes, meta: ImageMeta) {
      const header = new TextEncoder().encode(JSON.stringify(meta))
      const record = new Uint8Array(4 + header.length + bytes.length)
      new DataView(record.buffer).setUint32(0, header.length)
      record.set(header, 4)
      record.set(bytes, 4 + header.length)
      const temp = join(dir, `.tmp-${key}-${crypto.randomUUID()}`)
      await writeFile(temp, record)
      await rename(temp, pathOf(key))
    },
    async delete(key) {
      await rm(pathOf(key), { force: true })
    },
    async close() {
      clearInterval(timer)
    },
  }
}
