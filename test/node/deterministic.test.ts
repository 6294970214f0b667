import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { answer, type FakeLlm, startFakeLlm } from '../fakes/llm.ts'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Seeded requests are deterministic, over real HTTP against the Node entry and
 * a slow fake SiliconFlow: identical requests in flight share one upstream call, a finished one
 * is served from the store, and a client that leaves does not cancel the call for the others.
 */

const KEY = 'deterministic-client-key'
const SLOW_MS = 600
let upstream: FakeSiliconflow
let llm: FakeLlm
let gateway: RunningGateway

beforeAll(async () => {
  upstream = await startFakeSiliconflow({ keys: { slow: 'slow' }, slowMs: SLOW_MS })
  llm = await startFakeLlm({ flavour: 'glm' })
  gateway = await startGateway({
    API_KEY: KEY,
    IMAGE_API_KEYS: 'slow',
    SILICONFLOW_API_BASE: upstream.baseUrl,
    PROCESS_API_KEY: 'llm-key',
    PROCESS_API_BASE: llm.url,
  })
})
afterAll(async () => {
  await gateway.close()
  await upstream.close()
  await llm.close()
})

const calls = () => upstream.callsFor('slow')

type ImagesReply = { data: { url: string; b64_json: string }[]; seed: number; warnings: string[] }

function generate(body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${gateway.url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ size: '256x256', ...body }),
    signal,
  })
}

