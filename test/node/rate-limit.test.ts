import { readdir } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NEXTCHAT_TITLE } from '../../src/chat/__fixtures__/client-wordings.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

let gateway: RunningGateway | undefined
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
})

/** One direct-API generation, as seen from `ip` when it is given (X-Forwarded-For). */
function generate(ip?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers)
  // The client forges a first entry; the trusted proxy appends the address it saw.
  if (ip) headers.set('X-Forwarded-For', `10.0.0.1, ${ip}`)
  return fetch(`${gateway!.url}/?prompt=fox&size=64x64`, { ...init, headers, redirect: 'manual' })
}

/** The status of one direct-API generation sent from the loopback address `from`. */
function statusFrom(from: string): Promise<number> {
  return new Promise((done, fail) => {
    const url = new URL(`${gateway!.url}/?prompt=fox&size=64x64`)
    request(url, { localAddress: from, agent: false }, (response) => {
      response.resume()
      done(response.statusCode!)
    })
      .on('error', fail)
      .end()
  })
}

describe('per-IP rate limit on the direct API (Node)', () => {
  it('refuses the 6th generation within 120 s by default with a 429 image and Retry-After', async () => {
    gateway = await startGateway()
    for (let i = 0; i < 5; i++) expect((await generate()).status).toBe(302)
    const refused = await generate()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-error-code')).toBe('rate_limit_exceeded')
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(100)
    expect(retryAfter).toBeLessThanOrEqual(120)
    expect(refused.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await refused.arrayBuffer())
    expect(sniffImage(bytes)).toMatchObject({ contentType: 'image/png', width: 512 })

    const json = await generate(undefined, { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(429)
    expect(json.headers.get('retry-after')).toBeTruthy()
    expect(await json.json()).toMatchObject({
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    })
  })

  it('counts each forwarded address apart when TRUST_PROXY is on', async () => {
    gateway = await startGateway({ TRUST_PROXY: 'true', RATE_LIMIT: '2/120s' })
    expect((await generate('203.0.113.1')).status).toBe(302)
    expect((await generate('203.0.113.1')).status).toBe(302)
    expect((await generate('203.0.113.1')).status).toBe(429)
    expect((await generate('203.0.113.2')).status).toBe(302)
    expect((await generate('203.0.113.2')).status).toBe(302)
  })

  it('ignores X-Forwarded-For without TRUST_PROXY, so a client cannot dodge the limit', async () => {
    gateway = await startGateway({ RATE_LIMIT: '2/120s' })
    expect((await generate('203.0.113.1')).status).toBe(302)
    expect((await generate('203.0.113.2')).status).toBe(302)
    expect((await generate('203.0.113.3')).status).toBe(429)
  })

  it('counts each connecting address apart, read from the connection', async () => {
    gateway = await startGateway({ RATE_LIMIT: '1/120s' })
    expect(await statusFrom('127.0.0.1')).toBe(302)
    expect(await statusFrom('127.0.0.1')).toBe(429)
    // A second address on the loopback interface: an unread address would share the first's count.
    expect(await statusFrom('127.0.0.2')).toBe(302)
  })

  it('does not count ?id= hits, the welcome page, /image/ or /gui/', async () => {
    gateway = await startGateway({ RATE_LIMIT: '2/120s' })
    const first = await generate()
    expect(first.status).toBe(302)
    const stored = new URL(first.headers.get('location')!, gateway.url)
    const id = stored.searchParams.get('id')!
    for (let i = 0; i < 5; i++) {
      expect((await fetch(stored)).status).toBe(200)
      expect((await fetch(`${gateway.url}/image/${id}`)).status).toBe(200)
      expect((await fetch(`${gateway.url}/`)).status).toBe(200)
      await (await fetch(`${gateway.url}/gui/`)).arrayBuffer()
    }
    expect((await generate()).status).toBe(302)
    expect((await generate()).status).toBe(429)
  })

  it('is off with RATE_LIMIT=0', async () => {
    gateway = await startGateway({ RATE_LIMIT: '0' })
    for (let i = 0; i < 8; i++) expect((await generate()).status).toBe(302)
  })
})

/** One POST to a /v1 door, as JSON. */
function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gateway!.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}
const imagesBody = { prompt: 'fox', size: '64x64', response_format: 'url' }
const chatBody = (content: string, stream = false) => ({
  messages: [{ role: 'user', content }],
  stream,
})

describe('per-IP rate limit on every generation door of an open gateway (Node)', () => {
  it('counts the Images API, chat and the direct URL against one limit', async () => {
    gateway = await startGateway({ RATE_LIMIT: '4/120s' })
    expect((await post('/v1/images/generations', imagesBody)).status).toBe(200)
    expect((await post('/v1/chat/completions', chatBody('a fox 1:1'))).status).toBe(200)
    expect((await post('/images/generations', imagesBody)).status).toBe(200)
    expect((await generate()).status).toBe(302)
    for (const refused of [
      await post('/v1/images/generations', imagesBody),
      await post('/v1/chat/completions', chatBody('a fox 1:1')),
      await post('/v1/chat/completions', chatBody('a fox 1:1', true)),
    ]) {
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(100)
      expect(await refused.json()).toMatchObject({
        error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
      })
    }
    expect((await generate()).status).toBe(429)
    // Four images drawn, none for the refused requests.
    const names = await readdir(join(gateway.dataDir, 'images'))
    expect(names.filter((name) => !name.startsWith('.tmp-'))).toHaveLength(4)
  })

  it('does not count chat housekeeping, bad input or an unknown Images model', async () => {
    gateway = await startGateway({ RATE_LIMIT: '1/120s' })
    const title = {
      messages: [
        { role: 'user', content: 'a lighthouse at night' },
        { role: 'assistant', content: '![a lighthouse](http://x/image/k)' },
        { role: 'user', content: NEXTCHAT_TITLE },
      ],
    }
    for (let i = 0; i < 3; i++) {
      expect((await post('/v1/chat/completions', title)).status).toBe(200)
      expect((await post('/v1/images/generations', { size: '64x64' })).status).toBe(400)
      expect((await post('/v1/images/generations', { ...imagesBody, model: 'nope' })).status).toBe(
        404,
      )
    }
    expect((await post('/v1/images/generations', imagesBody)).status).toBe(200)
    expect((await post('/v1/images/generations', imagesBody)).status).toBe(429)
  })

  it('leaves key holders unlimited', async () => {
    gateway = await startGateway({ RATE_LIMIT: '1/120s', API_KEY: 'client-key-1' })
    const auth = { Authorization: 'Bearer client-key-1' }
    for (let i = 0; i < 3; i++) {
      expect((await post('/v1/images/generations', imagesBody, auth)).status).toBe(200)
      expect((await post('/v1/chat/completions', chatBody('a fox'), auth)).status).toBe(200)
    }
  })
})
