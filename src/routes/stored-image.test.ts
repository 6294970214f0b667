import { describe, expect, it } from 'vitest'
import { readBody, testClock, testMeta } from '../../test/contracts/storage.ts'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { encodePng } from '../image/png.ts'
import { isImageKey } from '../storage/keys.ts'
import { memoryStorage } from '../storage/memory.ts'
import type { ImageStore } from '../storage/types.ts'

const KEY = 'Abc_def-0123456789ghij'
const JPEG = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0,
  0, 17, 8, 0, 3, 0, 2, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9,
])

/** Storage that records every key get() is asked for, optionally handing bodies out as streams. */
function recording(store: ImageStore, options: { stream?: boolean } = {}) {
  const keys: string[] = []
  const wrapped: ImageStore = {
    ...store,
    async get(key) {
      keys.push(key)
      const image = await store.get(key)
      if (!image || !options.stream || image.body instanceof ReadableStream) return image
      // Three-byte chunks: the route must gather enough of the head to sniff the type.
      const bytes = image.body
      let offset = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close()
          controller.enqueue(bytes.slice(offset, offset + 3))
          offset += 3
        },
      })
      return { ...image, body }
    },
  }
  return { store: wrapped, keys }
}

async function setup(options: { stream?: boolean; ttlMs?: number } = {}) {
  const clock = testClock(1_700_000_000_000)
  const memory = memoryStorage({ now: clock.now })
  const png = await encodePng(4, 2, new Uint8Array(24).fill(90))
  // The stored label is wrong on purpose: the bytes decide the type.
  await memory.put(
    KEY,
    png,
    testMeta(clock.now(), options.ttlMs ?? 1_800_000, { contentType: 'application/octet-stream' }),
  )
  const { store, keys } = recording(memory, options)
  const app = createApp({
    config: loadConfig({ API_KEY: 'client-key' }),
    storage: store,
    now: clock.now,
    log: () => {},
  })
  return { app, clock, png, memory, keys }
}

describe('GET /image/{key}', () => {
  it.each([
    false,
    true,
  ])('sends the bytes with their sniffed type, length, ETag and cache lifetime (stream: %s)', async (stream) => {
    const { app, png } = await setup({ stream })
    const response = await app.request(`/image/${KEY}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(response.headers.get('content-length')).toBe(String(png.length))
    expect(response.headers.get('etag')).toBe(`"${KEY}"`)
    expect(response.headers.get('cache-control')).toBe('public, max-age=1800, immutable')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png)
  })

  it('labels a JPEG as image/jpeg whatever the metadata says', async () => {
    const { app, memory, clock } = await setup()
    const key = 'jpegjpegjpegjpegjpegjpeg'
    await memory.put(key, JPEG, testMeta(clock.now(), 60_000, { contentType: 'image/png' }))
    const response = await app.request(`/image/${key}`)
    expect(response.headers.get('content-type')).toBe('image/jpeg')
  })

  it('never promises a cache lifetime longer than the image has left', async () => {
    const { app, clock } = await setup()
    clock.advance(1_000_500)
    const response = await app.request(`/image/${KEY}`)
    expect(response.headers.get('cache-control')).toBe('public, max-age=799, immutable')
  })

  it('answers HEAD with the headers and no body', async () => {
    const { app, png } = await setup({ stream: true })
    const response = await app.request(`/image/${KEY}`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(response.headers.get('content-length')).toBe(String(png.length))
    expect(response.headers.get('etag')).toBe(`"${KEY}"`)
    expect(await response.text()).toBe('')
  })

  it.each([
    `"${KEY}"`,
    `W/"${KEY}"`,
    `"other", "${KEY}"`,
    '*',
  ])('answers If-None-Match: %s with 304 and no body', async (tag) => {
    const { app } = await setup({ stream: true })
    const response = await app.request(`/image/${KEY}`, { headers: { 'If-None-Match': tag } })
    expect(response.status).toBe(304)
    expect(response.headers.get('etag')).toBe(`"${KEY}"`)
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/)
    expect(await response.text()).toBe('')
  })

  it('sends the image again when If-None-Match names another version', async () => {
    const { app } = await setup()
    const response = await app.request(`/image/${KEY}`, { headers: { 'If-None-Match': '"nope"' } })
    expect(response.status).toBe(200)
  })

  it.each([
    ['unknown', '/image/ZZZZZZZZZZZZZZZZZZZZZZ'],
    ['too short', '/image/abc'],
    ['with a file extension', `/image/${KEY}.png`],
  ])('answers an %s key with 404 in the error shape', async (_, path) => {
    const { app } = await setup()
    const response = await app.request(path)
    expect(response.status).toBe(404)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining('expired'),
        type: 'invalid_request_error',
        code: 'image_not_found',
        param: null,
      },
    })
  })

  it('answers 404 once the image has expired', async () => {
    const { app, clock } = await setup({ ttlMs: 60_000 })
    expect((await app.request(`/image/${KEY}`)).status).toBe(200)
    clock.advance(60_000)
    const response = await app.request(`/image/${KEY}`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'image_not_found' } })
  })

  it('answers 404 when the runtime has no storage', async () => {
    const app = createApp({ config: loadConfig({}), storage: null, log: () => {} })
    expect((await app.request(`/image/${KEY}`)).status).toBe(404)
  })

  it('never hands a driver a key that could name a path', async () => {
    const { app, keys } = await setup()
    const attempts = [
      '/image/..%2f..%2fetc%2fpasswd',
      '/image/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/image/%2e%2e',
      '/image/..',
      '/image/../../etc/passwd',
      '/image/%252e%252e%252fetc',
      `/image/${'A'.repeat(5000)}`,
      '/image/AAAAAAAAAAAAAAAAAAAAA.A',
      '/image/AAAAAAAAAAAAAAAAAAAA..',
      '/image/AAAAAAAAAAAAAAAAAAAAAA%00',
      '/image/AAAAAAAAAAAAAAAAAAAAAA%2f',
      '/image/AAAAAAAAAAAAAAAAAAAAAA%5c..',
    ]
    for (const path of attempts) {
      const response = await app.request(path)
      // `/image/..` and `/image/%2e%2e` are dot segments: URL parsing turns them into `/`
      // (the welcome page) before routing. Everything else must be a plain 404.
      if (new URL(path, 'http://localhost').pathname === '/') {
        expect(response.headers.get('content-type'), path).toMatch(/^text\/html/)
      } else {
        expect(response.status, path).toBe(404)
        expect(response.headers.get('content-type'), path).toMatch(/^application\/json/)
      }
    }
    expect(keys).toEqual([])
    // A well-formed key does reach the driver: the recording wrapper is in the path.
    await app.request('/image/ZZZZZZZZZZZZZZZZZZZZZZ')
    expect(keys).toEqual(['ZZZZZZZZZZZZZZZZZZZZZZ'])
    expect(keys.every(isImageKey)).toBe(true)
  })

  it('leaves the stored image intact after serving it', async () => {
    const { app, memory, png } = await setup()
    await app.request(`/image/${KEY}`)
    expect(await readBody((await memory.get(KEY))!.body)).toEqual(png)
  })
})
