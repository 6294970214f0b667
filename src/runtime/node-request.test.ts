import { request as httpRequest } from 'node:http'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it } from 'vitest'
import { type FormPartsReader, READ_FORM_PARTS } from '../http/form-body.ts'
import { closeNodeEntry, listenAsNodeEntry } from './node-request-testing.ts'

afterEach(closeNodeEntry)

/** True once the adapter has built its full undici Request for this light one. */
const adapterRequestBuilt = (request: Request) =>
  Object.getOwnPropertySymbols(request).some(
    (symbol) => symbol.description === 'requestCache' && Reflect.get(request, symbol),
  )

describe('withNodeBody', () => {
  it('reads a body of declared length, and the signal, without the full Request', async () => {
    const app = new Hono()
    app.post('/', async (c) => {
      const json = await c.req.json()
      const { aborted } = c.req.raw.signal
      return c.json({ json, aborted, built: adapterRequestBuilt(c.req.raw) })
    })
    const base = (await listenAsNodeEntry(app)).url
    const body = JSON.stringify({ prompt: 'ä red fox', n: 1 })
    const response = await fetch(base, { method: 'POST', body })
    expect(await response.json()).toEqual({
      json: { prompt: 'ä red fox', n: 1 },
      aborted: false,
      built: false,
    })
  })

  it('hands arrayBuffer a copy holding exactly the body', async () => {
    const app = new Hono()
    app.post('/', async (c) => {
      const buffer = await c.req.raw.arrayBuffer()
      return c.json({ length: buffer.byteLength, text: new TextDecoder().decode(buffer) })
    })
    const base = (await listenAsNodeEntry(app)).url
    const response = await fetch(base, { method: 'POST', body: 'x'.repeat(5000) })
    expect(await response.json()).toEqual({ length: 5000, text: 'x'.repeat(5000) })
  })

  it('leaves a chunked body to the adapter, which still reads it', async () => {
    const app = new Hono()
    app.post('/', async (c) => c.text(await c.req.text()))
    const base = (await listenAsNodeEntry(app)).url
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('one, '))
        controller.enqueue(new TextEncoder().encode('two'))
        controller.close()
      },
    })
    const response = await fetch(base, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(await response.text()).toBe('one, two')
  })

  it('aborts the signal when the client goes before its answer, and only then', async () => {
    let aborted: Promise<unknown> | undefined
    let finished: AbortSignal | undefined
    const app = new Hono()
    app.get('/hang', (c) => {
      const signal = c.req.raw.signal
      aborted = new Promise((resolve) => signal.addEventListener('abort', resolve))
      return new Promise<Response>(() => {})
    })
    app.get('/quick', (c) => {
      finished = c.req.raw.signal
      return c.text('ok')
    })
    const base = (await listenAsNodeEntry(app)).url
    expect(await (await fetch(`${base}/quick`)).text()).toBe('ok')
    const outgoing = httpRequest(`${base}/hang`)
    outgoing.on('error', () => {})
    outgoing.end()
    while (!aborted) await new Promise((resolve) => setTimeout(resolve, 10))
    outgoing.destroy()
    await aborted
    expect(finished?.aborted).toBe(false)
  })

  it("keeps each request's state in its fields: one prototype for all, no closures of its own", async () => {
    const seen: Request[] = []
    const app = new Hono()
    app.post('/', async (c) => {
      seen.push(c.req.raw)
      const reader = (c.req.raw as { [READ_FORM_PARTS]?: FormPartsReader })[READ_FORM_PARTS]
      return c.json({
        text: await c.req.text(),
        reader: typeof reader,
        signal: c.req.raw.signal.aborted,
      })
    })
    const base = (await listenAsNodeEntry(app)).url
    for (const body of ['one', 'two']) {
      const response = await fetch(base, { method: 'POST', body })
      expect(await response.json()).toEqual({ text: body, reader: 'function', signal: false })
    }
    const [first, second] = seen as [Request, Request]
    expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second))
    expect(first).toBeInstanceOf(Request)
    for (const request of seen) {
      const own = [...Object.getOwnPropertyNames(request), ...Object.getOwnPropertySymbols(request)]
      const values = own.map((key) => Object.getOwnPropertyDescriptor(request, key)!)
      expect(values.filter((value) => value.get || typeof value.value === 'function')).toEqual([])
    }
  })

  it("leaves a chunked body's form and text to the adapter, and a GET's", async () => {
    const app = new Hono()
    app.on(['GET', 'POST'], '/', async (c) => {
      const reader = (c.req.raw as { [READ_FORM_PARTS]?: FormPartsReader })[READ_FORM_PARTS]
      return c.json({ reader: typeof reader, text: await c.req.raw.text() })
    })
    const base = (await listenAsNodeEntry(app)).url
    expect(await (await fetch(base)).json()).toEqual({ reader: 'undefined', text: '' })
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a=1'))
        controller.close()
      },
    })
    const chunked = await fetch(base, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(await chunked.json()).toEqual({ reader: 'undefined', text: 'a=1' })
  })
})
