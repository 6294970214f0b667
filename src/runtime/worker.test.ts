import type { ExecutionContext } from 'hono'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { newImageKey } from '../storage/keys.ts'
import type { KvBinding } from '../storage/kv.ts'

/**
 * The Worker entry's choice of image store, run in Node with recording KV bindings. The entry
 * keeps its app for the isolate's life, so every case imports a fresh copy of the module.
 */

const ctx = {
  waitUntil() {},
  passThroughOnException() {},
  props: {},
} as unknown as ExecutionContext

/** A KV binding that stores nothing and records each key it is asked for. */
function recordingKv() {
  const asked: string[] = []
  const binding: KvBinding = {
    async getWithMetadata(key) {
      asked.push(key)
      return { value: null, metadata: null }
    },
    async put() {},
    async delete() {},
  }
  return { binding, asked }
}

async function askForImage(env: Record<string, unknown>) {
  const { default: worker } = await import('./worker.ts')
  const key = newImageKey()
  const response = await worker.fetch(new Request(`https://gw.example/image/${key}`), env, ctx)
  expect(response.status).toBe(404)
  return key
}

describe('Worker image store', () => {
  beforeEach(() => {
    vi.resetModules()
  })

  it('prefers Flux-API-Worker’s KV binding, then freefluxapi’s, then IMAGES', async () => {
    const [fluxCfKv, fluxApi, images] = [recordingKv(), recordingKv(), recordingKv()]
    const key = await askForImage({
      FLUX_CF_KV: fluxCfKv.binding,
      FLUX_API: fluxApi.binding,
      IMAGES: images.binding,
    })
    expect([fluxCfKv.asked, fluxApi.asked, images.asked]).toEqual([[key], [], []])

    vi.resetModules()
    const second = await askForImage({ FLUX_API: fluxApi.binding, IMAGES: images.binding })
    expect([fluxApi.asked, images.asked]).toEqual([[second], []])

    vi.resetModules()
    const third = await askForImage({ IMAGES: images.binding })
    expect(images.asked).toEqual([third])
  })

  it('ignores a plain variable that happens to share a binding’s name', async () => {
    const images = recordingKv()
    const key = await askForImage({ FLUX_API: 'not a binding', IMAGES: images.binding })
    expect(images.asked).toEqual([key])
  })
})
