import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, Agent as HttpsAgent } from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createNodeFetch, type NodeFetch } from './node-fetch.ts'

type Seen = { method: string; path: string; headers: IncomingMessage['headers']; body: Buffer }
type Handler = (seen: Seen, response: ServerResponse, incoming: IncomingMessage) => void

const servers: Server[] = []
afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    ),
  )
})

/** A real server on 127.0.0.1 that records what it got; `sockets` counts its connections. */
async function serve(handler: Handler, server: Server = createServer()) {
  const seen: Seen[] = []
  let sockets = 0
  server.on('connection', () => sockets++)
  server.on('request', async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of incoming) chunks.push(chunk as Buffer)
    const request = {
      method: incoming.method ?? '',
      path: incoming.url ?? '',
      headers: incoming.headers,
      body: Buffer.concat(chunks),
    }
    seen.push(request)
    handler(request, response, incoming)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const { port } = server.address() as AddressInfo
  const scheme = 'cert' in server ? 'https' : 'http'
  return { url: `${scheme}://127.0.0.1:${port}`, seen, sockets: () => sockets }
}

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  ((_seen, response) => {
    response.writeHead(status, { 'content-type': 'text/plain', ...headers })
    response.end(body)
  }) satisfies Handler

let nodeFetch: NodeFetch
afterEach(() => nodeFetch?.close())
const fresh = () => {
  nodeFetch = createNodeFetch()
  return nodeFetch
}

