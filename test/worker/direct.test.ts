import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'

const images = () => (env as unknown as { IMAGES: KVNamespace }).IMAGES
const storedKeys = async () => (await images().list()).keys.map((key) => key.name)

/** A direct-API request from `ip`, as Cloudflare's edge reports it. */
function get(url: string, ip: string, headers: Record<string, string> = {}) {
  return SELF.fetch(url, { redirect: 'manual', headers: { 'CF-Connecting-IP': ip, ...headers } })
}

describe('direct image API inside workerd (KV storage)', () => {
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

  it('limits one address to 5 generations per 120 s; others and ?id= hits are not affected', async () => {
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