async function generateOk(body: Record<string, unknown>): Promise<ImagesReply> {
  const response = await generate(body)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

async function upstreamSuccesses(): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/status`, {
    headers: { authorization: `Bearer ${KEY}` },
  })
  const status = (await response.json()) as {
    providers: { targets: { counters: { successes: number } }[] }[]
  }
  return status.providers[0]!.targets[0]!.counters.successes
}

const storedFiles = async () => (await readdir(join(gateway.dataDir, 'images'))).sort()

describe('seeded requests', () => {
  it('share one upstream call among 20 identical requests in flight', async () => {
    const before = calls()
    const body = { prompt: 'a lighthouse in fog', seed: 1234 }
    const replies = await Promise.all(Array.from({ length: 20 }, () => generateOk(body)))
    expect(calls() - before).toBe(1)
    const [first] = replies
    for (const reply of replies) {
      expect(reply.seed).toBe(1234)
      expect(reply.data[0]!.url).toBe(first!.data[0]!.url)
      expect(reply.data[0]!.b64_json).toBe(first!.data[0]!.b64_json)
    }
    // The bytes are the upstream's, and the URL serves them.
    const served = upstream.served.at(-1)!
    expect(Buffer.from(first!.data[0]!.b64_json, 'base64')).toEqual(Buffer.from(served))
    const image = await fetch(first!.data[0]!.url)
    expect(Buffer.from(await image.arrayBuffer())).toEqual(Buffer.from(served))
  })

  it('serve a finished request from the store, without an upstream call', async () => {
    const body = { prompt: 'a windmill at noon', seed: 77 }
    const first = await generateOk(body)
    const before = calls()
    const files = await storedFiles()
    const again = await generateOk(body)
    expect(calls()).toBe(before)
    expect(await storedFiles()).toEqual(files)
    expect(again.data[0]).toEqual(first.data[0])
    expect(again.seed).toBe(77)
    // Another seed is another picture.
    await generateOk({ ...body, seed: 78 })
    expect(calls()).toBe(before + 1)
  })

  it('keep serving the others when one waiting client disconnects', async () => {
    const before = calls()
    const body = { prompt: 'a kite over dunes', seed: 5 }
    const leaving = new AbortController()
    const gone = generate(body, leaving.signal).catch((error: Error) => error)
    const staying = [generateOk(body), generateOk(body)]
    await vi.waitFor(() => expect(calls()).toBe(before + 1))
    leaving.abort()
    expect(await gone).toBeInstanceOf(Error)
    const [a, b] = await Promise.all(staying)
    expect(a!.data[0]!.url).toBe(b!.data[0]!.url)
    expect(calls()).toBe(before + 1)
  })

  it('cancel the shared call when every client has gone; the next request starts afresh', async () => {
    const before = calls()
    const successes = await upstreamSuccesses()
    const body = { prompt: 'a glacier at dawn', seed: 6 }
    const clients = [new AbortController(), new AbortController()]
    const gone = clients.map((c) => generate(body, c.signal).catch((error: Error) => error))
    await vi.waitFor(() => expect(calls()).toBe(before + 1))
    for (const client of clients) client.abort()
    await Promise.all(gone)
    const reply = await generateOk(body)
    expect(calls()).toBe(before + 2)
    expect(reply.seed).toBe(6)
    // Had the abandoned call run on, it would have succeeded (the fake answers after SLOW_MS,
    // and the second call took that long): only the second one counts.
    expect(await upstreamSuccesses()).toBe(successes + 1)
  })

  it('regenerate every image of n > 1 when one has gone from the store', async () => {
    const body = { prompt: 'two red apples', seed: 900, n: 2 }
    const before = calls()
    const first = await generateOk(body)
    expect(calls() - before).toBe(2) // one image per FLUX call, seeds 900 and 901
    expect(
      upstream
        .bodies()
        .slice(-2)
        .map((b) => b.seed),
    ).toEqual(expect.arrayContaining([900, 901]))
    await generateOk(body)
    expect(calls() - before).toBe(2)
    const key = new URL(first.data[1]!.url).pathname.split('/').pop()!
    await rm(join(gateway.dataDir, 'images', `${key}.img`))
    const third = await generateOk(body)
    expect(calls() - before).toBe(4)
    expect(third.data.map((item) => item.url)).toEqual(first.data.map((item) => item.url))
  })

  it('key an optimized prompt on the original, so the LLM rewrite does not defeat the store', async () => {
    llm.respondWith(answer('A majestic castle on a hill, golden hour'))
    const llmBefore = llm.calls.length
    const before = calls()
    const body = { prompt: 'a castle', seed: 31, optimization: true }
    const replies = await Promise.all([generateOk(body), generateOk(body)])
    llm.respondWith(answer('A different rewrite every time'))
    const later = await generateOk(body)
    expect(llm.calls.length - llmBefore).toBe(1)
    expect(calls() - before).toBe(1)
    expect(upstream.bodies().at(-1)!.prompt).toBe('A majestic castle on a hill, golden hour')
    for (const reply of [...replies, later]) expect(reply.data[0]!.url).toBe(later.data[0]!.url)
  })
})

describe('unseeded requests', () => {
  it('draw a new image for each of 20 identical requests', async () => {
    const before = calls()
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => generateOk({ prompt: 'a lighthouse in fog' })),
    )
    expect(calls() - before).toBe(20)
    expect(new Set(replies.map((reply) => reply.data[0]!.url)).size).toBe(20)
  })

  it('read seed -1 as random, in the images API, the direct URL and chat', async () => {
    const before = calls()
    const [a, b] = await Promise.all([
      generateOk({ prompt: 'a tulip', seed: -1 }),
      generateOk({ prompt: 'a tulip', seed: -1 }),
    ])
    expect(calls() - before).toBe(2)
    expect(a!.data[0]!.url).not.toBe(b!.data[0]!.url)
    // The seed actually drawn is reported (the fake echoes the one it was sent).
    expect(a!.seed).toEqual(expect.any(Number))
    expect(upstream.bodies().map((body) => body.seed)).toContain(a!.seed)

    const direct = await fetch(`${gateway.url}/?prompt=a%20tulip&seed=-1&key=${KEY}`, {
      redirect: 'manual',
    })
    expect(direct.status).toBe(302)
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'a tulip --seed -1 1:1' }] }),
    })
    expect(chat.status).toBe(200)
    expect(calls() - before).toBe(4)
  })
})