describe('createNodeFetch', () => {
  it('returns status, status text, headers, url and body', async () => {
    const server = await serve((_seen, response) => {
      response.setHeader('set-cookie', ['a=1', 'b=2'])
      response.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-thing': 'yes' })
      response.end('{"ok":true}')
    })
    const response = await fresh()(`${server.url}/path?q=1`)
    expect(response.status).toBe(201)
    expect(response.ok).toBe(true)
    expect(response.statusText).toBe('Made')
    expect(response.headers.get('x-thing')).toBe('yes')
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(response.url).toBe(`${server.url}/path?q=1`)
    expect(response.redirected).toBe(false)
    expect(await response.json()).toEqual({ ok: true })
    expect(server.seen[0]).toMatchObject({ method: 'GET', path: '/path?q=1' })
    expect(server.seen[0]!.headers).toMatchObject({ accept: '*/*', 'user-agent': 'node' })
  })

  it('sends string, byte and FormData bodies with the content-type fetch would set', async () => {
    const server = await serve(text(200, 'ok'))
    const call = fresh()
    await call(server.url, { method: 'post', body: 'plain' })
    await call(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      body: JSON.stringify({ a: 1 }),
    })
    await call(server.url, { method: 'PUT', body: new Uint8Array([1, 2, 3]) })
    await call(server.url, { method: 'POST', body: new Uint8Array([9, 8, 7, 6]).buffer })
    const form = new FormData()
    form.append('prompt', 'a fox')
    form.append('steps', '4')
    await call(server.url, { method: 'POST', body: form })
    await call(server.url, { method: 'POST' })

    const [plain, json, bytes, buffer, multipart, empty] = server.seen
    expect(plain).toMatchObject({ method: 'POST', body: Buffer.from('plain') })
    expect(plain!.headers['content-type']).toBe('text/plain;charset=UTF-8')
    expect(json!.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'content-length': '7',
    })
    expect(json!.body.toString()).toBe('{"a":1}')
    expect(bytes).toMatchObject({ method: 'PUT', body: Buffer.from([1, 2, 3]) })
    expect(bytes!.headers['content-type']).toBeUndefined()
    expect(buffer!.body).toEqual(Buffer.from([9, 8, 7, 6]))
    expect(multipart!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const parsed = await new Response(new Uint8Array(multipart!.body), {
      headers: { 'content-type': multipart!.headers['content-type']! },
    }).formData()
    expect(Object.fromEntries(parsed)).toEqual({ prompt: 'a fox', steps: '4' })
    expect(empty!.headers['content-length']).toBe('0')
    expect(empty!.headers['transfer-encoding']).toBeUndefined()
  })

  it('refuses a body on GET, as fetch does', async () => {
    const server = await serve(text(200, 'ok'))
    await expect(fresh()(server.url, { body: 'x' })).rejects.toThrow(TypeError)
  })

  it('streams the body as it arrives', async () => {
    let finish = () => {}
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write('first ')
      finish = () => response.end('second')
    })
    const response = await fresh()(server.url)
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    expect(decoder.decode((await reader.read()).value)).toBe('first ')
    finish()
    let rest = ''
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      expect(chunk.value).toBeInstanceOf(Uint8Array)
      rest += decoder.decode(chunk.value)
    }
    expect(rest).toBe('second')
  })

  it('survives chunks that arrive after the reader cancelled the body', async () => {
    // Many small writes queue 'data' events behind the one being read; cancelling then must
    // drop them instead of enqueueing into a closed stream (an uncaught error crashed the run).
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      for (let i = 0; i < 200; i++) response.write(Buffer.alloc(16 * 1024, i))
      response.end()
    })
    const errors: unknown[] = []
    const onError = (error: unknown) => errors.push(error)
    process.on('uncaughtException', onError)
    try {
      for (let run = 0; run < 5; run++) {
        const response = await fresh()(server.url)
        const reader = response.body!.getReader()
        expect((await reader.read()).done).toBe(false)
        await reader.cancel()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      process.off('uncaughtException', onError)
    }
    expect(errors).toEqual([])
  })

  it('reads a large body whole, through the queue limit', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7)
    big[big.length - 1] = 1
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-length': big.length })
      response.end(big)
    })
    const bytes = new Uint8Array(await (await fresh()(server.url)).arrayBuffer())
    expect(bytes.length).toBe(big.length)
    expect(bytes[0]).toBe(7)
    expect(bytes[bytes.length - 1]).toBe(1)
  })

  it('reads the body once, by any body method, as a stream, or through a clone', async () => {
    const server = await serve(text(200, '{"n":1}', { 'content-type': 'application/json' }))
    const call = fresh()
    const direct = await call(server.url)
    expect(direct.bodyUsed).toBe(false)
    expect(await direct.json()).toEqual({ n: 1 })
    expect(direct.bodyUsed).toBe(true)
    await expect(direct.text()).rejects.toThrow(TypeError)
    expect(() => direct.clone()).toThrow(TypeError)

    const buffer = await (await call(server.url)).arrayBuffer()
    expect(buffer).toBeInstanceOf(ArrayBuffer)
    expect(new TextDecoder().decode(buffer)).toBe('{"n":1}')
    const blob = await (await call(server.url)).blob()
    expect(blob.type).toBe('application/json')
    expect(await blob.text()).toBe('{"n":1}')

    const streamed = await call(server.url)
    expect(streamed.body).toBeInstanceOf(ReadableStream)
    expect(streamed.body).toBe(streamed.body)
    expect(await streamed.text()).toBe('{"n":1}')

    const original = await call(server.url)
    const copy = original.clone()
    expect(copy.status).toBe(200)
    expect(copy.headers.get('content-type')).toBe('application/json')
    expect(await copy.text()).toBe('{"n":1}')
    expect(await original.json()).toEqual({ n: 1 })
  })

  it('parses a multipart reply with formData()', async () => {
    const form = new FormData()
    form.append('a', 'b')
    const encoded = new Response(form)
    const type = encoded.headers.get('content-type')!
    const bytes = Buffer.from(await encoded.arrayBuffer())
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-type': type })
      response.end(bytes)
    })
    const parsed = await (await fresh()(server.url)).formData()
    expect(parsed.get('a')).toBe('b')
  })

  it('gives a null body for 204 and HEAD', async () => {
    const server = await serve((seen, response) => {
      response.writeHead(seen.path === '/none' ? 204 : 200, { 'content-length': '5' })
      response.end(seen.method === 'HEAD' || seen.path === '/none' ? undefined : 'hello')
    })
    const call = fresh()
    const tick = () => new Promise((resolve) => setImmediate(resolve))
    const none = await call(`${server.url}/none`)
    expect(none.status).toBe(204)
    expect(none.body).toBeNull()
    await tick()
    const head = await call(server.url, { method: 'HEAD' })
    expect(head.body).toBeNull()
    expect(head.headers.get('content-length')).toBe('5')
    await tick()
    // The socket went back to the pool after each: every call reused it.
    expect(await (await call(server.url)).text()).toBe('hello')
    expect(server.sockets()).toBe(1)
  })

  it('keeps connections alive across calls', async () => {
    const server = await serve(text(200, 'ok'))
    const call = fresh()
    for (let i = 0; i < 5; i++) expect(await (await call(server.url)).text()).toBe('ok')
    expect(server.sockets()).toBe(1)
  })

  it('decodes a gzip body', async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' })
      response.end(gzipSync('squeezed'))
    })
    const response = await fresh()(server.url)
    expect(await response.text()).toBe('squeezed')
    expect(server.seen[0]!.headers['accept-encoding']).toBe('identity')
  })

  describe('abort', () => {
    it('rejects at once with the reason when the signal already fired', async () => {
      const server = await serve(text(200, 'ok'))
      const reason = new Error('gone')
      await expect(fresh()(server.url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      expect(server.seen).toHaveLength(0)
    })

    it('rejects with the reason while waiting, and closes the connection', async () => {
      let closed: (() => void) | undefined
      const serverSawClose = new Promise<void>((resolve) => {
        closed = resolve
      })
      const server = await serve((_seen, response) => response.on('close', () => closed?.()))
      const controller = new AbortController()
      const pending = fresh()(server.url, { method: 'POST', signal: controller.signal })
      setTimeout(() => controller.abort(), 50)
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
      await serverSawClose
    })

    it('errors the body stream with the reason mid-body', async () => {
      const server = await serve((_seen, response) => {
        response.writeHead(200)
        response.write('part')
      })
      const controller = new AbortController()
      const response = await fresh()(server.url, { signal: controller.signal })
      const reader = response.body!.getReader()
      await reader.read()
      const reason = new DOMException('late', 'TimeoutError')
      controller.abort(reason)
      await expect(reader.read()).rejects.toBe(reason)
    })
    it('rejects a whole-body read with the reason mid-body', async () => {
      const server = await serve((_seen, response) => {
        response.writeHead(200)
        response.write('part')
      })
      const controller = new AbortController()
      const response = await fresh()(server.url, { signal: controller.signal })
      const reading = response.arrayBuffer()
      const reason = new DOMException('late', 'TimeoutError')
      setTimeout(() => controller.abort(reason), 20)
      await expect(reading).rejects.toBe(reason)
    })

    it('cancels the body stream without leaving the signal holding it', async () => {
      const server = await serve((_seen, response) => {
        response.writeHead(200)
        response.write('part')
      })
      const controller = new AbortController()
      const response = await fresh()(server.url, { signal: controller.signal })
      await response.body!.cancel()
      controller.abort() // nothing left listening: no unhandled error
      expect(response.bodyUsed).toBe(true)
    })
  })

  describe('redirects', () => {
    it('returns the 3xx itself with redirect: manual', async () => {
      const server = await serve(text(302, '', { location: '/elsewhere' }))
      const response = await fresh()(server.url, { redirect: 'manual' })
      expect(response.status).toBe(302)
      expect(response.headers.get('location')).toBe('/elsewhere')
      await response.body?.cancel()
      expect(server.seen).toHaveLength(1)
    })

    it('follows them, turning 303 into a GET and keeping the body on 307', async () => {
      const server = await serve((seen, response) => {
        const hops: Record<string, [number, string]> = {
          '/start': [307, '/kept'],
          '/kept': [303, '/final'],
        }
        const hop = hops[seen.path]
        if (hop) response.writeHead(hop[0], { location: hop[1] }).end()
        else response.end(`${seen.method} ${seen.path}`)
      })
      const response = await fresh()(`${server.url}/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      })
      expect(await response.text()).toBe('GET /final')
      expect(response.redirected).toBe(true)
      expect(response.url).toBe(`${server.url}/final`)
      const [start, kept, final] = server.seen
      expect(start!.body.toString()).toBe('{"a":1}')
      expect(kept).toMatchObject({ method: 'POST', body: Buffer.from('{"a":1}') })
      expect(final).toMatchObject({ method: 'GET', body: Buffer.alloc(0) })
      expect(final!.headers['content-type']).toBeUndefined()
    })

    it('drops the Authorization header on a redirect to another origin', async () => {
      const other = await serve(text(200, 'there'))
      const server = await serve(text(301, '', { location: `${other.url}/x` }))
      const response = await fresh()(server.url, { headers: { authorization: 'Bearer secret' } })
      expect(await response.text()).toBe('there')
      expect(server.seen[0]!.headers.authorization).toBe('Bearer secret')
      expect(other.seen[0]!.headers.authorization).toBeUndefined()
    })

    it('rejects with redirect: error, a loop, and a non-http location', async () => {
      const loop = await serve(text(302, '', { location: '/again' }))
      const call = fresh()
      await expect(call(loop.url, { redirect: 'error' })).rejects.toThrow(TypeError)
      await expect(call(loop.url)).rejects.toThrow(/redirect count/)
      expect(loop.seen.length).toBe(1 + 21)
      const file = await serve(text(302, '', { location: 'file:///etc/passwd' }))
      await expect(call(file.url)).rejects.toThrow(TypeError)
    })
  })

  describe('errors', () => {
    it('rejects with TypeError("fetch failed") when nothing listens', async () => {
      const server = createNetServer()
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      await new Promise((resolve) => server.close(resolve))
      const failure = await fresh()(`http://127.0.0.1:${port}/`).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(TypeError)
      expect((failure as TypeError).message).toBe('fetch failed')
      expect(((failure as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED')
    })

    it('errors the body stream when the connection drops mid-body', async () => {
      const server = await serve((_seen, response) => {
        response.writeHead(200, { 'content-length': '100' })
        response.write('only part')
        setTimeout(() => response.socket?.destroy(), 20)
      })
      const response = await fresh()(server.url)
      await expect(response.text()).rejects.toThrow(TypeError)
    })

    it('sends again once when a kept-alive socket turns out closed, never on a fresh one', async () => {
      // A raw server: answers the first request on each connection, then resets the connection
      // when a second request arrives on it (a server that dropped an idle socket).
      let connections = 0
      const raw = createNetServer((socket: Socket) => {
        connections++
        let requests = 0
        socket.on('data', () => {
          requests++
          if (requests > 1) socket.resetAndDestroy()
          else
            socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok')
        })
      })
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`
      const call = fresh()
      try {
        expect(await (await call(url)).text()).toBe('ok')
        expect(await (await call(url, { method: 'POST', body: 'x' })).text()).toBe('ok')
        expect(connections).toBe(2)
      } finally {
        call.close()
        await new Promise((resolve) => raw.close(resolve))
      }
    })
  })

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

  it.skipIf(!openssl)('speaks https through its https agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-fetch-tls-'))
    try {
      const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
      execFileSync(
        'openssl',
        // biome-ignore format: one openssl command
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
          '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        { stdio: 'ignore' },
      )
      const tls = { key: readFileSync(key), cert: readFileSync(cert) }
      const server = await serve(text(200, 'secure'), createHttpsServer(tls))
      const agent = new HttpsAgent({ keepAlive: true, ca: tls.cert })
      const call = createNodeFetch({ httpsAgent: agent })
      expect(await (await call(server.url, { method: 'POST', body: 'x' })).text()).toBe('secure')
      agent.destroy()
      // Without the CA the certificate is refused, as it must be.
      await expect(fresh()(server.url)).rejects.toThrow('fetch failed')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
