import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { encodePng } from '../../src/image/png.ts'
import { createNodeFetch } from '../../src/runtime/node-fetch.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import {
  type FakeServer,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from '../fakes/server.ts'

/**
 * What an upstream may not make the gateway do, over real HTTP with SiliconFlow's protocol
 * (`POST /v1/images/generations` answering `{images: [{url}], seed}`): hand out a cut-off image,
 * fill memory with a huge reply, send a key or prompt to another host by redirecting, or have a
 * key it quotes back reach the client.
 */

const open: FakeServer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

type Generation = (request: RecordedRequest, response: ServerResponse, origin: string) => void

/** A SiliconFlow-protocol upstream; `generation` answers the POST, `/files/<name>` serves `files`. */
async function upstream(generation: Generation, files: Record<string, Uint8Array> = {}) {
  let origin = ''
  const server = await startFakeServer((request, response) => {
    const name = /^\/files\/([^?]+)/.exec(request.path)?.[1]
    const file = name ? files[name] : undefined
    if (file) {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': file.length })
      response.end(file)
      return
    }
    if (request.method === 'POST' && request.path.startsWith('/v1/images/generations')) {
      generation(request, response, origin)
      return
    }
    sendJson(response, 404, { code: 404, message: 'Not Found', data: null })
  })
  origin = server.url
  open.push(server)
  return server
}

const imageAt =
  (name: string): Generation =>
  (_request, response, origin) =>
    sendJson(response, 200, { images: [{ url: `${origin}/files/${name}` }], seed: 7 })

function gateway(
  providers: object[],
  env: Record<string, string> = {},
  fetch: typeof globalThis.fetch | undefined = undefined,
) {
  const config = loadConfig({
    PROVIDERS: JSON.stringify(providers),
    STORAGE: 'memory',
    RATE_LIMIT: '0',
    ...env,
  })
  const app = createApp({ config, storage: memoryStorage(), log: () => {}, fetch })
  const generate = () =>
    app.request('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red fox', response_format: 'b64_json' }),
    })
  return { app, generate }
}

const siliconflow = (server: FakeServer, key: string, priority = 0) => ({
  type: 'siliconflow',
  keys: [key],
  baseUrl: `${server.url}/v1`,
  priority,
})

type ImagesReply = { data?: { b64_json: string }[]; provider?: string; error?: { message: string } }

describe('whole images only', () => {
  it('fails over from a target that returns a PNG cut before its end', async () => {
    const whole = await encodePng(32, 32, new Uint8Array(32 * 32 * 3).fill(200))
    const cut = whole.subarray(0, whole.length - 12) // everything but the IEND chunk
    const first = await upstream(imageAt('cut.png'), { 'cut.png': cut })
    const second = await upstream(imageAt('whole.png'), { 'whole.png': whole })
    const { generate } = gateway([siliconflow(first, 'key-a', 1), siliconflow(second, 'key-b')])

    const response = await generate()
    const body = (await response.json()) as ImagesReply
    expect(response.status).toBe(200)
    expect(body.provider).toBe('siliconflow-2')
    expect(Buffer.from(body.data![0]!.b64_json, 'base64')).toEqual(Buffer.from(whole))
    expect(first.requests.map((r) => r.path)).toContain('/files/cut.png')
  })

  it('answers an upstream error when the only target returns a cut-off PNG', async () => {
    const whole = await encodePng(8, 8, new Uint8Array(8 * 8 * 3))
    const only = await upstream(imageAt('cut.png'), { 'cut.png': whole.subarray(0, 40) })
    const response = await gateway([siliconflow(only, 'key-a')]).generate()
    expect(response.status).toBe(502)
    const body = (await response.json()) as ImagesReply
    expect(body.error?.message).toContain('the image was cut off (no PNG end)')
  })
})

