import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeWorkersAi, startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Flux-API-Worker's setup over real HTTP: the Node entry with CF_ACCOUNT_ID + CF_API_TOKEN pointed at a
 * fake Workers AI, driven through `POST /v1/chat/completions` and `POST /v1/images/generations`.
 */

const JPEG = makeJpeg(1024, 1024, 300 * 1024)
const KEY = 'client-key-for-workers-ai'
const TOKEN = 'cf-token-never-shown'
let fake: FakeWorkersAi
let gateway: RunningGateway

beforeAll(async () => {
  fake = await startFakeWorkersAi({ accounts: { acc1: TOKEN }, image: JPEG })
  gateway = await startGateway({
    API_KEY: KEY,
    CF_ACCOUNT_ID: 'acc1',
    CF_API_TOKEN: TOKEN,
    CF_API_BASE: fake.apiBase,
  })
})
afterAll(async () => {
  await gateway.close()
  await fake.close()
})
beforeEach(() => {
  fake.calls.length = 0
  fake.mode = 'ok'
})

const chat = (content: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'flux-schnell', messages: [{ role: 'user', content }] }),
  })

async function imageAt(url: string) {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return {
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  }
}

const imageUrl = (text: string) => /!\[[^\]]*\]\((http[^)\s]+\/image\/[^)\s]+)\)/.exec(text)?.[1]

describe('workers-ai through the chat route', () => {
  it('draws flux-schnell without a size, reports the real size and serves the same bytes', async () => {
    const response = await chat('A cute cat 16:9 --steps 12')
    expect(response.status).toBe(200)
    const body = (await response.json()) as { choices: { message: { content: string } }[] }
    const text = body.choices[0]!.message.content
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]!.inputs).toEqual({
      prompt: 'A cute cat',
      steps: 8,
      seed: expect.any(Number),
    })
    expect(text).toContain('1024x1024')
    const url = imageUrl(text)
    expect(url).toBeDefined()
    const image = await imageAt(url!)
    expect(image.type).toBe('image/jpeg')
    expect(image.bytes.equals(JPEG)).toBe(true)
  })

  it('sends klein a multipart body with the ratio fitted to its limits', async () => {
    const response = await chat('a lighthouse 16:9 --model flux-2-klein')
    expect(response.status).toBe(200)
    const call = fake.calls[0]!
    expect(call.multipart).toBe(true)
    expect(call.inputs).toMatchObject({ prompt: 'a lighthouse', width: '1024', height: '576' })
  })

  it('answers an NSFW refusal with 400 content_policy_violation, not to be retried', async () => {
    fake.mode = 'nsfw'
    const response = await chat('something refused')
    expect(response.status).toBe(400)
    expect(response.headers.get('x-should-retry')).toBe('false')
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('content_policy_violation')
    expect(body.error.message).toContain('NSFW')
    expect(JSON.stringify(body)).not.toContain(TOKEN)
  })
})

describe('workers-ai through the images route', () => {
  it('serves the openai SDK a URL whose bytes are the upstream image', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
    const result = await client.images.generate({
      model: 'flux-2-dev',
      prompt: 'a harbour at dawn',
      size: '1536x1024',
      response_format: 'url',
    })
    expect(fake.calls[0]!.inputs).toMatchObject({ width: '1536', height: '1024', steps: '28' })
    const image = await imageAt(result.data![0]!.url!)
    expect(image.bytes.equals(JPEG)).toBe(true)
  })
})

describe('workers-ai quota over HTTP', () => {
  it('answers 503 with Retry-After until 00:00 UTC once the daily allocation is spent', async () => {
    fake.mode = 'quota'
    const response = await chat('a fox')
    expect(response.status).toBe(503)
    const midnight = new Date()
    midnight.setUTCHours(24, 0, 0, 0)
    const expected = (midnight.getTime() - Date.now()) / 1000
    expect(Math.abs(Number(response.headers.get('retry-after')) - expected)).toBeLessThan(5)
    // The account now rests: the next request does not reach the upstream.
    const again = await chat('a fox')
    expect(again.status).toBe(503)
    expect(fake.calls).toHaveLength(1)
  })
})
