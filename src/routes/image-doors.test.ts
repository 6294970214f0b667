import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { encodePng } from '../image/png.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { drawingModel } from '../pool/testing.ts'
import type { ImageProvider } from '../providers/types.ts'
import { MAX_INPUT_IMAGE_BYTES } from '../request/fields.ts'
import { memoryStorage } from '../storage/memory.ts'
import type { ImageStore } from '../storage/types.ts'

/**
 * Bad input on the doors that take images: each refused in OpenAI's error shape, not retryable,
 * before the upstream is called and with nothing stored. The upstream is a counting provider
 * whose one model edits a single image and takes no mask (FLUX.1 Kontext's shape).
 */

const png = await encodePng(16, 12, new Uint8Array(16 * 12 * 3).fill(200))

function setup(options: { storage?: boolean } = {}) {
  const calls: unknown[] = []
  const provider: ImageProvider = {
    type: 'fake',
    name: 'fake',
    models: [drawingModel('kontext', 1)],
    generate: async (request) => {
      calls.push(request)
      return { images: [{ bytes: png }] }
    },
  }
  const entry = { type: 'fake', keys: [], priority: 0, weight: 1, options: {} }
  const store = memoryStorage()
  const puts: string[] = []
  const storage: ImageStore = {
    ...store,
    put: (key, bytes, meta) => {
      puts.push(key)
      return store.put(key, bytes, meta)
    },
  }
  const app = createApp({
    config: loadConfig({ RATE_LIMIT: '0' }),
    storage: options.storage === false ? null : storage,
    catalogue: new Catalogue([{ provider, entry }]),
    log: () => {},
  })
  return { app, calls, puts }
}

const form = (fields: Record<string, string | Uint8Array | Uint8Array[]>) => {
  const body = new FormData()
  for (const [name, value] of Object.entries(fields)) {
    const values = Array.isArray(value) ? value : [value]
    for (const item of values) {
      const field = Array.isArray(value) ? `${name}[]` : name
      if (typeof item === 'string') body.append(field, item)
      else body.append(field, new Blob([item as BlobPart]), 'x.png')
    }
  }
  return body
}

async function refused(response: Response, status: number, code: string, param?: string) {
  const body = await response.json()
  expect([response.status, body.error.code, body.error.param ?? undefined]).toEqual([
    status,
    code,
    param,
  ])
  expect(body.error.message).toEqual(expect.any(String))
  expect(response.headers.get('x-should-retry')).toBe('false')
  return body.error.message as string
}

describe('bad input on POST /v1/images/edits', () => {
  it('refuses each in OpenAI shape before the upstream is called', async () => {
    const { app, calls } = setup()
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      app.request('/v1/images/edits', { method: 'POST', body, headers })
    const text = new TextEncoder().encode('not a picture')

    const notImage = await refused(
      await post(form({ prompt: 'x', image: text })),
      400,
      'invalid_image',
      'image',
    )
    expect(notImage).toMatch(/not an image; send a PNG, JPEG or WebP/)
    await refused(
      await post(form({ prompt: 'x', image: [png, png] })),
      400,
      'too_many_images',
      'image',
    )
    const mask = await refused(
      await post(form({ prompt: 'x', image: png, mask: png })),
      400,
      'unsupported_parameter',
      'mask',
    )
    expect(mask).toBe("The model 'kontext' does not take a mask")
    const blankInput = form({ prompt: 'x' })
    blankInput.append('image', new Blob([]), '')
    await refused(await post(blankInput), 400, 'image_required', 'image')
    const huge = new Uint8Array(MAX_INPUT_IMAGE_BYTES + 1)
    huge.set(png)
    await refused(await post(form({ prompt: 'x', image: huge })), 413, 'image_too_large', 'image')
    const json = { 'content-type': 'application/json' }
    const privateLink = JSON.stringify({ prompt: 'x', image: 'http://10.0.0.7/cat.png' })
    expect(await refused(await post(privateLink, json), 400, 'invalid_image', 'image')).toMatch(
      /private, loopback or link-local/,
    )
    expect(calls).toHaveLength(0)
  })

  it('refuses forms it cannot read: no boundary, cut short, or not a form at all', async () => {
    const { app, calls } = setup()
    const whole = new Request('http://gw/', {
      method: 'POST',
      body: form({ prompt: 'x', image: png }),
    })
    const type = whole.headers.get('content-type')!
    const bytes = new Uint8Array(await whole.arrayBuffer())
    const post = (body: BodyInit, contentType: string) =>
      app.request('/v1/images/edits', {
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
      })
    const noBoundary = await refused(
      await post(bytes, 'multipart/form-data'),
      400,
      'invalid_request',
    )
    expect(noBoundary).toMatch(/no boundary, or the body is cut short/)
    await refused(await post(bytes.slice(0, bytes.length - 40), type), 400, 'invalid_request')
    const plain = await refused(await post('prompt=x', 'text/plain'), 400, 'invalid_request')
    expect(plain).toBe('The request body must be multipart/form-data or JSON (got "text/plain").')
    expect(calls).toHaveLength(0)
    // The same form, whole, is an edit: one upstream call with the image read and sniffed.
    const ok = await post(bytes, type)
    expect(ok.status).toBe(200)
    expect(calls).toEqual([
      expect.objectContaining({ images: [expect.objectContaining({ width: 16, height: 12 })] }),
    ])
  })

  it('answers on every path spelling, variations included', async () => {
    const { app, calls } = setup()
    const variation = await app.request('/images/variations', {
      method: 'POST',
      body: form({ image: png, n: '1', response_format: 'b64_json' }),
    })
    expect(variation.status).toBe(200)
    expect(Object.keys((await variation.json()).data[0])).toEqual(['b64_json'])
    expect(calls).toHaveLength(1)
    const none = await app.request('/v1/v1/images/variations', {
      method: 'POST',
      body: form({ n: '1' }),
    })
    await refused(none, 400, 'image_required', 'image')
  })
})