describe('reply size cap', () => {
  it('fails over from a target whose reply streams past MAX_UPSTREAM_BYTES', async () => {
    const whole = await encodePng(8, 8, new Uint8Array(8 * 8 * 3).fill(9))
    const huge = await upstream(
      (_request, response, origin) => {
        // Chunked, no Content-Length: only counting the bytes can stop it.
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write(`{"images":[{"url":"${origin}/files/whole.png"}],"padding":"`)
        const chunk = 'x'.repeat(1024)
        for (let i = 0; i < 64; i++) response.write(chunk)
        response.end('"}')
      },
      { 'whole.png': whole },
    )
    const fine = await upstream(imageAt('whole.png'), { 'whole.png': whole })
    const { generate } = gateway([siliconflow(huge, 'key-a', 1), siliconflow(fine, 'key-b')], {
      MAX_UPSTREAM_BYTES: '8192',
    })
    const response = await generate()
    expect(response.status).toBe(200)
    expect(((await response.json()) as ImagesReply).provider).toBe('siliconflow-2')
    expect(huge.requests.map((r) => r.path)).not.toContain('/files/whole.png')
  })

  it('refuses a reply whose declared length is over the cap, naming the setting', async () => {
    const big = await upstream((_request, response) =>
      sendJson(response, 200, { images: [], padding: 'x'.repeat(20_000) }),
    )
    const response = await gateway([siliconflow(big, 'key-a')], {
      MAX_UPSTREAM_BYTES: '8192',
    }).generate()
    expect(response.status).toBe(502)
    const body = (await response.json()) as ImagesReply
    expect(body.error?.message).toContain('MAX_UPSTREAM_BYTES')
  })
})

/** A bare server on another loopback address, so it is another origin than 127.0.0.1. */
async function otherOrigin() {
  const received: string[] = []
  const server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`)
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"images":[],"seed":1}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve))
  const { port } = server.address() as AddressInfo
  open.push({
    url: '',
    requests: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
  return { url: `http://127.0.0.2:${port}`, received }
}

// The Node entry's own client and the platform fetch must behave alike.
const nodeFetch = createNodeFetch()
afterAll(() => nodeFetch.close())

describe.each([
  ['the platform fetch', undefined],
  ['the Node client', nodeFetch],
])('redirects of provider calls through %s', (_name, fetch) => {
  it('does not follow a redirect to another origin, so it never sees the key or prompt', async () => {
    const elsewhere = await otherOrigin()
    const redirecting = await upstream((_request, response) => {
      response.writeHead(307, { location: `${elsewhere.url}/v1/images/generations?token=s3cret` })
      response.end()
    })
    const response = await gateway(
      [siliconflow(redirecting, 'sk-redirected-key-123')],
      {},
      fetch,
    ).generate()
    expect(response.status).toBe(502)
    const body = (await response.json()) as ImagesReply
    expect(body.error?.message).toContain(`another origin (${new URL(elsewhere.url).host})`)
    expect(body.error?.message).not.toContain('s3cret')
    expect(elsewhere.received).toEqual([])
  })

  it('follows a same-origin 307 with the method, body and key', async () => {
    const whole = await encodePng(8, 8, new Uint8Array(8 * 8 * 3).fill(50))
    const moved = await upstream(
      (request, response, origin) => {
        if (request.path === '/v1/images/generations') {
          response.writeHead(307, { location: '/v1/images/generations?moved=1' })
          response.end()
          return
        }
        imageAt('whole.png')(request, response, origin)
      },
      { 'whole.png': whole },
    )
    const response = await gateway([siliconflow(moved, 'key-a')], {}, fetch).generate()
    expect(response.status).toBe(200)
    const second = moved.requests[1]!
    expect(second.method).toBe('POST')
    expect(second.path).toBe('/v1/images/generations?moved=1')
    expect(second.headers.authorization).toBe('Bearer key-a')
    expect(JSON.parse(second.body.toString()).prompt).toBe('a red fox')
  })
})

describe('secrets quoted back by an upstream', () => {
  it('masks any 8+ character piece of any configured secret, for the client and /v1/status', async () => {
    const providerKey = 'fluxgate-provider-key-0123456789abcdef'
    const clientKey = 'fluxgate-client-key-fedcba9876543210'
    const echo = await upstream((_request, response) =>
      sendJson(response, 401, {
        code: 20007,
        message: `Invalid key ${providerKey.slice(0, 20)}; caller ${clientKey.slice(5, 17)}`,
        data: null,
      }),
    )
    const { app } = gateway([siliconflow(echo, providerKey)], { API_KEYS: clientKey })
    const response = await app.request('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
      body: JSON.stringify({ prompt: 'a red fox', response_format: 'b64_json' }),
    })
    const reply = await response.text()
    expect(response.status).toBe(502)
    expect(reply).toContain('Invalid key ***; caller ***')
    const status = await app.request('/v1/status', {
      headers: { authorization: `Bearer ${clientKey}` },
    })
    const statusText = await status.text()
    expect(status.status).toBe(200)
    expect(statusText).toContain('Invalid key ***')
    for (const text of [reply, statusText]) {
      expect(text).not.toContain(providerKey.slice(0, 20))
      expect(text).not.toContain(clientKey.slice(5, 17))
    }
  })
})
