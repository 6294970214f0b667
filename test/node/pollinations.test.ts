import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'
import { type FakeTogether, startFakeTogether } from '../fakes/together.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Pollinations' image URLs over real HTTP against the Node entry, drawn by a fake Together AI on
 * 127.0.0.1 that counts every call and shades every image it draws differently.
 */

const CLIENT_KEY = 'pollinations-client-key'
const UPSTREAM_KEY = 'tgp_v1_good-key-000'

let upstream: FakeTogether
let gateway: RunningGateway

const providers = (fake: FakeTogether) =>
  JSON.stringify([{ type: 'together', keys: [UPSTREAM_KEY], baseUrl: fake.baseUrl }])

beforeAll(async () => {
  upstream = await startFakeTogether()
  gateway = await startGateway({
    API_KEY: CLIENT_KEY,
    PROVIDERS: providers(upstream),
    IMAGE_EXPIRATION: '600',
  })
})
afterAll(async () => {
  await gateway.close()
  await upstream.close()
})

const calls = () => upstream.bodies().length
const get = (path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}${path}`, { redirect: 'manual', ...init })
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

async function expectErrorImage(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('image/png')
  expect(response.headers.get('x-error-code')).toBe(code)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(sniffImage(await bytesOf(response))).toMatchObject({ width: 512, height: 256 })
}

describe('Pollinations image URLs (Node, fake Together AI)', () => {
  it('draws a URL without a seed as seed 42, then serves the same bytes from the store', async () => {
    const path = `/prompt/a%20red%20fox?width=256&height=256&nologo=true&key=${CLIENT_KEY}`
    const before = calls()
    const first = await get(path)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('image/png')
    expect(first.headers.get('x-cache')).toBe('MISS')
    const maxAge = Number(
      /^public, max-age=(\d+), immutable$/.exec(first.headers.get('cache-control') ?? '')?.[1],
    )
    expect(maxAge).toBeGreaterThan(500)
    expect(maxAge).toBeLessThanOrEqual(600)
    const bytes = await bytesOf(first)
    expect(first.headers.get('content-length')).toBe(String(bytes.length))
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 256, height: 256 })
    expect(calls()).toBe(before + 1)
    expect(upstream.bodies().at(-1)).toMatchObject({ prompt: 'a red fox', seed: 42 })

    const again = await get(path)
    expect(again.status).toBe(200)
    expect(again.headers.get('x-cache')).toBe('HIT')
    expect(await bytesOf(again)).toEqual(bytes)
    expect(calls()).toBe(before + 1)

    const etag = again.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]{22,64}"$/)
    const revalidated = await get(path, { headers: { 'If-None-Match': etag } })
    expect(revalidated.status).toBe(304)
    expect(calls()).toBe(before + 1)
  })

  it('draws a new image for every request with seed=-1, and lets nothing cache it', async () => {
    const path = `/prompt/a%20blue%20bird?width=128&height=128&seed=-1&key=${CLIENT_KEY}`
    const before = calls()
    const first = await get(path)
    const second = await get(path)
    for (const response of [first, second]) {
      expect(response.status).toBe(200)
      expect(response.headers.get('x-cache')).toBe('MISS')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('etag')).toBeNull()
    }
    expect(await bytesOf(first)).not.toEqual(await bytesOf(second))
    expect(calls()).toBe(before + 2)
  })

  it('reads the prompt from /p/ too, with encoded slashes and question marks and + as a space', async () => {
    const response = await get(`/p/half%2Fhalf%3F+a+fox/cat?seed=7&width=512&token=${CLIENT_KEY}`)
    expect(response.status).toBe(200)
    // A missing side is Pollinations' 1024.
    expect(upstream.bodies().at(-1)).toMatchObject({
      prompt: 'half/half? a fox/cat',
      seed: 7,
      width: 512,
      height: 1024,
    })
  })

  it('takes the client key as key=, token= or a bearer, and refuses anything else', async () => {
    const path = '/prompt/a%20green%20frog?width=64&height=64&seed=3'
    for (const init of [
      { query: `&key=${CLIENT_KEY}` },
      { query: `&token=${CLIENT_KEY}` },
      { query: '', headers: { Authorization: `Bearer ${CLIENT_KEY}` } },
    ]) {
      const response = await get(`${path}${init.query}`, { headers: init.headers })
      expect(response.status, init.query).toBe(200)
    }
    const before = calls()
    await expectErrorImage(await get(path), 401, 'invalid_api_key')
    await expectErrorImage(await get(`${path}&token=wrong`), 401, 'invalid_api_key')
    const bearer = await get(path, { headers: { Authorization: 'Bearer wrong' } })
    await expectErrorImage(bearer, 401, 'invalid_api_key')
    expect(calls()).toBe(before)
    const logged = JSON.stringify(gateway.logs)
    expect(logged).not.toContain(CLIENT_KEY)
    expect(logged).not.toContain('green')
  })

  it('refuses a bad width with a 400 before any upstream call, as an image or as JSON', async () => {
    const before = calls()
    const path = `/prompt/fox?width=12&key=${CLIENT_KEY}`
    await expectErrorImage(await get(path), 400, 'invalid_request')
    const json = await get(path, { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(400)
    expect(json.headers.get('x-should-retry')).toBe('false')
    expect(await json.json()).toEqual({
      error: {
        message: 'width must be a whole number from 64 to 4096.',
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: 'width',
      },
    })
    await expectErrorImage(
      await get(`/prompt/fox?enhance=maybe&key=${CLIENT_KEY}`),
      400,
      'invalid_request',
    )
    await expectErrorImage(
      await get(`/prompt/fox?model=nope&key=${CLIENT_KEY}`),
      404,
      'model_not_found',
    )
    expect(calls()).toBe(before)
  })

  it('answers HEAD without drawing, and refuses a bad one the same way', async () => {
    const before = calls()
    const head = await get(`/prompt/an%20owl?key=${CLIENT_KEY}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('image/*')
    const bad = await get(`/prompt/an%20owl?height=99999&key=${CLIENT_KEY}`, { method: 'HEAD' })
    expect(bad.status).toBe(400)
    expect((await get('/prompt/an%20owl', { method: 'HEAD' })).status).toBe(401)
    expect(calls()).toBe(before)
  })

  it("lists model names at /models, Pollinations' shape, and OpenAI's list with a key", async () => {
    const names = await get('/models')
    expect(names.status).toBe(200)
    const listed = await get('/models', { headers: { Authorization: `Bearer ${CLIENT_KEY}` } })
    const { object, data } = (await listed.json()) as { object: string; data: { id: string }[] }
    expect(object).toBe('list')
    expect(data.length).toBeGreaterThan(1)
    expect(await names.json()).toEqual(data.map(({ id }) => id))
  })

  // Last: the target then cools down for 20 s.
  it("passes on the upstream's rate limit as a 503 image with its Retry-After", async () => {
    upstream.mode('rate-limited')
    try {
      const response = await get(`/prompt/a%20slow%20snail?seed=-1&key=${CLIENT_KEY}`)
      expect(response.headers.get('retry-after')).toBe('20')
      await expectErrorImage(response, 503, 'all_targets_cooling_down')
    } finally {
      upstream.mode('ok')
    }
  })
})

