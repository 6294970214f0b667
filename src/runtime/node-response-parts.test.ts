import { connect, Socket } from 'node:net'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { concatBytes } from '../bytes/concat.ts'
import { partsResponse } from '../http/parts-body.ts'
import { lazyPartsResponse } from './node-parts-body.ts'
import { closeServer, listen } from './node-response-testing.ts'

afterEach(() => {
  vi.restoreAllMocks()
  return closeServer()
})

/** The raw bytes of one HTTP/1.1 exchange, Date header left out, read until the server closes. */
function exchange(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\nDate: [^\r]+/i, ''),
      ),
    )
    socket.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  })
}

const encoder = new TextEncoder()
// A view into a larger buffer, as an upstream's base64 is a view of its reply.
const upstream = encoder.encode(`xx${'QUJD'.repeat(50_000)}yy`)
const parts = () => [
  encoder.encode('{"data":[{"b64_json":"'),
  upstream.subarray(2, upstream.length - 2),
  encoder.encode('"}],"note":"東京"}'),
]
/** The body as the client reads it, in latin1 as `exchange` gives it. */
const BODY = Buffer.from(concatBytes(parts())).toString('latin1')
const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

/** Routes: the parts, the same bytes joined as a plain body, and the parts read by a middleware. */
function app() {
  const routes = new Hono()
  routes.use(async (c, next) => {
    c.header('X-Request-Id', 'req-1')
    c.header('Set-Cookie', 'a=1')
    c.header('Set-Cookie', 'b=2', { append: true })
    await next()
    if (c.req.path === '/read') c.res = new Response(await c.res.arrayBuffer(), c.res)
  })
  routes.get('/parts', (c) => partsResponse(c, parts(), HEADERS, lazyPartsResponse))
  routes.get('/joined', (c) =>
    c.body(concatBytes(parts()) as Uint8Array<ArrayBuffer>, 200, HEADERS),
  )
  routes.get('/read', (c) => partsResponse(c, parts(), HEADERS, lazyPartsResponse))
  return routes
}

describe('sendParts', () => {
  it('sends what the adapter sends for the joined body, byte for byte, in one write', async () => {
    const port = await listen(app())
    const joined = await exchange(port, '/joined')
    const writes = vi.spyOn(
      Socket.prototype as unknown as { _writeGeneric: () => void },
      '_writeGeneric',
    )
    const sent = await exchange(port, '/parts')
    // Compared whole but reported short: a failure would print 200 KB of base64.
    expect(sent === joined).toBe(true)
    const head = sent.slice(0, sent.indexOf('\r\n\r\n'))
    expect(head).toContain(`\r\nContent-Length: ${BODY.length}\r\n`)
    expect(head).toContain('\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n')
    expect(sent.endsWith(BODY)).toBe(true)
    // The server's writes only: headers and every part in one writev.
    const serverWrites = writes.mock.contexts.filter((socket) =>
      Reflect.get(socket as object, 'server'),
    )
    expect(serverWrites).toHaveLength(1)
  })

  it('leaves a response whose body a middleware read to the adapter, the same bytes', async () => {
    const port = await listen(app())
    const read = await exchange(port, '/read')
    const head = read.slice(0, read.indexOf('\r\n\r\n'))
    expect(head.toLowerCase()).toContain(`\r\ncontent-length: ${BODY.length}\r\n`)
    expect(read.endsWith(BODY)).toBe(true)
  })
})
