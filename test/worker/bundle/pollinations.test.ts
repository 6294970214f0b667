import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/** Pollinations' `GET /prompt/{prompt}` on dist/worker.js: KV storage, the demo provider. */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle({ bindings: { IMAGE_EXPIRATION: '300' } })
})
afterAll(async () => {
  await mf?.dispose()
})

const get = (path: string, ip = '198.51.100.7') =>
  mf.dispatchFetch(`https://gw.example${path}`, { headers: { 'CF-Connecting-IP': ip } })

describe("Pollinations' image URL on dist/worker.js", () => {
  it('answers the image itself, then the same bytes from KV as a HIT', async () => {
    const path = '/prompt/a%20lighthouse%2Fat%20dusk?width=256&height=128&nologo=true'
    const first = await get(path)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-cache')).toBe('MISS')
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=(299|300), immutable$/)
    const bytes = new Uint8Array(await first.arrayBuffer())
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 256, height: 128 })
    const key = first.headers.get('etag')!.replaceAll('"', '')
    const stored = await (await mf.getKVNamespace('IMAGES')).list()
    expect(stored.keys.map(({ name }) => name)).toContain(key)

    const again = await get(path)
    expect(again.headers.get('x-cache')).toBe('HIT')
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes)
    const random = await get('/p/a%20lighthouse?width=64&height=64&seed=-1')
    expect(random.headers.get('cache-control')).toBe('no-store')
    await random.arrayBuffer()
  })

  it('draws a bad width as an error image, and lists model names at /models', async () => {
    const bad = await get('/prompt/fox?width=1')
    expect(bad.status).toBe(400)
    expect(bad.headers.get('x-error-code')).toBe('invalid_request')
    expect(sniffImage(new Uint8Array(await bad.arrayBuffer()))?.contentType).toBe('image/png')
    expect(await (await get('/models')).json()).toEqual(['demo'])
  })
})
