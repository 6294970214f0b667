import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Retries never pay twice: the official `openai` SDK and plain fetch against the Node entry,
 * whose upstream is a fake SiliconFlow on 127.0.0.1 that takes its time. Every assertion on
 * cost counts the generation calls the fake received.
 */

const ALICE = 'alice-client-key'
const BOB = 'bob-client-key'

/** A gateway on one slow SiliconFlow key; `slowMs` is how long the fake takes per image. */
async function slowGateway(slowMs: number, env: Record<string, string> = {}) {
  const fake = await startFakeSiliconflow({ slowMs })
  const gateway = await startGateway({
    API_KEYS: `${ALICE},${BOB}`,
    SILICONFLOW_API_BASE: fake.baseUrl,
    IMAGE_API_KEYS: 'slow',
    ...env,
  })
  const close = async () => {
    await gateway.close()
    await fake.close()
  }
  return { fake, gateway, close }
}

describe('an upstream that hangs past UPSTREAM_TIMEOUT', () => {
  let fake: FakeSiliconflow
  let gateway: RunningGateway
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ fake, gateway, close } = await slowGateway(4_000, {
      UPSTREAM_TIMEOUT: '1',
      REQUEST_TIMEOUT: '30',
    }))
  })
  afterAll(() => close())

  it('answers 502 with x-should-retry: false, so the SDK does not pay for its retries', async () => {
    const client = new OpenAI({ apiKey: ALICE, baseURL: `${gateway.url}/v1`, maxRetries: 2 })
    const error = await client.images
      .generate({ prompt: 'a lighthouse', response_format: 'url' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).status).toBe(502)
    expect((error as APIError).headers?.get('x-should-retry')).toBe('false')
    expect(fake.callsFor('slow')).toBe(1)
  })
})

