import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/** `GET /?prompt=` on dist/worker.js: KV storage, and both per-IP limiters. */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle()
})
afterAll(async () => {
  await mf?.dispose()
})

const storedKeys = async () =>
  (await (await mf.getKVNamespace('IMAGES')).list()).keys.map((key) => key.name)

/** A direct-API request from `ip`, as Cloudflare's edge reports it. */
function get(url: string, ip: string, headers: Record<string, string> = {}, worker = mf) {
  return worker.dispatchFetch(url, {
    redirect: 'manual',
    headers: { 'CF-Connecting-IP': ip, ...headers },
  })
}

describe('direct image API of dist/worker.js (KV storage)', () => {
  it('redirects to an id, serves the image from KV, and answers 304', async () => {
    const asked = 'https://gw.example/?prompt=a%20red%20fox&size=256x256&optimization=0'
    const first = await get(asked, '198.51.100.1')
    expect(first.status).toBe(302)
    const target = new URL(first.headers.get('location')!, asked)
    const id = target.searchParams.get('id')!
    expect(target.searchParams.get('prompt')).toBe('a red fox')
    expect(await storedKeys()).toContain(id)

    const before = await storedKeys()
    const image = await get(target.href, '198.51.100.1')
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 256, height: 256 })
    const cached = await get(target.href, '198.51.100.1', {
      'If-None-Match': image.headers.get('etag')!,
    })
    expect(cached.status).toBe(304)
    expect(await storedKeys()).toEqual(before)
  })

  it('without RATE_LIMITER, limits one address to 5 generations per 120 s in memory; others and ?id= hits are not affected', async () => {
    const url = 'https://gw.example/?prompt=fox&size=64x64'
    let stored = ''
    for (let i = 0; i < 5; i++) {
      const response = await get(url, '203.0.113.50')
      expect(response.status).toBe(302)
      stored = new URL(response.headers.get('location')!, url).href
    }
    const refused = await get(url, '203.0.113.50')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-error-code')).toBe('rate_limit_exceeded')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(sniffImage(new Uint8Array(await refused.arrayBuffer()))?.contentType).toBe('image/png')

    expect((await get(stored, '203.0.113.50')).status).toBe(200)
    expect((await get('https://gw.example/', '203.0.113.50')).status).toBe(200)
    expect((await get(url, '203.0.113.51')).status).toBe(302)
  })

  it('draws errors as PNG images inside workerd, and JSON when asked', async () => {
    const url = 'https://gw.example/?prompt=fox&size=0x0'
    const image = await get(url, '198.51.100.2')
    expect(image.status).toBe(400)
    expect(image.headers.get('x-error-code')).toBe('invalid_request')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 512, height: 256 })
    const json = await get(url, '198.51.100.2', { Accept: 'application/json' })
    expect(await json.json()).toMatchObject({ error: { code: 'invalid_request', param: 'size' } })
  })

  it('refuses a 20 KB prompt with a 400 and stores nothing', async () => {
    const before = await storedKeys()
    const response = await get(`https://gw.example/?prompt=${'a'.repeat(20_000)}`, '198.51.100.3')
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(await storedKeys()).toEqual(before)
  })
})

describe('direct image API of dist/worker.js with the RATE_LIMITER binding', () => {
  // As wrangler.jsonc binds it: 3 per 60 s, shared by the isolates of a location.
  const ratelimits = { RATE_LIMITER: { simple: { limit: 3, period: 60 } } }

  it('lets the binding decide: the 4th generation from one address is refused', async () => {
    const limited = await startBundle({ ratelimits })
    try {
      const url = 'https://gw.example/?prompt=fox&size=64x64'
      for (let i = 0; i < 3; i++) {
        expect((await get(url, '203.0.113.60', {}, limited)).status).toBe(302)
      }
      const refused = await get(url, '203.0.113.60', { Accept: 'application/json' }, limited)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('60')
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } })
      expect((await get(url, '203.0.113.61', {}, limited)).status).toBe(302)
    } finally {
      await limited.dispose()
    }
  })

  it('is turned off by RATE_LIMIT=0 even when bound', async () => {
    const open = await startBundle({ ratelimits, bindings: { RATE_LIMIT: '0' } })
    try {
      for (let i = 0; i < 4; i++) {
        const response = await get(
          'https://gw.example/?prompt=fox&size=64x64',
          '203.0.113.62',
          {},
          open,
        )
        expect(response.status).toBe(302)
      }
    } finally {
      await open.dispose()
    }
  })
})
