import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'
import { r2Storage } from '../../src/storage/r2.ts'
import { describeStorageContract, randomBytes, testMeta } from '../contracts/storage.ts'

/**
 * The R2 driver on Miniflare's R2. The bucket is bound as TEST_IMAGES_BUCKET so the worker entry
 * the other workerd tests call keeps using KV; the last test hands it over as IMAGES_BUCKET.
 */

const bindings = env as unknown as { TEST_IMAGES_BUCKET: R2Bucket; IMAGES: KVNamespace }
const bucket = () => bindings.TEST_IMAGES_BUCKET

describeStorageContract('r2 (workerd)', ({ now }) => r2Storage({ bucket: bucket(), now }))

describe('r2 storage in workerd', () => {
  it('writes string custom metadata and the content type R2 serves the object with', async () => {
    const store = r2Storage({ bucket: bucket() })
    const key = 'r2metadatar2metadatar2'
    const prompt = '日本の桜 '.repeat(1000)
    await store.put(
      key,
      randomBytes(16),
      testMeta(Date.now(), 60_000, { prompt, finalPrompt: 'x' }),
    )
    const head = await bucket().head(key)
    expect(head!.httpMetadata?.contentType).toBe('image/png')
    const custom = head!.customMetadata!
    expect(Object.values(custom).every((value) => typeof value === 'string')).toBe(true)
    expect(custom.width).toBe('2')
    // Miniflare, like R2, refuses the put when custom metadata passes 2,048 bytes.
    const stored = JSON.parse(custom.prompt!) as string
    expect(prompt.startsWith(stored)).toBe(true)
    expect(stored.length).toBeGreaterThan(100)
  })

  it('stays within the limit with a long ASCII prompt holding one emoji (counted as UTF-16)', async () => {
    const store = r2Storage({ bucket: bucket() })
    const key = 'r2emojir2emojir2emojir'
    const prompt = `🦊 ${'a fox in the snow '.repeat(300)}`
    await store.put(
      key,
      randomBytes(16),
      testMeta(Date.now(), 60_000, { prompt, finalPrompt: prompt }),
    )
    expect((await store.get(key))!.meta.prompt.startsWith('🦊 a fox')).toBe(true)
  })

  it('deletes an expired object from the bucket when it is read', async () => {
    let time = Date.now()
    const store = r2Storage({ bucket: bucket(), now: () => time })
    const key = 'r2expiredr2expiredr2ex'
    await store.put(key, randomBytes(8), testMeta(time, 1_000))
    time += 1_000
    expect(await store.get(key)).toBeNull()
    expect(await bucket().head(key)).toBeNull()
  })

  it('leaves objects it did not write alone', async () => {
    const key = 'r2foreignr2foreignr2fo'
    await bucket().put(key, 'not an image', { customMetadata: { owner: 'someone else' } })
    expect(await r2Storage({ bucket: bucket() }).get(key)).toBeNull()
    expect(await bucket().head(key)).not.toBeNull()
  })

  it('is what the worker entry uses when IMAGES_BUCKET is bound, even with KV bound too', async () => {
    vi.resetModules() // a fresh isolate's worth of module state: the app is built from this env
    const { default: worker } = await import('../../src/runtime/worker.ts')
    const workerEnv = {
      IMAGES: bindings.IMAGES,
      IMAGES_BUCKET: bucket(),
      IMAGE_EXPIRATION: '120',
    }
    const call = async (request: Request) => {
      const ctx = createExecutionContext()
      const response = await worker.fetch(request, workerEnv, ctx)
      await waitOnExecutionContext(ctx)
      return response
    }
    const health = await call(new Request('https://gw.example/healthz'))
    expect(await health.json()).toMatchObject({ status: 'ok', storage: 'r2' })

    const chat = await call(
      new Request('https://gw.example/v1/chat/completions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'a red fox 3:2' }] }),
      }),
    )
    expect(chat.status).toBe(200)
    const reply = (await chat.json()) as { choices: { message: { content: string } }[] }
    const url = /\]\((https:\/\/gw\.example\/image\/([\w-]+))\)/.exec(
      reply.choices[0]!.message.content,
    )
    expect(url).not.toBeNull()
    const key = url![2]!
    expect(await bucket().head(key)).not.toBeNull()
    expect(await bindings.IMAGES.get(key)).toBeNull()

    const image = await call(new Request(url![1]!))
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(image.headers.get('content-length')).toBe(String(bytes.length))
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 768, height: 512 })
  })
})
