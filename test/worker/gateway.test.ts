import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

describe('worker entry', () => {
  it('serves the welcome page and health inside workerd', async () => {
    const page = await SELF.fetch('https://gw.example/')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('fluxgate is running')
    const health = await SELF.fetch('https://gw.example/healthz')
    expect(await health.json()).toMatchObject({ status: 'ok', storage: 'kv' })
  })

  it('serves an image stored in the KV binding with its metadata', async () => {
    const png = Uint8Array.from([
      137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 3,
    ])
    const key = 'AAAAAAAAAAAAAAAAAAAAAA'
    const now = Date.now()
    await (env as unknown as { IMAGES: KVNamespace }).IMAGES.put(key, png, {
      metadata: {
        contentType: 'image/png',
        width: 2,
        height: 3,
        prompt: 'p',
        finalPrompt: 'p',
        model: 'demo',
        provider: 'demo',
        createdAt: now,
        expiresAt: now + 60_000,
      },
    })
    const response = await SELF.fetch(`https://gw.example/image/${key}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png)
  })
})
