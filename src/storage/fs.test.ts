import {
  open as fsOpen,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import {
  describeStorageContract,
  firstDifference,
  randomBytes,
  readBody,
  testClock,
  testMeta,
} from '../../test/contracts/storage.ts'
import { type FsImageStore, fsStorage, sharedSync } from './fs.ts'
import { newImageKey } from './keys.ts'

const dirs: string[] = []
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'fluxgate-fs-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describeStorageContract('fs', async ({ now }) => fsStorage({ dataDir: await tempDir(), now }))

describe('fs storage', () => {
  let store: FsImageStore | undefined
  afterEach(async () => {
    await store?.close()
    store = undefined
  })
  async function open(options: { sweepIntervalMs?: number } = {}) {
    const dataDir = await tempDir()
    const clock = testClock()
    store = await fsStorage({ dataDir, now: clock.now, ...options })
    return { store, clock, dataDir, images: join(dataDir, 'images') }
  }

  it('writes one record file per image and leaves no temp file behind', async () => {
    const { store, clock, images } = await open()
    const key = newImageKey()
    await store.put(key, randomBytes(100), testMeta(clock.now()))
    expect(await readdir(images)).toEqual([`${key}.img`])
  })

  it('writes many images at once, each whole, with fewer folder syncs than images', async () => {
    const { store, clock, images } = await open()
    const folder = await fsOpen(images, 'r')
    const sync = vi.spyOn(Object.getPrototypeOf(folder), 'sync')
    await folder.close()
    try {
      const entries = Array.from(
        { length: 16 },
        (_, i) => [newImageKey(), randomBytes(5000 + i)] as const,
      )
      await Promise.all(entries.map(([key, bytes]) => store.put(key, bytes, testMeta(clock.now()))))
      for (const [key, bytes] of entries) {
        expect(await readBody((await store.get(key))!.body)).toEqual(bytes)
      }
      expect(sync.mock.calls.length).toBeGreaterThan(0)
      expect(sync.mock.calls.length).toBeLessThan(entries.length)
    } finally {
      sync.mockRestore()
    }
  })

  it('never shows a half-written image: a crash leaves a temp file and no record', async () => {
    const { store, images } = await open()
    const key = newImageKey()
    // What a crash between the temp write and the rename leaves on disk.
    await writeFile(join(images, `.tmp-${key}-${crypto.randomUUID()}`), randomBytes(500))
    expect(await store.get(key)).toBeNull()
  })

  it('treats a truncated or corrupt record as absent, without throwing', async () => {
    const { store, clock, images } = await open()
    const cut = newImageKey()
    await store.put(cut, randomBytes(10_000), testMeta(clock.now()))
    await truncate(join(images, `${cut}.img`), 5_000) // torn write after power loss
    expect(await store.get(cut)).toBeNull()

    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['garbage', randomBytes(300)],
      ['header length past the end', Uint8Array.from([0, 0, 0xff, 0xff, 1, 2, 3])],
      ['header not JSON', Uint8Array.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b, 9, 9])],
      ['header without metadata', withHeader({ size: 2 }, [1, 2])],
      ['size disagrees', withHeader({ size: 9, meta: testMeta(clock.now()) }, [1, 2])],
    ]
    for (const [label, bytes] of cases) {
      const key = newImageKey()
      await writeFile(join(images, `${key}.img`), bytes)
      await expect(store.get(key), label).resolves.toBeNull()
    }
  })

  it('reads an image of up to 4 MiB whole, and streams a larger one', async () => {
    const { store, clock } = await open()
    const [small, large] = [newImageKey(), newImageKey()]
    await store.put(small, randomBytes(300_000), testMeta(clock.now()))
    await store.put(large, randomBytes(5_000_000), testMeta(clock.now()))
    const whole = await store.get(small)
    expect(whole?.body).toBeInstanceOf(Uint8Array)
    expect(whole?.body).toHaveLength(300_000)
    const streamed = await store.get(large)
    expect(streamed?.body).toBeInstanceOf(ReadableStream)
    expect(await readBody(streamed!.body)).toHaveLength(5_000_000)
  })

  it('finishes streaming an image deleted while it is being read', async () => {
    const { store, clock } = await open()
    const key = newImageKey()
    // Past the size read whole, so this one streams.
    const bytes = randomBytes(5_000_000)
    await store.put(key, bytes, testMeta(clock.now()))
    const image = await store.get(key)
    await store.delete(key)
    expect(await store.get(key)).toBeNull()
    expect(firstDifference(await readBody(image!.body), bytes)).toBe(-1)
  })

  it('sweeps expired records, corrupt records and stale temp files, and keeps the rest', async () => {
    const { store, clock, images } = await open()
    const [expired, live, corrupt] = [newImageKey(), newImageKey(), newImageKey()]
    await store.put(expired, randomBytes(10), testMeta(clock.now(), 1_000))
    await store.put(live, randomBytes(10), testMeta(clock.now(), 3_600_000))
    await writeFile(join(images, `${corrupt}.img`), randomBytes(50))
    const staleTemp = `.tmp-${newImageKey()}-old`
    const freshTemp = `.tmp-${newImageKey()}-new`
    await writeFile(join(images, staleTemp), randomBytes(10))
    await writeFile(join(images, freshTemp), randomBytes(10))
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000)
    await utimes(join(images, staleTemp), twoHoursAgo, twoHoursAgo)
    await writeFile(join(images, 'README'), 'not ours')

    clock.advance(2_000)
    await store.sweep()
    expect((await readdir(images)).sort()).toEqual([freshTemp, `${live}.img`, 'README'].sort())
    expect(await store.get(live)).not.toBeNull()
  })

  it('removes temp files left by a crash as it opens, before serving anything', async () => {
    const dataDir = await tempDir()
    const images = join(dataDir, 'images')
    await mkdir(images)
    const leftover = join(images, `.tmp-${newImageKey()}-${crypto.randomUUID()}`)
    await writeFile(leftover, randomBytes(1_000))
    // Written two minutes ago: no write takes that long, so nothing is writing it any more.
    const twoMinutesAgo = new Date(Date.now() - 120_000)
    await utimes(leftover, twoMinutesAgo, twoMinutesAgo)
    store = await fsStorage({ dataDir, sweepIntervalMs: 3_600_000 })
    expect(await readdir(images)).toEqual([])
  })

  it('lists the images it holds with their expiry, leaving out expired and corrupt ones', async () => {
    const { store, clock, images } = await open()
    const [live, expired, corrupt] = [newImageKey(), newImageKey(), newImageKey()]
    await store.put(live, randomBytes(10), testMeta(clock.now(), 60_000))
    await store.put(expired, randomBytes(10), testMeta(clock.now(), 1_000))
    await writeFile(join(images, `${corrupt}.img`), randomBytes(50))
    await writeFile(join(images, `.tmp-${newImageKey()}-x`), randomBytes(50))
    const expiresAt = clock.now() + 60_000
    clock.advance(1_000)
    expect(await store.entries()).toEqual([{ key: live, expiresAt }])
  })

  it('sweeps on its own timer', async () => {
    const { store, clock, images } = await open({ sweepIntervalMs: 20 })
    const key = newImageKey()
    await store.put(key, randomBytes(10), testMeta(clock.now(), 1_000))
    clock.advance(1_000)
    await vi.waitFor(async () => expect(await readdir(images)).toEqual([]), { timeout: 2_000 })
  })

  it('rejects keys that could name a path, and writes nothing outside its folder', async () => {
    const { store, clock, dataDir, images } = await open()
    const secret = join(dataDir, 'secret.img')
    await writeFile(secret, withHeader({ size: 1, meta: testMeta(clock.now()) }, [7]))
    const bad = [
      '../secret',
      'x/../../escaped',
      '../../etc/passwd',
      '..',
      '.',
      '',
      'a/b',
      'a\\b',
      'x'.repeat(5000),
    ]
    for (const key of bad) {
      expect(await store.get(key), key).toBeNull()
      await expect(store.put(key, randomBytes(5), testMeta(clock.now())), key).rejects.toThrow(
        /invalid image key/,
      )
      await store.delete(key)
    }
    expect(await readdir(images)).toEqual([])
    expect((await readdir(dataDir)).sort()).toEqual(['images', 'secret.img'])
    expect((await stat(secret)).size).toBeGreaterThan(0)
    expect(await readFile(secret)).toBeTruthy()
  })
})

