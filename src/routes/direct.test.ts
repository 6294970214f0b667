import { describe, expect, it } from 'vitest'
import { type AppDeps, createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { sniffImage } from '../image/sniff.ts'
import { MAX_PROMPT_CHARS } from '../request/fields.ts'
import { memoryStorage } from '../storage/memory.ts'
import type { ImageStore } from '../storage/types.ts'
import { withImageId } from './direct.ts'

const quiet = () => {}

/** An app on a clock the test moves, with the store and the gateway sharing it. */
function setup(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}) {
  let time = Date.UTC(2026, 0, 1)
  const now = () => time
  const storage = memoryStorage({ now })
  const puts: string[] = []
  const counted: ImageStore = {
    ...storage,
    put: (key, bytes, meta) => {
      puts.push(key)
      return storage.put(key, bytes, meta)
    },
  }
  const app = createApp({
    config: loadConfig({ RATE_LIMIT: '0', ...env }),
    storage: counted,
    log: quiet,
    now,
    ...deps,
  })
  return { app, puts, advance: (ms: number) => (time += ms) }
}

const idOf = (location: string | null) =>
  new URL(location ?? '', 'http://gw/').searchParams.get('id')

describe('direct image API (in process)', () => {
  it('redirects to an id, serves it, and draws it again once it expired', async () => {
    const { app, puts, advance } = setup({ IMAGE_EXPIRATION: '60' })
    // Unseeded: a new drawing gets a new id (a seeded one keeps its content address).
    const first = await app.request('/?prompt=a%20red%20fox&size=256x256')
    expect(first.status).toBe(302)
    const location = first.headers.get('location')!
    expect(location).toBe(`?prompt=a%20red%20fox&size=256x256&id=${puts[0]}`)

    const stored = await app.request(`/${location}`)
    expect(stored.status).toBe(200)
    expect(stored.headers.get('cache-control')).toBe('public, max-age=60, immutable')
    expect(puts).toHaveLength(1)

    advance(61_000)
    const again = await app.request(`/${location}`)
    expect(again.status).toBe(302)
    expect(puts).toHaveLength(2)
    const newId = idOf(again.headers.get('location'))
    expect(newId).toBe(puts[1])
    expect(newId).not.toBe(puts[0])
    // The old id was replaced, not repeated.
    expect(again.headers.get('location')!.match(/(^|&|\?)id=/g)).toHaveLength(1)
  })

  it('answers 404 for an expired id when the URL has no prompt to draw again', async () => {
    const { app } = setup()
    const response = await app.request('/?id=AAAAAAAAAAAAAAAAAAAAAA', {
      headers: { Accept: 'application/json' },
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'image_not_found' } })
  })

  it('returns the bytes themselves when there is no storage', async () => {
    const app = createApp({ config: loadConfig({ RATE_LIMIT: '0' }), storage: null, log: quiet })
    const response = await app.request('/?prompt=fox&size=320x192')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    const info = sniffImage(new Uint8Array(await response.arrayBuffer()))
    expect(info).toEqual({ contentType: 'image/png', width: 320, height: 192 })
  })

  it(`refuses a prompt over ${MAX_PROMPT_CHARS} characters before generating`, async () => {
    const { app, puts } = setup()
    const response = await app.request(`/?prompt=${'a'.repeat(20_000)}`)
    expect(response.status).toBe(400)
    expect(response.headers.get('x-error-code')).toBe('string_above_max_length')
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(puts).toHaveLength(0)
  })

  it('hands plain GET / and unrelated parameters to the welcome page', async () => {
    const { app } = setup({ API_KEY: 'k1' })
    for (const path of ['/', '/?utm_source=x', '/?key=k1']) {
      const response = await app.request(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type'), path).toContain('text/html')
    }
  })

  it('accepts the key as ?key= or a bearer header, and key holders skip the limit', async () => {
    const { app } = setup({ API_KEY: 'secret-key', RATE_LIMIT: '1/60s' })
    expect((await app.request('/?prompt=fox')).status).toBe(401)
    expect((await app.request('/?prompt=fox&key=wrong')).status).toBe(401)
    for (let i = 0; i < 3; i++) {
      const response = await app.request('/?prompt=fox&key=secret-key')
      expect(response.status).toBe(302)
      // The key is not copied into the redirect, where history, proxies and Referer would see it.
      expect(response.headers.get('location')).toMatch(/^\?prompt=fox&id=/)
      expect(response.headers.get('location')).not.toContain('secret-key')
    }
    const bearer = await app.request('/?prompt=fox', {
      headers: { Authorization: 'Bearer secret-key' },
    })
    expect(bearer.status).toBe(302)
    // A header key is never copied into the URL.
    expect(bearer.headers.get('location')).not.toContain('secret-key')
  })

  it('fails closed when DIRECT_API_ACCESS=key but no client key is configured', async () => {
    const { app, puts } = setup({ DIRECT_API_ACCESS: 'key' })
    expect((await app.request('/?prompt=fox&key=anything')).status).toBe(401)
    expect(puts).toHaveLength(0)
  })

  it('exempts key holders from the limit when access is explicitly public', async () => {
    const { app } = setup({ API_KEY: 'k', DIRECT_API_ACCESS: 'public', RATE_LIMIT: '1/60s' })
    expect((await app.request('/?prompt=fox')).status).toBe(302)
    expect((await app.request('/?prompt=fox')).status).toBe(429)
    expect((await app.request('/?prompt=fox&key=k')).status).toBe(302)
  })

  it('does not count a request for an unknown model against the limit', async () => {
    const { app } = setup({ RATE_LIMIT: '1/60s' })
    expect((await app.request('/?prompt=fox&model=nope')).status).toBe(404)
    expect((await app.request('/?prompt=fox')).status).toBe(302)
  })

  it('draws the asked size, deterministically for a seed, with steps and negative', async () => {
    const { app } = setup()
    const first = await app.request('/?prompt=fox&size=200x120&seed=42&steps=8&negative=blur')
    const second = await app.request('/?prompt=fox&size=200x120&seed=42&steps=8&negative=blur')
    const bytes = async (response: Response) =>
      new Uint8Array(
        await (await app.request(`/${response.headers.get('location')}`)).arrayBuffer(),
      )
    const [a, b] = [await bytes(first), await bytes(second)]
    // The demo model draws at the fitted size (multiples of 8) and is deterministic per seed.
    expect(sniffImage(a)).toMatchObject({ width: 200, height: 120 })
    expect(a).toEqual(b)
  })
})

describe('withImageId', () => {
  it('keeps every parameter as written and replaces any id', () => {
    expect(withImageId('?prompt=a+b&id=OLD&size=1x1', 'NEW')).toBe('?prompt=a+b&size=1x1&id=NEW')
    expect(withImageId('?prompt=%E7%8C%AB&%69d=OLD', 'NEW')).toBe('?prompt=%E7%8C%AB&id=NEW')
  })

  it('drops key and token, however they are spelled', () => {
    expect(withImageId('?key=s1&prompt=fox&token=s2&%6Bey=s3&size=1x1', 'NEW')).toBe(
      '?prompt=fox&size=1x1&id=NEW',
    )
  })
})
