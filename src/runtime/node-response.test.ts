import { request as httpRequest } from 'node:http'
import { type AddressInfo, Socket } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SSE_HEADERS } from '../http/event-stream.ts'
import { sendEventStream } from './node-response.ts'

type Server = ReturnType<typeof serve>
let server: Server | undefined
afterEach(() => {
  vi.restoreAllMocks()
  return new Promise<void>((done) => (server ? server.close(() => done()) : done()))
})

/** Serves `app` through the adapter with the Node entry's event-stream writer. */
async function listen(app: Hono): Promise<string> {
  server = serve({
    fetch: async (request, bindings) => {
      const response = await app.fetch(request, bindings)
      return sendEventStream(response, bindings.outgoing) ?? response
    },
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise((resolve) => server!.once('listening', resolve))
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`
}

const encoder = new TextEncoder()

/** An app whose middleware sets a header after the route, and whose stream sends in two goes. */
function streamingApp(second: Promise<void>, onCancel = () => {}) {
  const app = new Hono()
  app.use(async (c, next) => {
    await next()
    c.header('X-Request-Id', 'req-1')
  })
  app.get('/', () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\n'))
        void second.then(() => {
          controller.enqueue(encoder.encode('data: 2\n\n'))
          controller.enqueue(encoder.encode('data: [DONE]\n\n'))
          controller.close()
        })
      },
      cancel: onCancel,
    })
    return new Response(body, { headers: SSE_HEADERS })
  })
  return app
}

describe('sendEventStream', () => {
  it('sends the headers with the first event and the rest with the end, in two writes', async () => {
    let release = () => {}
    const second = new Promise<void>((resolve) => (release = resolve))
    const base = await listen(streamingApp(second))
    const writes = vi.spyOn(
      Socket.prototype as unknown as { _writeGeneric: () => void },
      '_writeGeneric',
    )
    const response = await fetch(base)
    expect(response.headers.get('content-type')).toBe(SSE_HEADERS['Content-Type'])
    // Set by middleware after the route made its Response: kept.
    expect(response.headers.get('x-request-id')).toBe('req-1')
    release()
    expect(await response.text()).toBe('data: 1\n\ndata: 2\n\ndata: [DONE]\n\n')
    // The server's writes only, not the client's.
    const serverWrites = writes.mock.contexts.filter((socket) =>
      Reflect.get(socket as object, 'server'),
    )
    expect(serverWrites).toHaveLength(2)
  })

  it('cancels the stream when the client leaves', async () => {
    let cancelled: () => void = () => {}
    const seen = new Promise<void>((resolve) => (cancelled = resolve))
    const base = await listen(streamingApp(new Promise(() => {}), () => cancelled()))
    const client = httpRequest(base, (incoming) => {
      incoming.once('data', () => client.destroy())
    })
    client.on('error', () => {})
    client.end()
    await seen
  })

  it('leaves every other response to the adapter', async () => {
    const app = new Hono()
    app.get('/', (c) => c.json({ ok: true }))
    const base = await listen(app)
    const response = await fetch(base)
    expect(await response.json()).toEqual({ ok: true })
  })
})
