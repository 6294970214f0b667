import { createReadStream } from 'node:fs'
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { isImageKey } from './keys.ts'
import { decodeMeta } from './meta.ts'
import type { ImageMeta, ImageStore } from './types.ts'

/** Writes every part in order; a short writev (full disk, a signal) writes the rest as well. */
async function writeAll(handle: FileHandle, parts: Uint8Array[]): Promise<void> {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0)
  let written = (await handle.writev(parts)).bytesWritten
  if (written === total) return
  const rest = Buffer.concat(parts)
  while (written < total) written += (await handle.write(rest, written)).bytesWritten
}

/** Temp files older than this are leftovers of a crash, not writes in progress. */
const STALE_TEMP_MS = 3_600_000

export type FsStorageOptions = {
  /** Images go in `<dataDir>/images`, created if missing. */
  dataDir: string
  now?: () => number
  /** How often expired files, corrupt records and stale temp files are deleted; default 60 s. */
  sweepIntervalMs?: number
}

/** The fs store, with its sweep exposed so tests need not wait for the timer. */
export type FsImageStore = ImageStore & { sweep(): Promise<void>; close(): Promise<void> }

type FileRecord = { handle: FileHandle; meta: ImageMeta; offset: number; size: number }

/**
 * Images as files under `<dataDir>/images` (Node only; the embedded default). Each file is one
 * record: a 4-byte header length, a JSON header (image size and metadata), then the image
 * bytes, so a single rename publishes both at once. Writes go to a temp file first: a crash
 * mid-write leaves only a temp file, which readers never see and the sweeper removes; a record
 * whose length disagrees with its header (a torn write after power loss) is treated as absent.
 */
export async function fsStorage(options: FsStorageOptions): Promise<FsImageStore> {
  const now = options.now ?? Date.now
  const dir = join(options.dataDir, 'images')
  await mkdir(dir, { recursive: true })
  // Keys are validated before they become a path, so no key can name a file outside `dir`.
  const pathOf = (key: string) => join(dir, `${key}.img`)

  async function readRecord(path: string): Promise<FileRecord | null> {
    const handle = await open(path, 'r').catch(() => null)
    if (!handle) return null
    try {
      const { size } = await handle.stat()
      const lengthBytes = new Uint8Array(4)
      await handle.read(lengthBytes, 0, 4, 0)
      const length = new DataView(lengthBytes.buffer).getUint32(0)
      if (size < 4 || length === 0 || 4 + length > size) throw new Error('corrupt')
      const headerBytes = new Uint8Array(length)
      await handle.read(headerBytes, 0, length, 4)
      const header = JSON.parse(new TextDecoder().decode(headerBytes)) as {
        size?: unknown
        meta?: unknown
      }
      const meta = decodeMeta(header.meta)
      if (!meta || header.size !== size - 4 - length) throw new Error('corrupt')
      return { handle, meta, offset: 4 + length, size: header.size }
    } catch {
      await handle.close()
      return null
    }
  }

  let sweeping: Promise<void> | undefined
  async function sweepOnce() {
    const time = now()
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name)
      if (name.startsWith('.tmp-')) {
        const info = await stat(path).catch(() => null)
        if (info && time - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true })
        continue
      }
      if (!name.endsWith('.img')) continue
      const record = await readRecord(path)
      // Records appear only by rename, complete; one that does not parse never will.
      if (!record) await rm(path, { force: true })
      else {
        await record.handle.close()
        if (record.meta.expiresAt <= time) await rm(path, { force: true })
      }
    }
  }
  // One sweep at a time: a slow disk must not pile sweeps up behind the timer.
  const sweep = () =>
    (sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined
    }))
  const timer = setInterval(() => void sweep().catch(() => {}), options.sweepIntervalMs ?? 60_000)
  timer.unref()

  return {
    kind: 'fs',
    sweep,
    async get(key) {
      if (!isImageKey(key)) return null
      const record = await readRecord(pathOf(key))
      if (!record) return null
      // Expired files are left to the sweeper: deleting here could race a fresh put of the key.
      if (record.meta.expiresAt <= now()) {
        await record.handle.close()
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
      if (!isImageKey(key)) throw new Error('[fs storage] invalid image key')
      const header = new TextEncoder().encode(JSON.stringify({ size: bytes.length, meta }))
      // Length and header in one small buffer, the image bytes as they are: one writev, rather
      // than copying a 300 KB image into a fresh record buffer first.
      const head = new Uint8Array(4 + header.length)
      new DataView(head.buffer).setUint32(0, header.length)
      head.set(header, 4)
      const temp = join(dir, `.tmp-${key}-${crypto.randomUUID()}`)
      try {
        const handle = await open(temp, 'w')
        try {
          await writeAll(handle, [head, bytes])
        } finally {
          await handle.close()
        }
        await rename(temp, pathOf(key))
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
    },
    async delete(key) {
      if (isImageKey(key)) await rm(pathOf(key), { force: true })
    },
    async close() {
      clearInterval(timer)
      await sweeping?.catch(() => {})
    },
  }
}
