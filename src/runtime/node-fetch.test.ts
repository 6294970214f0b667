import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { nodeFetchTestKit, text } from './node-fetch-testing.ts'

const { serve, fresh } = nodeFetchTestKit()

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

  it("gives the headers the platform's fetch gives, compressed or not", async () => {
    const server = await serve((seen, response) => {
      const gzip = seen.path === '/gzip'
      response.setHeader('set-cookie', ['a=1', 'b=2'])
      response.setHeader('X-Twice', ['one', 'two'])
      response.writeHead(200, {
        'Content-Type': 'text/plain',
        ...(gzip && { 'Content-Encoding': 'gzip' }),
      })
      response.end(gzip ? gzipSync('squeezed') : 'plain')
    })
    for (const path of ['/plain', '/gzip']) {
      const ours = await fresh()(`${server.url}${path}`)
      const platform = await fetch(`${server.url}${path}`)
      const names = (headers: Headers) => [...headers].filter(([name]) => name !== 'date')
      expect(names(ours.headers)).toEqual(names(platform.headers))
      expect(ours.headers.get('x-twice')).toBe('one, two')
      expect(await ours.text()).toBe(await platform.text())
    }
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
})
