import { connect } from 'node:net'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it } from 'vitest'
import { IncomingHeaders } from './node-headers.ts'
import { closeNodeEntry, listenAsNodeEntry } from './node-request-testing.ts'

/** The adapter's Headers for the same raw list: what IncomingHeaders must answer like. */
const adapterHeaders = (raw: string[]) => {
  const pairs: [string, string][] = []
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.charCodeAt(0) !== 58) pairs.push([raw[i]!, raw[i + 1]!])
  }
  return new Headers(pairs)
}

const RAW = [
  'Host',
  'gw',
  'Authorization',
  'Bearer one',
  'authorization',
  'Bearer two',
  'Cookie',
  'a=1',
  'cookie',
  'b=2',
  'Set-Cookie',
  's=1',
  'set-cookie',
  't=2',
  'X-Padded',
  ' \tpadded\t ',
  'x-EMPTY',
  '',
  'Content-Length',
  '12',
  ':path',
  '/pseudo',
]
const NAMES = [
  'host',
  'HOST',
  'authorization',
  'cookie',
  'set-cookie',
  'x-padded',
  'x-empty',
  'content-length',
  'transfer-encoding',
  'origin',
  ':path',
]

describe('IncomingHeaders', () => {
  it('answers get and has as the adapter’s Headers does, without filling itself', () => {
    const ours = new IncomingHeaders(RAW)
    const theirs = adapterHeaders(RAW)
    for (const name of NAMES.filter((name) => !name.startsWith(':'))) {
      expect(ours.get(name), name).toBe(theirs.get(name))
      expect(ours.has(name), name).toBe(theirs.has(name))
    }
    expect(ours.get('authorization')).toBe('Bearer one, Bearer two')
    expect(ours.get('cookie')).toBe('a=1; b=2')
    expect(ours.get('x-padded')).toBe('padded')
    expect(ours).toBeInstanceOf(Headers)
    // Still unfilled: undici's own list is empty until a method needs it.
    expect(Headers.prototype.get.call(ours, 'host')).toBeNull()
  })

  it('throws at an invalid name as undici does', () => {
    for (const name of ['bad name', 'ü', '', ':path']) {
      expect(() => new IncomingHeaders(RAW).get(name), name).toThrow(TypeError)
      expect(() => adapterHeaders(RAW).get(name), name).toThrow(TypeError)
      expect(() => new IncomingHeaders(RAW).has(name), name).toThrow(TypeError)
    }
  })

  it('lists, changes and copies as the adapter’s Headers once any other method is used', () => {
    const listed = (headers: Headers) => [...headers]
    expect(listed(new IncomingHeaders(RAW))).toEqual(listed(adapterHeaders(RAW)))
    const each: string[] = []
    new IncomingHeaders(RAW).forEach((value, key) => {
      each.push(`${key}=${value}`)
    })
    expect(each).toEqual(listed(adapterHeaders(RAW)).map(([key, value]) => `${key}=${value}`))
    expect([...new IncomingHeaders(RAW).keys()]).toEqual([...adapterHeaders(RAW).keys()])
    expect([...new IncomingHeaders(RAW).values()]).toEqual([...adapterHeaders(RAW).values()])
    expect(new IncomingHeaders(RAW).getSetCookie()).toEqual(['s=1', 't=2'])

    const changed = new IncomingHeaders(RAW)
    changed.set('Host', 'other')
    changed.append('X-New', '1')
    changed.delete('cookie')
    expect([changed.get('host'), changed.get('x-new'), changed.get('cookie')]).toEqual([
      'other',
      '1',
      null,
    ])
    expect(changed.get('authorization')).toBe('Bearer one, Bearer two')

    const copies = [
      new Headers(new IncomingHeaders(RAW)),
      new Request('http://gw/', { headers: new IncomingHeaders(RAW) }).headers,
      new Response(null, { headers: new IncomingHeaders(RAW) }).headers,
    ]
    for (const copy of copies) expect(listed(copy)).toEqual(listed(adapterHeaders(RAW)))
  })
})

afterEach(closeNodeEntry)

/** Sends `head` and `body` as they are (repeated fields included); resolves with the reply. */
function rawRequest(port: number, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${head}\r\n\r\n${body}`))
    let reply = ''
    socket.on('data', (chunk) => (reply += chunk))
    socket.on('end', () => resolve(reply.slice(reply.indexOf('\r\n\r\n') + 4)))
    socket.on('error', reject)
  })
}

describe('the headers a Node request carries', () => {
  it('are those the adapter would give, read by name and whole', async () => {
    const app = new Hono()
    const seen = (c: { req: { header: (name?: string) => unknown; raw: Request } }) => ({
      authorization: c.req.header('Authorization'),
      cookie: c.req.header('cookie'),
      all: c.req.header(),
      ours: c.req.raw.headers instanceof IncomingHeaders,
    })
    app.get('/', (c) => c.json(seen(c)))
    // A chunked body goes through the adapter's full Request, which copies the headers.
    app.post('/', async (c) => c.json({ ...seen(c), body: await c.req.text() }))
    const port = (await listenAsNodeEntry(app)).port
    const head =
      'Host: gw\r\nConnection: close\r\nAuthorization: Bearer a\r\nauthorization: Bearer b\r\nCookie: x=1\r\nCookie: y=2'
    const expected = {
      authorization: 'Bearer a, Bearer b',
      cookie: 'x=1; y=2',
      all: {
        host: 'gw',
        connection: 'close',
        authorization: 'Bearer a, Bearer b',
        cookie: 'x=1; y=2',
      },
      ours: true,
    }
    expect(JSON.parse(await rawRequest(port, `GET / HTTP/1.1\r\n${head}`))).toEqual(expected)
    const chunked = await rawRequest(
      port,
      `POST / HTTP/1.1\r\n${head}\r\nTransfer-Encoding: chunked`,
      '5\r\nhello\r\n0\r\n\r\n',
    )
    expect(JSON.parse(chunked)).toEqual({
      ...expected,
      all: { ...expected.all, 'transfer-encoding': 'chunked' },
      body: 'hello',
    })
  })
})