describe('sharedSync', () => {
  /** A sync whose runs the test finishes by hand, recording when each began. */
  function manualSync() {
    const runs: { began: number; finish: (error?: Error) => void }[] = []
    let clock = 0
    const sync = () =>
      new Promise<void>((resolve, reject) => {
        runs.push({ began: clock++, finish: (error) => (error ? reject(error) : resolve()) })
      })
    return { runs, sync, tick: () => clock++ }
  }

  it('runs at once when idle, and makes callers during a run share the next one', async () => {
    const { runs, sync, tick } = manualSync()
    const shared = sharedSync(sync)
    const first = shared()
    expect(runs).toHaveLength(1)
    const calledAt = tick()
    const [second, third] = [shared(), shared()]
    expect(runs).toHaveLength(1) // the run going may have begun before their renames
    runs[0]!.finish()
    await first
    await new Promise((resolve) => setImmediate(resolve))
    expect(runs).toHaveLength(2)
    expect(runs[1]!.began).toBeGreaterThan(calledAt)
    runs[1]!.finish()
    await Promise.all([second, third])
    expect(runs).toHaveLength(2)
  })

  it('gives every caller of a failed run its error, and starts afresh after it', async () => {
    const { runs, sync } = manualSync()
    const shared = sharedSync(sync)
    const [a, b] = [shared(), shared()]
    runs[0]!.finish(new Error('EIO'))
    await expect(a).rejects.toThrow('EIO')
    await new Promise((resolve) => setImmediate(resolve))
    runs[1]!.finish(new Error('EIO again'))
    await expect(b).rejects.toThrow('EIO again')
    const c = shared()
    runs[2]!.finish()
    await expect(c).resolves.toBeUndefined()
  })
})

/** A record file in the driver's layout, for writing damaged ones by hand. */
function withHeader(header: unknown, body: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(4 + json.length + body.length)
  new DataView(out.buffer).setUint32(0, json.length)
  out.set(json, 4)
  out.set(body, 4 + json.length)
  return out
}
