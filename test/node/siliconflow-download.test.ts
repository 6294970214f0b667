import { afterEach, describe, expect, it } from 'vitest'
import type { GatewayError } from '../../src/errors.ts'
import { encodePng } from '../../src/image/png.ts'
import { downloadImage } from '../../src/providers/download.ts'
import { delay, type FakeServer, startFakeServer } from '../fakes/server.ts'

/**
 * The shared download helper (src/providers/download.ts) against a real image host on
 * 127.0.0.1: redirects re-checked hop by hop, the size cap with and without Content-Length,
 * error statuses and aborts.
 */

let server: FakeServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const png = await encodePng(4, 4, new Uint8Array(4 * 4 * 3).fill(200))

/** The image host's redirects: status and location by path (and /loop<n>, which never ends). */
const REDIRECTS: Record<string, [number, string]> = {
  '/to-metadata': [302, 'http://169.254.169.254/latest/meta-data/'],
  '/to-other-host': [301, 'http://example.com/img.png'],
  '/relative': [307, '/img.png'],
}

/** An image host: /img.png, /big (chunked, no length), /lying-length, redirects, /gone. */
async function imageHost() {
  server = await startFakeServer(async (request, response) => {
    const path = request.path
    if (path === '/img.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
      response.end(png)
      return
    }
    if (path === '/declared-big') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': 10_000 })
      response.end(Buffer.alloc(10_000))
      return
    }
    if (path === '/chunked-big') {
      response.writeHead(200, { 'content-type': 'image/png' })
      for (let i = 0; i < 10; i++) response.write(Buffer.alloc(500))
      response.end()
      return
    }
    const redirect = REDIRECTS[path] ?? (path.startsWith('/loop') && [302, `/loop${path.length}`])
    if (redirect) {
      response.writeHead(redirect[0], { location: redirect[1] })
      response.end()
      return
    }
    if (path === '/slow') {
      await delay(2_000)
      response.writeHead(200, { 'content-type': 'image/png' })
      response.end(png)
      return
    }
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('expired')
  })
  return server
}

const options = (base: string, extra: { maxBytes?: number; signal?: AbortSignal } = {}) => ({
  provider: 'test',
  baseUrl: `${base}/v1`,
  signal: extra.signal ?? new AbortController().signal,
  fetch: globalThis.fetch,
  maxBytes: extra.maxBytes,
})

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: GatewayError) => error,
  )

describe('downloadImage', () => {
  it('returns the bytes and claimed type from the base host over http', async () => {
    const { url } = await imageHost()
    const image = await downloadImage(`${url}/img.png`, options(url))
    expect(image.bytes).toEqual(png)
    expect(image.mediaType).toBe('image/png')
  })

  it('follows a relative redirect on the same host', async () => {
    const { url, requests } = await imageHost()
    const image = await downloadImage(`${url}/relative`, options(url))
    expect(image.bytes).toEqual(png)
    expect(requests.map((r) => r.path)).toEqual(['/relative', '/img.png'])
  })

  it('refuses a redirect to a private address without following it', async () => {
    const { url } = await imageHost()
    const error = await failure(downloadImage(`${url}/to-metadata`, options(url)))
    expect(error.upstream?.failure).toBe('server')
    expect(error.message).toMatch(/private, loopback or link-local address \(169\.254\.169\.254\)/)
  })

  it('refuses a redirect to plain http on another host', async () => {
    const { url } = await imageHost()
    const error = await failure(downloadImage(`${url}/to-other-host`, options(url)))
    expect(error.message).toMatch(/plain http on example\.com/)
  })

  it('gives up after three redirects', async () => {
    const { url, requests } = await imageHost()
    const error = await failure(downloadImage(`${url}/loop`, options(url)))
    expect(error.message).toMatch(/more than 3 redirects/)
    expect(requests).toHaveLength(4)
  })

  it('refuses an image whose Content-Length is over the cap', async () => {
    const { url } = await imageHost()
    const error = await failure(
      downloadImage(`${url}/declared-big`, options(url, { maxBytes: 4096 })),
    )
    expect(error.upstream?.failure).toBe('server')
    expect(error.message).toMatch(/larger than/)
  })

  it('stops reading a body without Content-Length once it passes the cap', async () => {
    const { url } = await imageHost()
    const error = await failure(
      downloadImage(`${url}/chunked-big`, options(url, { maxBytes: 2048 })),
    )
    expect(error.message).toMatch(/larger than/)
  })

  it('reports the status of an expired link without quoting the URL', async () => {
    const { url } = await imageHost()
    const error = await failure(downloadImage(`${url}/gone?Signature=s3cr3t`, options(url)))
    expect(error.message).toMatch(/answered HTTP 404/)
    expect(error.message).not.toMatch(/s3cr3t/)
  })

  it('ends with a timeout when the attempt signal fires', async () => {
    const { url } = await imageHost()
    const controller = new AbortController()
    setTimeout(() => controller.abort(new DOMException('late', 'TimeoutError')), 50)
    const started = Date.now()
    const error = await failure(
      downloadImage(`${url}/slow`, options(url, { signal: controller.signal })),
    )
    expect(error.upstream?.failure).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('decodes a base64 data: URL without any request', async () => {
    const { url, requests } = await imageHost()
    const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`
    const image = await downloadImage(dataUrl, options(url))
    expect(image).toEqual({ bytes: png, mediaType: 'image/png' })
    expect(requests).toHaveLength(0)
  })
})