describe('Idempotency-Key on an edit', () => {
  it('reads the form it hashed, and a repeat joins the first instead of paying again', async () => {
    const { app, calls } = setup()
    const edit = () =>
      app.request('/v1/images/edits', {
        method: 'POST',
        body: form({ prompt: 'x', image: png, response_format: 'url' }),
        headers: { 'Idempotency-Key': 'edit-1' },
      })
    const first = await edit()
    expect(first.status).toBe(200)
    const again = await edit()
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect((await again.json()).data).toEqual((await first.json()).data)
    expect(calls).toHaveLength(1)
  })
})

describe('bad input on POST /v1/uploads', () => {
  it('stores nothing that is not a whole, small enough image', async () => {
    const { app, puts } = setup()
    const upload = (body: BodyInit, headers: Record<string, string> = {}) =>
      app.request('/v1/uploads', { method: 'POST', body, headers })
    const json = { 'content-type': 'application/json' }
    await refused(await upload(form({ file: new Uint8Array(40) })), 400, 'invalid_image', 'file')
    const link = JSON.stringify({ file: 'https://images.example/cat.png' })
    await refused(await upload(link, json), 400, 'invalid_request', 'file')
    const cut = btoa(String.fromCharCode(...png.subarray(0, 30)))
    const half = await refused(
      await upload(JSON.stringify({ file: cut }), json),
      400,
      'invalid_image',
      'file',
    )
    expect(half).toBe('File is cut short (no PNG end); send the whole file')
    const big = `data:image/png;base64,${'A'.repeat(Math.ceil((MAX_INPUT_IMAGE_BYTES * 4) / 3) + 8)}`
    await refused(await upload(JSON.stringify({ file: big }), json), 413, 'image_too_large', 'file')
    expect(puts).toEqual([])
  })

  it('says so, not retryable, when the gateway has no storage to keep uploads in', async () => {
    const { app } = setup({ storage: false })
    const response = await app.request('/v1/uploads', { method: 'POST', body: form({ file: png }) })
    expect(await refused(response, 501, 'uploads_unavailable')).toMatch(/no image storage/)
  })
})

describe('image= on the direct URL', () => {
  it('draws a refused image as the error image, with the JSON error on request', async () => {
    const { app, calls } = setup()
    const link = encodeURIComponent('http://127.0.0.1/cat.png')
    const drawn = await app.request(`/?prompt=x&image=${link}`)
    expect([drawn.status, drawn.headers.get('content-type')]).toEqual([400, 'image/png'])
    expect(drawn.headers.get('x-error-code')).toBe('invalid_image')
    const many = await app.request(`/?prompt=x&image=${link}|${link}`, {
      headers: { accept: 'application/json' },
    })
    await refused(many, 400, 'too_many_images', 'image')
    expect(calls).toHaveLength(0)
  })
})
