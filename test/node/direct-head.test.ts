import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Link unfurlers (chat apps, social sites) send HEAD to an image URL before deciding to show
 * it. A HEAD on the direct image URL must say "this is an image" without drawing one.
 */

let upstream: FakeSiliconflow
let gateway: RunningGateway | undefined
beforeAll(async () => {
  upstream = await startFakeSiliconflow()
})
afterAll(() => upstream.close())
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
})

const start = (env: Record<string, string> = {}) =>
  startGateway({ IMAGE_API_KEYS: 'good', SILICONFLOW_API_BASE: upstream.baseUrl, ...env })

const head = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway!.url}${path}`, { method: 'HEAD', headers, redirect: 'manual' })

describe('HEAD on the direct image URL', () => {
  it('answers as an image without an upstream call or a count against the limit', async () => {
    gateway = await start({ RATE_LIMIT: '1/120s' })
    const before = upstream.callsFor('good')
    for (let i = 0; i < 5; i++) {
      const response = await head('/?prompt=a%20red%20fox&size=512x512')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^image\//)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.text()).toBe('')
    }
    expect(upstream.callsFor('good')).toBe(before)
    // The limit is untouched: the one GET allowed still draws.
    const get = await fetch(`${gateway.url}/?prompt=a%20red%20fox&size=512x512`, {
      redirect: 'manual',
    })
    expect(get.status).toBe(302)
    expect(upstream.callsFor('good')).toBe(before + 1)

    // The stored image's own headers for `?id=`.
    const stored = await head(`/${get.headers.get('location')}`)
    expect(stored.status).toBe(200)
    expect(stored.headers.get('content-type')).toBe('image/png')
    expect(Number(stored.headers.get('content-length'))).toBeGreaterThan(0)
    expect(upstream.callsFor('good')).toBe(before + 1)
  })

  it('still refuses what a GET would refuse, without drawing', async () => {
    gateway = await start({ API_KEY: 'client-key-1' })
    const before = upstream.callsFor('good')
    expect((await head('/?prompt=fox')).status).toBe(401)
    expect((await head('/?prompt=fox&key=client-key-1&size=axb')).status).toBe(400)
    expect((await head('/?prompt=fox&key=client-key-1&model=nope')).status).toBe(404)
    expect((await head('/?prompt=fox&key=client-key-1')).status).toBe(200)
    expect(upstream.callsFor('good')).toBe(before)
  })
})
