import { request as httpRequest } from 'node:http'
import { Hono } from 'hono/tiny'
import { afterEach, describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { readFormOrJson } from '../http/form-body.ts'
import { closeNodeEntry, listenAsNodeEntry } from './node-request-testing.ts'

/**
 * A form read on Node from the buffered body (node-form.ts) against the same form read by the
 * platform's `formData()`, through the one reader the doors use (readFormOrJson): the same
 * fields, files and refusals, and on Node without the adapter's full Request.
 */

afterEach(closeNodeEntry)

/** True once the adapter has built its full undici Request for this light one. */
const adapterRequestBuilt = (request: Request) =>
  Object.getOwnPropertySymbols(request).some(
    (symbol) => symbol.description === 'requestCache' && Reflect.get(request, symbol),
  )

/** The fields as JSON (bytes as arrays, a File as its name and size), or the refusal. */
function formApp(): Hono {
  const app = new Hono()
  app.post('/', async (c) => {
    try {
      const fields = await readFormOrJson(c)
      const shown = JSON.parse(
        JSON.stringify(fields, (_, value) =>
          value instanceof Uint8Array
            ? [...value]
            : value instanceof File
              ? { file: value.name, size: value.size }
              : value,
        ),
      )
      return c.json({ fields: shown, built: adapterRequestBuilt(c.req.raw) })
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      return c.json({ status: error.status, message: error.message })
    }
  })
  return app
}

const png = Uint8Array.from({ length: 2000 }, (_, i) => (i * 31) % 256)

function form(): FormData {
  const body = new FormData()
  body.append('model', 'flux-2-klein-4b')
  body.append('prompt', 'ä red fox')
  body.append('image[]', new Blob([png], { type: 'image/png' }), 'a.png')
  body.append('image[]', new Blob([png.subarray(0, 10)], { type: 'image/png' }), 'b.png')
  body.append('mask', new Blob([]), '') // a file input left empty
  body.append('size', '') // a field left blank
  body.append('user', new Blob([png.subarray(0, 3)]), 'note.txt') // a file where text belongs
  body.append('n', '1')
  body.append('n', '2')
  return body
}

async function serialized(
  body: FormData,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string }> {
  const response = new Response(body)
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    type: response.headers.get('content-type')!,
  }
}

describe('a form read on Node from the buffered body', () => {
  it('gives the fields the platform gives, without the full Request', async () => {
    const app = formApp()
    const base = (await listenAsNodeEntry(app)).url
    const { bytes, type } = await serialized(form())
    const post = { method: 'POST', body: bytes, headers: { 'content-type': type } }
    const onNode = await (await fetch(base, post)).json()
    const onPlatform = await (await app.request('/', post)).json()
    expect(onNode).toEqual({ ...onPlatform, built: false })
    expect(onNode.fields).toEqual({
      model: 'flux-2-klein-4b',
      prompt: 'ä red fox',
      image: [
        { bytes: [...png], filename: 'a.png' },
        { bytes: [...png.subarray(0, 10)], filename: 'b.png' },
      ],
      user: { file: 'note.txt', size: 3 },
      n: ['1', '2'],
    })
  })

  it('refuses the forms the platform refuses, with the same answer', async () => {
    const app = formApp()
    const base = (await listenAsNodeEntry(app)).url
    const { bytes, type } = await serialized(form())
    const cases: [Uint8Array<ArrayBuffer> | string, string][] = [
      [bytes, 'multipart/form-data'], // no boundary
      [bytes.slice(0, bytes.length - 40), type], // cut short
      [bytes.slice(0, bytes.length - 8), type], // no final delimiter
      [`preamble\r\n${Buffer.from(bytes).toString('latin1')}`, type],
      ['prompt=x&n=2', 'application/x-www-form-urlencoded'], // read by the platform
      ['', type],
    ]
    for (const [body, contentType] of cases) {
      const post = { method: 'POST', body, headers: { 'content-type': contentType } }
      const onNode = await (await fetch(base, post)).json()
      expect(onNode, contentType).toEqual(await (await app.request('/', post)).json())
    }
    const noBoundary = await (
      await fetch(base, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'multipart/form-data' },
      })
    ).json()
    expect(noBoundary).toEqual({
      status: 400,
      message:
        'The form could not be read: its Content-Type has no boundary, or the body is cut short or malformed.',
    })
  })

  it('answers a client that leaves mid-form as one that closed the connection', async () => {
    let answer: unknown
    const app = new Hono()
    app.post('/', async (c) => {
      answer = await readFormOrJson(c).catch((error: GatewayError) => error.status)
      return c.text('')
    })
    const base = (await listenAsNodeEntry(app)).url
    const outgoing = httpRequest(base, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=abc', 'content-length': '1000' },
    })
    outgoing.on('error', () => {})
    outgoing.write('--abc\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nfox')
    await new Promise((resolve) => setTimeout(resolve, 50))
    outgoing.destroy()
    while (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(answer).toBe(499)
  })
})
