import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/**
 * A Flux-API-Worker or freefluxapi user pastes dist/worker.js over their script and keeps their KV
 * binding (FLUX_CF_KV or FLUX_API): images go there, not to a namespace they never created.
 */
describe.each(['FLUX_CF_KV', 'FLUX_API'])('dist/worker.js with KV bound as %s', (binding) => {
  let mf: Awaited<ReturnType<typeof startBundle>>
  beforeAll(async () => {
    mf = await startBundle({ kvNamespaces: [binding] })
  })
  afterAll(async () => {
    await mf?.dispose()
  })

  it('stores a generated image in that namespace and serves it', async () => {
    const health = await mf.dispatchFetch('http://gw.test/healthz')
    expect(await health.json()).toMatchObject({ storage: 'kv' })
    const response = await mf.dispatchFetch('http://gw.test/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'a red fox 3:2' }] }),
    })
    const reply = (await response.json()) as { choices: { message: { content: string } }[] }
    const content = reply.choices[0]!.message.content
    const match = /\]\((http:\/\/gw\.test\/image\/([\w-]+))\)/.exec(content)
    expect(match, content).not.toBeNull()
    const kv = await mf.getKVNamespace(binding)
    expect(await kv.get(match![2]!, 'arrayBuffer')).not.toBeNull()
    const image = await mf.dispatchFetch(match![1]!)
    expect(image.status).toBe(200)
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))).toMatchObject({ width: 768 })
  })
})
