import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import type { GatewayError } from '../../src/errors.ts'
import { type GenerationInput, generateImages } from '../../src/generate/index.ts'
import { encodePng } from '../../src/image/png.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { MAX_INPUT_IMAGE_BYTES } from '../../src/request/fields.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { type FakeServer, startFakeServer } from '../fakes/server.ts'

/**
 * Image input through the one generation flow, on the offline demo provider (which edits): own
 * links read from the store, other links fetched from a real image host, data URIs and uploads,
 * and every refusal before the upstream is called.
 */

const png = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const ORIGIN = 'https://gateway.example'

let host: FakeServer | undefined
afterEach(async () => {
  await host?.close()
  host = undefined
})

/** Public image links are routed to a real server on 127.0.0.1, as DNS would route them. */
function routedFetch(server: FakeServer): typeof fetch {
  return (input, init) => {
    const url = new URL(String(input))
    if (url.hostname !== 'images.example') return fetch(input, init)
    return fetch(`${server.url}${url.pathname}`, init)
  }
}

function gatewayFor(env: Record<string, string> = {}, fetcher: typeof fetch = fetch) {
  const config = loadConfig({ STORAGE: 'memory', ...env })
  const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
  return { config, storage: memoryStorage(), catalogue, fetch: fetcher, now: Date.now }
}

const edit = (fields: Partial<GenerationInput>): GenerationInput => ({
  prompt: 'make it blue',
  n: 1,
  signal: new AbortController().signal,
  origins: [ORIGIN],
  ...fields,
})

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as GatewayError | null
  if (!error) throw new Error('expected a refusal')
  return error
}

describe('edits on the demo provider', () => {
  it('keeps the input shape at the default area and labels the edit', async () => {
    const gateway = gatewayFor()
    const result = await generateImages(gateway, edit({ images: [{ bytes: png }] }))
    const [image] = result.images
    // 40x30 at 1024x1024's area, fitted to multiples of 8: 4:3.
    expect(image?.width).toBe(1184)
    expect(image?.height).toBe(888)
    const text = await generateImages(gateway, edit({}))
    expect(text.images[0]?.width).toBe(1024)
  })

  it('reads its own /image/{key} links from the store, absolute or relative, without fetching', async () => {
    let fetched = 0
    const gateway = gatewayFor({}, (input, init) => {
      fetched++
      return fetch(input, init)
    })
    const first = await generateImages(gateway, edit({ images: [{ bytes: png }], seed: 1 }))
    const key = first.images[0]?.key
    const again = await generateImages(
      gateway,
      edit({ images: [{ url: `${ORIGIN}/image/${key}` }, { url: `/image/${key}` }], seed: 1 }),
    )
    expect(again.images[0]?.bytes.length).toBeGreaterThan(0)
    expect(fetched).toBe(0)
  })

  it('puts the input images into the seeded content address', async () => {
    const gateway = gatewayFor()
    const other = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(91))
    const a = await generateImages(gateway, edit({ images: [{ bytes: png }], seed: 5 }))
    const b = await generateImages(gateway, edit({ images: [{ bytes: other }], seed: 5 }))
    const c = await generateImages(gateway, edit({ images: [{ bytes: png }], seed: 5 }))
    expect(b.images[0]?.key).not.toBe(a.images[0]?.key)
    expect(c.images[0]?.key).toBe(a.images[0]?.key)
    expect(c.cached).toBe(true)
  })

  it('fetches other links through the capped, checked downloader', async () => {
    host = await startFakeServer((request, response) => {
      if (request.path === '/cat.png') {
        response.writeHead(200, { 'content-type': 'image/png' })
        response.end(png)
      } else if (request.path === '/page') {
        response.writeHead(200, { 'content-type': 'text/html' })
        response.end('<html></html>')
      } else {
        response.writeHead(404)
        response.end()
      }
    })
    const gateway = gatewayFor({}, routedFetch(host))
    const ok = await generateImages(
      gateway,
      edit({ images: [{ url: 'https://images.example/cat.png' }] }),
    )
    expect(ok.images).toHaveLength(1)
    const page = await refusal(
      generateImages(gateway, edit({ images: [{ url: 'https://images.example/page' }] })),
    )
    expect([page.status, page.code, page.param]).toEqual([400, 'invalid_image', 'image'])
    expect(page.message).toMatch(/not an image/)
    const gone = await refusal(
      generateImages(gateway, edit({ images: [{ url: 'https://images.example/gone' }] })),
    )
    expect(gone.message).toMatch(/answered HTTP 404/)
    expect(gone.retryable).toBe(false)
  })
})

describe('refused before any upstream call', () => {
  it('refuses private addresses, bad data URIs, non-images and oversized images', async () => {
    const gateway = gatewayFor()
    const privateLink = await refusal(
      generateImages(gateway, edit({ images: [{ url: 'http://169.254.169.254/latest' }] })),
    )
    expect(privateLink.status).toBe(400)
    expect(privateLink.message).toMatch(/private, loopback or link-local/)
    const notBase64 = await refusal(
      generateImages(gateway, edit({ images: [{ url: 'data:image/png,abc' }] })),
    )
    expect(notBase64.message).toMatch(/not base64/)
    const text = await refusal(
      generateImages(gateway, edit({ images: [{ bytes: new TextEncoder().encode('hello') }] })),
    )
    expect(text.message).toBe('Image is not an image; send a PNG, JPEG or WebP image')
    const huge = await refusal(
      generateImages(
        gateway,
        edit({ images: [{ bytes: new Uint8Array(MAX_INPUT_IMAGE_BYTES + 1) }] }),
      ),
    )
    expect([huge.status, huge.code]).toEqual([413, 'image_too_large'])
  })

  it('names the second image when it is the bad one, and wants a PNG mask', async () => {
    const gateway = gatewayFor()
    const second = await refusal(
      generateImages(gateway, edit({ images: [{ bytes: png }, { bytes: new Uint8Array(8) }] })),
    )
    expect(second.message).toMatch(/^Image 2 is not an image/)
    const jpegMask = new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0, 0])
    const mask = await refusal(
      generateImages(gateway, edit({ images: [{ bytes: png }], mask: { bytes: jpegMask } })),
    )
    expect(mask.param).toBe('mask')
  })

  it('refuses more images than the model takes, a lone mask, and models that cannot edit', async () => {
    const gateway = gatewayFor()
    const many = await refusal(
      generateImages(gateway, edit({ images: Array.from({ length: 5 }, () => ({ bytes: png })) })),
    )
    expect([many.code, many.message]).toEqual([
      'too_many_images',
      "The model 'demo' takes at most 4 input images; got 5",
    ])
    const lone = await refusal(generateImages(gateway, edit({ mask: { bytes: png } })))
    expect(lone.code).toBe('image_required')
    const workersAi = gatewayFor({ CF_ACCOUNT_ID: 'acc', CF_API_TOKEN: 'token-123456789' })
    const schnell = await refusal(
      generateImages(workersAi, edit({ model: 'flux-schnell', images: [{ bytes: png }] })),
    )
    expect([schnell.status, schnell.code, schnell.retryable]).toEqual([
      400,
      'unsupported_parameter',
      false,
    ])
  })
})
