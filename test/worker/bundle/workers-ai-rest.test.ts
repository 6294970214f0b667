import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { type FakeWorkersAi, startFakeWorkersAi } from '../../fakes/workers-ai.ts'
import { makeJpeg } from '../../fakes/workers-ai-image.ts'
import { ACCOUNT, type HeldUpstream, startHeldUpstream } from './held-upstream.ts'
import { startBundle } from './miniflare.ts'
import { ssePayloads, sseReader, streamedContent } from './sse.ts'

/** The deployed bundle calling Workers AI over REST (CF_ACCOUNT_ID/CF_API_TOKEN), KV storing. */

const JPEG = makeJpeg(512, 256, 40_000)

describe('dist/worker.js with Workers AI over REST', () => {
  let fake: FakeWorkersAi
  let mf: Miniflare
  beforeAll(async () => {
    fake = await startFakeWorkersAi({
      accounts: { [ACCOUNT.CF_ACCOUNT_ID]: ACCOUNT.CF_API_TOKEN },
      image: JPEG,
    })
    mf = await startBundle({ bindings: { ...ACCOUNT, CF_API_BASE: fake.apiBase } })
  })
  afterAll(async () => {
    await mf?.dispose()
    await fake?.close()
  })

  it('generates through the entry, stores the JPEG in KV and serves it byte for byte', async () => {
    const response = await mf.dispatchFetch('http://gw.test/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red fox', size: '512x256', response_format: 'url' }),
    })
    expect(response.status).toBe(200)
    const reply = (await response.json()) as { data: { url: string }[]; provider: string }
    expect(reply.provider).toBe('workers-ai')
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]).toMatchObject({
      accountId: ACCOUNT.CF_ACCOUNT_ID,
      model: '@cf/black-forest-labs/flux-1-schnell',
      authorization: `Bearer ${ACCOUNT.CF_API_TOKEN}`,
      inputs: { prompt: 'a red fox', steps: 4 },
    })
    const key = new URL(reply.data[0]!.url).pathname.split('/').pop()!
    const kv = await mf.getKVNamespace('IMAGES')
    expect(new Uint8Array((await kv.get(key, 'arrayBuffer'))!)).toEqual(JPEG)
    const image = await mf.dispatchFetch(reply.data[0]!.url)
    expect(image.headers.get('content-type')).toBe('image/jpeg')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(bytes).toEqual(JPEG)
    expect(sniffImage(bytes)).toMatchObject({ width: 512, height: 256 })
  })

  it('passes an upstream 401 on as a failure that names no token', async () => {
    const wrong = await startBundle({
      bindings: { CF_ACCOUNT_ID: 'account-1', CF_API_TOKEN: 'sk-wrong', CF_API_BASE: fake.apiBase },
    })
    try {
      const response = await wrong.dispatchFetch('http://gw.test/v1/images/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a fox' }),
      })
      expect(response.status).toBeGreaterThanOrEqual(500)
      const text = await response.text()
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'api_error' } })
      expect(text).not.toContain('sk-wrong')
    } finally {
      await wrong.dispose()
    }
  })
})

describe('a streamed chat completion from dist/worker.js', () => {
  let upstream: HeldUpstream
  let mf: Miniflare
  beforeAll(async () => {
    upstream = await startHeldUpstream()
    mf = await startBundle({ bindings: { ...ACCOUNT, CF_API_BASE: upstream.apiBase } })
  })
  afterAll(async () => {
    await mf?.dispose()
    await upstream?.close()
  })

  it('arrives chunk by chunk: role, progress while the upstream works, the image, [DONE]', async () => {
    const response = await mf.dispatchFetch('http://gw.test/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        stream: true,
        messages: [{ role: 'user', content: 'a lighthouse at dusk' }],
      }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const stream = sseReader(response.body!)

    // The upstream holds its reply: everything read here was streamed before the image existed.
    await upstream.arrived()
    const early = await stream.until(/via workers-ai/)
    const [role] = ssePayloads(early) as { choices: { delta: { role?: string } }[] }[]
    expect(role!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' })
    expect(streamedContent(early)).toContain('`a lighthouse at dusk`')
    expect(early).not.toContain('/image/')

    upstream.release()
    const text = await stream.rest()
    const content = streamedContent(text)
    expect(content).toMatch(/!\[a lighthouse at dusk\]\(http:\/\/gw\.test\/image\/[\w-]{22}\)/)
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    const finish = ssePayloads(text).at(-2) as { choices: { finish_reason: string }[] }
    expect(finish.choices[0]!.finish_reason).toBe('stop')
  })
})
