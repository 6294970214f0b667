import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { type Gateway, generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { fsStorage } from '../../src/storage/fs.ts'
import type { ImageStore } from '../../src/storage/types.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The real Node entry over HTTP. Images are generated through the generation path by a second
 * Gateway over an fs store on the running gateway's DATA_DIR (both read the same files), so
 * these tests do not depend on the HTTP generation endpoints.
 */

let running: RunningGateway | undefined
let sideStore: ImageStore | undefined
afterEach(async () => {
  await sideStore?.close?.()
  await running?.close()
  running = sideStore = undefined
})

async function generateBeside(gateway: RunningGateway, prompt: string) {
  const config = loadConfig({ DATA_DIR: gateway.dataDir })
  sideStore = await fsStorage({ dataDir: gateway.dataDir })
  const generator: Gateway = {
    config,
    storage: sideStore,
    catalogue: new Catalogue(buildProviders(config, {}), config.defaultModel),
    fetch,
    now: Date.now,
  }
  return generateImages(generator, {
    prompt,
    n: 1,
    width: 320,
    height: 192,
    seed: 7,
    signal: AbortSignal.timeout(10_000),
  })
}

describe('Node entry over HTTP', () => {
  it('serves a generated demo image at /image/{key} with its bytes and true type', async () => {
    running = await startGateway()
    const result = await generateBeside(running, 'a lighthouse at dusk')
    const [image] = result.images
    expect(image!.key).toMatch(/^[A-Za-z0-9_-]{22,}$/)

    const response = await fetch(`${running.url}/image/${image!.key}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(response.headers.get('content-length')).toBe(String(image!.bytes.length))
    expect(response.headers.get('cache-control')).toMatch(
      /^public, max-age=(1799|1800), immutable$/,
    )
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(Buffer.compare(bytes, image!.bytes)).toBe(0)
    expect(image).toMatchObject({ contentType: 'image/png', width: 320, height: 192 })

    const etag = response.headers.get('etag')!
    const again = await fetch(`${running.url}/image/${image!.key}`, {
      headers: { 'If-None-Match': etag },
    })
    expect(again.status).toBe(304)
    const head = await fetch(`${running.url}/image/${image!.key}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(image!.bytes.length))
    expect((await head.arrayBuffer()).byteLength).toBe(0)

    const line = running.logs.find((log) => log.route === '/image/:key' && log.status === 200)
    expect(line).toMatchObject({ method: 'GET', id: response.headers.get('x-request-id') })
  })

  it('answers health, 404 and preflights over real HTTP', async () => {
    running = await startGateway()
    expect(await (await fetch(`${running.url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      storage: 'fs',
    })
    const missing = await fetch(`${running.url}/image/ZZZZZZZZZZZZZZZZZZZZZZ`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: 'image_not_found' } })
    const preflight = await fetch(`${running.url}/v1/images/generations`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, x-stainless-os',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')?.split(',')).toEqual([
      'authorization',
      'x-stainless-os',
    ])
  })

  it('answers 413 to an oversized chunked upload over real HTTP', async () => {
    running = await startGateway({ MAX_BODY_BYTES: '4096' })
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(1024).fill(65))
        controller.close()
      },
    })
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: 'request_too_large' } })
  })

  it('finishes a request in flight when closed, then stops accepting connections', async () => {
    running = await startGateway()
    const { url } = running
    // An upload trickled over 600 ms keeps this request in flight while close() is called.
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        if (++sent > 6) controller.close()
        else controller.enqueue(new TextEncoder().encode('x'))
      },
    })
    const inFlight = fetch(`${url}/slow-upload`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const started = Date.now()
    const closed = running.close()
    running = undefined

    const response = await inFlight
    expect(response.status).toBe(404) // the route's own answer, not a reset connection
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } })
    expect(sent).toBeGreaterThan(6)
    await closed
    expect(Date.now() - started).toBeLessThan(2_000)
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })

  it('closes promptly with idle keep-alive connections open', async () => {
    running = await startGateway()
    for (let i = 0; i < 3; i++) await (await fetch(`${running.url}/healthz`)).arrayBuffer()
    const started = Date.now()
    await running.close()
    running = undefined
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
