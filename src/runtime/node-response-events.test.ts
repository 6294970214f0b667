import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Socket } from 'node:net'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventResponse } from '../http/event-response.ts'
import { events, JsonParts, SSE_HEADERS } from '../http/event-stream.ts'
import { lazyEventResponse, takeEvents } from './node-event-body.ts'
import { closeNodeEntry, listenAsNodeEntry } from './node-request-testing.ts'
import {
  chunksOf,
  closeServer,
  countEventWebStreams,
  exchange,
  listen,
} from './node-response-testing.ts'

/** The Node entry writing an event stream's events itself (writeEvents), without a web stream. */

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  return Promise.all([closeServer(), closeNodeEntry()])
})

const encoder = new TextEncoder()
const IMAGE = ['{"b64_json":"', 'QUJD', '"}'].map((text) => encoder.encode(text))
const BODY =
  'data: {"role":"assistant"}\n\ndata: {"content":"東京"}\n\n' +
  'event: image\ndata: {"b64_json":"QUJD"}\n\ndata: [DONE]\n\n'

/** What the test sees of a stream: its onClose calls and the signal its generation ran on. */
type Seen = { closes: number; signal?: AbortSignal }

/**
 * Routes whose middleware sets headers after the route, as the app's edge does. Each stream
 * sends a chat's first two events at once (`/late`: none), then, once `second` resolves, an
 * image's parts and `[DONE]`. `/read`'s body is read by a middleware, as the idempotency
 * recording reads it; `/web` is the web-stream path.
 */
function eventsApp(second: Promise<void>, seen: Seen) {
  const app = new Hono()
  app.use(async (c, next) => {
    await next()
    // Before the headers, as the idempotency recording reads it inside the app's edge.
    if (c.req.path === '/read') c.res = new Response(c.res.body, c.res)
    // As the app's edge adds its headers to a response the route made (cors.ts).
    c.res.headers.set('X-Request-Id', 'req-1')
    c.res.headers.append('Set-Cookie', 'a=1')
    // Hono makes a response anew, its body read, for a header set on it this way.
    if (c.req.path === '/header') c.header('X-Late', '1')
  })
  const stream = (late: boolean) =>
    events(
      { signal: new AbortController().signal, onClose: () => seen.closes++ },
      async (send, signal) => {
        seen.signal = signal
        if (!late) send({ role: 'assistant' })
        if (!late) send({ content: '東京' })
        await second
        send(new JsonParts(IMAGE), 'image')
        send('[DONE]')
      },
    )
  app.get('/two', () => eventResponse(stream(false), lazyEventResponse))
  app.get('/late', () => eventResponse(stream(true), lazyEventResponse))
  app.get('/read', () => eventResponse(stream(false), lazyEventResponse))
  app.get('/header', () => eventResponse(stream(false), lazyEventResponse))
  app.get('/web', () => eventResponse(stream(false)))
  return app
}

/** The server's socket writes from here on, not the client's. */
function countServerWrites() {
  const writes = vi.spyOn(
    Socket.prototype as unknown as { _writeGeneric: () => void },
    '_writeGeneric',
  )
  return () =>
    writes.mock.contexts.filter((socket) => Reflect.get(socket as object, 'server')).length
}

describe('writeEvents', () => {
  it('writes the events without a web stream: headers and first events, then the rest', async () => {
    let release = () => {}
    const seen: Seen = { closes: 0 }
    const port = await listen(eventsApp(new Promise((resolve) => (release = resolve)), seen))
    const webStreams = countEventWebStreams()
    const serverWrites = countServerWrites()
    // node:http rather than fetch, whose reply body is a web stream of its own.
    const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: string }>(
      (resolve) =>
        httpRequest(`http://127.0.0.1:${port}/two`, (incoming) => {
          const chunks: Buffer[] = []
          incoming.on('data', (chunk: Buffer) => {
            chunks.push(chunk)
            release()
          })
          incoming.on('end', () =>
            resolve({ headers: incoming.headers, body: Buffer.concat(chunks).toString() }),
          )
        }).end(),
    )
    expect(headers['content-type']).toBe(SSE_HEADERS['Content-Type'])
    expect(headers['x-accel-buffering']).toBe('no')
    // Set by middleware after the route made its Response: kept.
    expect(headers['x-request-id']).toBe('req-1')
    expect(headers['set-cookie']).toEqual(['a=1'])
    expect(body).toBe(BODY)
    expect(serverWrites()).toBe(2)
    expect(webStreams.made).toBe(0)
    expect(seen.closes).toBe(1)
  })

  it('sends what the web-stream path sends, chunk for chunk', async () => {
    const port = await listen(eventsApp(Promise.resolve(), { closes: 0 }))
    const direct = chunksOf(await exchange(port, 'GET /two HTTP/1.1'))
    const web = chunksOf(await exchange(port, 'GET /web HTTP/1.1'))
    const read = chunksOf(await exchange(port, 'GET /read HTTP/1.1'))
    const header = chunksOf(await exchange(port, 'GET /header HTTP/1.1'))
    expect(direct).toEqual(web)
    expect(read).toEqual(web)
    expect(header.slice(1)).toEqual(web.slice(1))
    expect(header[0]).toContain('\r\nx-late: 1\r\n')
    expect(direct.slice(1).join('')).toBe(Buffer.from(BODY).toString('latin1'))
  })

  it('sends the headers alone when the first event is not ready', async () => {
    let release = () => {}
    const port = await listen(
      eventsApp(new Promise((resolve) => (release = resolve)), { closes: 0 }),
    )
    // Resolves on the headers, which arrive while the stream has sent nothing.
    const response = await fetch(`http://127.0.0.1:${port}/late`)
    expect(response.status).toBe(200)
    release()
    expect(await response.text()).toBe(
      'event: image\ndata: {"b64_json":"QUJD"}\n\ndata: [DONE]\n\n',
    )
  })

  for (const path of ['/two', '/read', '/header']) {
    it(`aborts the generation when the client leaves, and closes the stream once: ${path}`, async () => {
      const seen: Seen = { closes: 0 }
      const port = await listen(eventsApp(new Promise(() => {}), seen))
      const aborted = new Promise<void>((resolve) => {
        const client = httpRequest(`http://127.0.0.1:${port}${path}`, (incoming) => {
          incoming.once('data', () => {
            seen.signal!.addEventListener('abort', () => resolve())
            client.destroy()
          })
        })
        client.on('error', () => {})
        client.end()
      })
      await aborted
      expect(seen.signal!.aborted).toBe(true)
      // A turn for a stream cancelled while read (`/read`) to throw, should it.
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(seen.closes).toBe(1)
    })
  }

  it('leaves the events of a response whose body was read', async () => {
    const app = eventsApp(Promise.resolve(), { closes: 0 })
    const response = await app.request('/two')
    expect(await response.text()).toBe(BODY)
    expect(takeEvents(response)).toBeUndefined()
  })

  it('leaves a lazy body the entry did not take to the adapter (HTTP/2): the same events', async () => {
    // Served without sendEventStream, as the entry serves a response it does not take.
    const { url } = await listenAsNodeEntry(eventsApp(Promise.resolve(), { closes: 0 }))
    const response = await fetch(`${url}/two`)
    expect(response.headers.get('content-type')).toBe(SSE_HEADERS['Content-Type'])
    expect(await response.text()).toBe(BODY)
  })
})
