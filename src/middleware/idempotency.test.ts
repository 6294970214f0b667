import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { encodePng } from '../image/png.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { drawingModel } from '../pool/testing.ts'
import type { CallContext, ImageProvider } from '../providers/types.ts'
import { lightResponseBody } from '../runtime/node-body-init.ts'
import { withNodeBody } from '../runtime/node-request.ts'
import { memoryStorage } from '../storage/memory.ts'

/**
 * The idempotency middleware behind @hono/node-server, as the Node entry serves it, with and
 * without the entry's `bodyInit` (a whole reply recorded from the body it was made with, rather
 * than read back out of the response): both answer and replay alike. The upstream is a provider
 * that counts its calls and keeps the signal each ran on.
 */

const png = await encodePng(8, 8, new Uint8Array(8 * 8 * 3).fill(90))

function gateway(withBodyInit: boolean) {
  const calls: { prompt: string; signal: AbortSignal }[] = []
  /** Replies recorded from the body they were made with. */
  const fromInit = { count: 0 }
  let hold: Promise<void> | undefined
  const provider: ImageProvider = {
    type: 'fake',
    name: 'fake',
    models: [drawingModel('plain')],
    generate: async (request, context: CallContext) => {
      calls.push({ prompt: request.prompt, signal: context.signal })
      await hold
      return { images: [{ bytes: png }] }
    },
  }
  const entry = { type: 'fake', keys: [], priority: 0, weight: 1, options: {} }
  const app = createApp({
    config: loadConfig({ RATE_LIMIT: '0', PUBLIC_URL: 'http://gateway.test' }),
    storage: memoryStorage(),
    catalogue: new Catalogue([{ provider, entry }]),
    log: () => {},
    ...(withBodyInit && {
      bodyInit: (response: Response) => {
        const body = lightResponseBody(response)
        if (body !== undefined) fromInit.count++
        return body
      },
    }),
  })
  const server = serve({
    fetch: (request, bindings) => app.fetch(withNodeBody(request, bindings), bindings),
    port: 0,
    hostname: '127.0.0.1',
  })
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = (
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ) =>
    fetch(`${url()}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal,
    })
  const close = () => new Promise<void>((done) => server.close(() => done()))
  const holdUpstream = () => {
    let release!: () => void
    hold = new Promise((resolve) => (release = resolve))
    return () => {
      hold = undefined
      release()
    }
  }
  return { calls, fromInit, post, close, holdUpstream, withBodyInit }
}

const sdk = (retry: number) => ({ 'x-stainless-retry-count': String(retry) })
const chat = (content: string) =>
  JSON.stringify({ model: 'plain', messages: [{ role: 'user', content }] })

/** What a reply says, less what belongs to one request or its framing (a replay is streamed). */
const PER_REPLY = /^(?:date|x-request-id|connection|keep-alive|content-length|transfer-encoding)$/

async function answerOf(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !PER_REPLY.test(name)),
  )
  return { status: response.status, headers, body: await response.text() }
}

/** Until `condition` holds, checked on each turn of the event loop. */
async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

const servers = [gateway(true), gateway(false)]
afterAll(() => Promise.all(servers.map((server) => server.close())))

describe.each([
  ['recorded from the body it was made with', servers[0]!],
  ['recorded by reading the response', servers[1]!],
])('a whole JSON reply %s', (_, server) => {
  it('goes out whole, with its length, and an SDK retry replays the same bytes', async () => {
    const body = chat('a fox at dawn')
    const taken = server.fromInit.count
    const first = await server.post(body, sdk(0))
    expect(server.fromInit.count - taken).toBe(server.withBodyInit ? 1 : 0)
    const before = server.calls.length
    const again = await server.post(body, sdk(1))
    expect(first.headers.get('transfer-encoding')).toBeNull()
    const length = Number(first.headers.get('content-length'))
    const [a, b] = [await answerOf(first), await answerOf(again)]
    expect(a.status).toBe(200)
    expect(length).toBe(Buffer.byteLength(a.body))
    expect(a.body).toMatch(/http:\/\/gateway\.test\/image\//)
    expect(b).toEqual({ ...a, headers: { ...a.headers, 'idempotent-replayed': 'true' } })
    expect(server.calls.length).toBe(before)
  })

  it('replays a refusal the client is told not to retry, as it was sent', async () => {
    const body = JSON.stringify({ model: 'plain', messages: [] })
    const first = await answerOf(await server.post(body, sdk(0)))
    const again = await answerOf(await server.post(body, sdk(1)))
    expect(first.status).toBe(400)
    expect(first.headers['x-should-retry']).toBe('false')
    expect(again).toEqual({
      ...first,
      headers: { ...first.headers, 'idempotent-replayed': 'true' },
    })
  })

  it('decodes the body it read as the handler would have: BOM dropped, bad bytes replaced', async () => {
    const [head, tail] = chat('a fox \u0001').split('\\u0001')
    const encode = (text: string) => [...new TextEncoder().encode(text)]
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(head!), 0xff, ...encode(tail!)])
    const decoded = JSON.parse(await new Response(bytes).text()).messages[0].content
    expect(decoded).toBe('a fox \ufffd')
    const response = await server.post(bytes, sdk(0))
    expect(response.status).toBe(200)
    expect(server.calls.at(-1)?.prompt).toContain(decoded)
  })
})

describe.each([
  ['with bodyInit', servers[0]!],
  ['without', servers[1]!],
])('the signal the work runs on (%s)', (_, server) => {
  it('is not the client’s for an SDK request: its retry joins the run the client left', async () => {
    const release = server.holdUpstream()
    const body = chat('a patient heron')
    const leaving = new AbortController()
    const first = server.post(body, sdk(0), leaving.signal).catch((error: unknown) => error)
    const before = server.calls.length
    await until(() => server.calls.length > before)
    leaving.abort()
    expect(await first).toBeInstanceOf(Error)
    const retry = server.post(body, sdk(1))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.calls.at(-1)!.signal.aborted).toBe(false)
    release()
    const answer = await retry
    expect(answer.status).toBe(200)
    expect(answer.headers.get('idempotent-replayed')).toBe('true')
    expect(server.calls.length).toBe(before + 1)
  })

  it('is the client’s without a key or retry count: leaving aborts the work', async () => {
    const release = server.holdUpstream()
    const leaving = new AbortController()
    const first = server.post(chat('a heron, alone'), {}, leaving.signal).catch((e: unknown) => e)
    const before = server.calls.length
    await until(() => server.calls.length > before)
    const { signal } = server.calls.at(-1)!
    leaving.abort()
    await first
    await until(() => signal.aborted)
    release()
    expect(signal.aborted).toBe(true)
  })
})