describe('Pollinations reference images', () => {
  it('refuses references for a model that cannot take them, before any upstream call', async () => {
    const before = calls()
    const url = encodeURIComponent('https://images.example/cat.png')
    // Named: without a model, an edit runs on the first listed model that edits (Kontext here).
    const response = await get(
      `/prompt/make%20it%20blue?image=${url}&model=flux-schnell&key=${CLIENT_KEY}`,
    )
    await expectErrorImage(response, 400, 'unsupported_parameter')
    expect(calls()).toBe(before)
  })

  it("edits from the gateway's own links, each image folded into the fixed seed's cache", async () => {
    const demo = await startGateway({ RATE_LIMIT: '0' })
    try {
      const drawn = await fetch(`${demo.url}/prompt/a%20red%20fox?width=96&height=72`)
      const own = `${demo.url}/image/${drawn.headers.get('etag')!.replaceAll('"', '')}`
      const other = await fetch(`${demo.url}/prompt/a%20red%20fox?width=96&height=72&seed=2`)
      const second = `${demo.url}/image/${other.headers.get('etag')!.replaceAll('"', '')}`
      const edit = (list: string) =>
        fetch(`${demo.url}/prompt/make%20it%20blue?image=${encodeURIComponent(list)}`)
      const first = await edit(own)
      expect(first.status).toBe(200)
      expect(first.headers.get('x-cache')).toBe('MISS')
      // The edit keeps its input's 4:3 shape.
      const bytes = new Uint8Array(await first.arrayBuffer())
      const { width, height } = sniffImage(bytes)!
      expect(width / height).toBeCloseTo(4 / 3, 1)
      const again = await edit(own)
      expect(again.headers.get('x-cache')).toBe('HIT')
      expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes)
      for (const list of [`${own}|${second}`, `${own},${second}`]) {
        const both = await edit(list)
        expect(both.status, list).toBe(200)
        expect(both.headers.get('etag')).not.toBe(first.headers.get('etag'))
      }
      const missing = await edit(`${demo.url}/image/${'A'.repeat(22)}`)
      await expectErrorImage(missing, 400, 'invalid_image')
    } finally {
      await demo.close()
    }
  })
})

describe('Pollinations image URLs on a public gateway', () => {
  it('counts anonymous generations per address and answers 429 with Retry-After', async () => {
    const open = await startGateway({ PROVIDERS: providers(upstream), RATE_LIMIT: '2/60s' })
    try {
      const path = (n: number) => `${open.url}/prompt/fox%20${n}?width=64&height=64`
      expect((await fetch(path(1))).status).toBe(200)
      expect((await fetch(path(2), { method: 'HEAD' })).status).toBe(200)
      expect((await fetch(path(3))).status).toBe(200)
      const refused = await fetch(path(4))
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      await expectErrorImage(refused, 429, 'rate_limit_exceeded')
    } finally {
      await open.close()
    }
  })
})