describe('Idempotency-Key', () => {
  let fake: FakeSiliconflow
  let gateway: RunningGateway
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ fake, gateway, close } = await slowGateway(1_500, { UPSTREAM_TIMEOUT: '30' }))
  })
  afterAll(() => close())

  const post = (body: unknown, key: string, clientKey = ALICE, path = '/v1/images/generations') =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${clientKey}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    })

  /** An SDK client that gives up after 1 s, before the slow image is ready, and retries. */
  const impatientClient = () =>
    new OpenAI({ apiKey: ALICE, baseURL: `${gateway.url}/v1`, maxRetries: 3, timeout: 1_000 })

  it('lets the SDK give up on its own timeout and retry into the same generation', async () => {
    const before = fake.callsFor('slow')
    // The SDK gives up after 1 s, before the image is ready, and retries with the same key.
    const client = impatientClient()
    const { data, response } = await client.images
      .generate({ prompt: 'a patient lighthouse', response_format: 'url' })
      .withResponse()
    expect(data.data?.[0]?.url).toMatch(`${gateway.url}/image/`)
    expect(response.headers.get('idempotent-replayed')).toBe('true')
    const sent = gateway.logs.filter((line) => line.path === '/v1/images/generations').length
    expect(sent).toBeGreaterThan(1)
    expect(fake.callsFor('slow') - before).toBe(1)
  })

  it('still makes two images for two SDK calls with the same body', async () => {
    const before = fake.callsFor('slow')
    const client = new OpenAI({ apiKey: ALICE, baseURL: `${gateway.url}/v1`, maxRetries: 2 })
    const ask = () => client.images.generate({ prompt: 'twice, please', response_format: 'url' })
    const first = await ask()
    const second = await ask()
    expect(second.data?.[0]?.url).not.toBe(first.data?.[0]?.url)
    expect(fake.callsFor('slow') - before).toBe(2)
  })

  it('keeps a key set on an SDK call across its retries', async () => {
    const before = fake.callsFor('slow')
    const client = impatientClient()
    const options = { headers: { 'Idempotency-Key': 'my-own-key-1' } }
    const { response } = await client.images
      .generate({ prompt: 'a keyed lighthouse', response_format: 'url' }, options)
      .withResponse()
    expect(response.headers.get('idempotent-replayed')).toBe('true')
    expect(fake.callsFor('slow') - before).toBe(1)
  })

  it('runs the same key twice in parallel once, and both get the same answer', async () => {
    const before = fake.callsFor('slow')
    const body = { prompt: 'twin lighthouses', response_format: 'url' }
    const [first, second] = await Promise.all([post(body, 'parallel-1'), post(body, 'parallel-1')])
    expect([first.status, second.status]).toEqual([200, 200])
    const texts = [await first.text(), await second.text()]
    expect(texts[1]).toBe(texts[0])
    const replayed = [first, second].map((r) => r.headers.get('idempotent-replayed'))
    expect(replayed.sort()).toEqual([null, 'true'])
    expect(fake.callsFor('slow') - before).toBe(1)
  })

  it('replays a finished request: same status, same body, same image URL', async () => {
    const body = { prompt: 'a lighthouse, once', response_format: 'url' }
    const first = await post(body, 'replay-1')
    const before = fake.callsFor('slow')
    const again = await post(body, 'replay-1')
    expect(again.status).toBe(first.status)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'))
    // The first answer is sent whole, with its length, not streamed out of the recording.
    expect(first.headers.get('transfer-encoding')).toBeNull()
    expect(Number(first.headers.get('content-length'))).toBeGreaterThan(0)
    const [a, b] = [await first.json(), await again.json()]
    expect(b).toEqual(a)
    expect((await fetch(b.data[0].url)).status).toBe(200)
    expect(fake.callsFor('slow')).toBe(before)
  })

  it('refuses the same key with another body: 422 idempotency_key_reused, no upstream call', async () => {
    await post({ prompt: 'the first thing', response_format: 'url' }, 'reused-1')
    const before = fake.callsFor('slow')
    const response = await post({ prompt: 'something else', response_format: 'url' }, 'reused-1')
    expect(response.status).toBe(422)
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringMatching(/Idempotency-Key/),
        type: 'invalid_request_error',
        code: 'idempotency_key_reused',
        param: null,
      },
    })
    expect(fake.callsFor('slow')).toBe(before)
  })

  it('does not share a key between two clients', async () => {
    const before = fake.callsFor('slow')
    const body = { prompt: 'a lighthouse each', response_format: 'url' }
    const [alice, bob] = await Promise.all([
      post(body, 'shared-key', ALICE),
      post(body, 'shared-key', BOB),
    ])
    expect([alice.status, bob.status]).toEqual([200, 200])
    expect(bob.headers.get('idempotent-replayed')).toBeNull()
    expect(alice.headers.get('idempotent-replayed')).toBeNull()
    const [a, b] = [await alice.json(), await bob.json()]
    expect(b.data[0].url).not.toBe(a.data[0].url)
    expect(fake.callsFor('slow') - before).toBe(2)
  })

  it('replays a chat stream as it was sent, without generating again', async () => {
    const body = { messages: [{ role: 'user', content: 'a streamed lighthouse' }], stream: true }
    const first = await post(body, 'stream-1', ALICE, '/v1/chat/completions')
    const firstText = await first.text()
    const before = fake.callsFor('slow')
    const again = await post(body, 'stream-1', ALICE, '/v1/chat/completions')
    expect(again.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.text()).toBe(firstText)
    expect(firstText).toMatch(/\/image\/[\w-]+/)
    expect(firstText.trimEnd().endsWith('data: [DONE]')).toBe(true)
    expect(fake.callsFor('slow')).toBe(before)
  })

  it('refuses a malformed key before any upstream call', async () => {
    const before = fake.callsFor('slow')
    const response = await post({ prompt: 'x' }, 'x'.repeat(256))
    expect(response.status).toBe(400)
    expect((await response.json()).error.code).toBe('invalid_idempotency_key')
    expect(fake.callsFor('slow')).toBe(before)
  })
})

describe('an open gateway behind a trusted proxy', () => {
  it('keeps two clients apart by their forwarded addresses, not the proxy’s', async () => {
    const { fake, gateway, close } = await slowGateway(50, {
      API_KEYS: '',
      TRUST_PROXY: 'true',
      RATE_LIMIT: '0',
    })
    try {
      const body = JSON.stringify({ prompt: 'a lighthouse for each of us', response_format: 'url' })
      // An SDK retry without a key names its first attempt by client and body alone.
      const send = (address: string) =>
        fetch(`${gateway.url}/v1/images/generations`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-stainless-retry-count': '1',
            'x-forwarded-for': address,
          },
          body,
        })
      const first = await send('203.0.113.7')
      const other = await send('198.51.100.9')
      expect([first.status, other.status]).toEqual([200, 200])
      expect(other.headers.get('idempotent-replayed')).toBeNull()
      expect(fake.callsFor('slow')).toBe(2)
      const again = await send('203.0.113.7')
      expect(again.headers.get('idempotent-replayed')).toBe('true')
      expect(fake.callsFor('slow')).toBe(2)
    } finally {
      await close()
    }
  })
})
