import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWait, errorHeaders, GatewayError } from '../../src/errors.ts'
import { type FakeWorkersAi, startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * A wait longer than a client should sleep through (Workers AI's daily quota: until 00:00 UTC)
 * must make the official SDK give up at once and say how long, not sleep for hours.
 */

const KEY = 'client-key-for-long-waits'
let fake: FakeWorkersAi
let gateway: RunningGateway

beforeAll(async () => {
  fake = await startFakeWorkersAi({
    accounts: { acc1: 'cf-token-long-wait' },
    image: makeJpeg(64, 64, 1024),
  })
  fake.mode = 'quota'
  gateway = await startGateway({
    API_KEY: KEY,
    CF_ACCOUNT_ID: 'acc1',
    CF_API_TOKEN: 'cf-token-long-wait',
    CF_API_BASE: fake.apiBase,
  })
})
afterAll(async () => {
  await gateway?.close()
  await fake?.close()
})

describe('a wait of hours', () => {
  it('makes the openai SDK raise at once with the wait in the message', async () => {
    // Default retries: without `x-should-retry: false` the SDK would sleep until midnight UTC.
    const client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1` })
    const failure = await client.images
      .generate({ model: 'flux-schnell', prompt: 'a fox at night' })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(OpenAI.APIError)
    const error = failure as InstanceType<typeof OpenAI.APIError>
    expect(error.status).toBe(503)
    expect(error.headers?.get('x-should-retry')).toBe('false')
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0)
    expect(error.message).toMatch(/try again in (\d+ h )?\d+ min/i)
    expect(fake.calls).toHaveLength(1)
  })
})

describe('errorHeaders', () => {
  const cooling = (retryAfter: number) =>
    new GatewayError(503, 'all_targets_cooling_down', 'cooling down', { retryAfter })

  it('lets clients retry a wait of up to a minute', () => {
    expect(errorHeaders(cooling(60))).toEqual({ 'Retry-After': '60' })
  })

  it('tells clients not to retry a wait longer than a minute, and still says how long', () => {
    expect(errorHeaders(cooling(61))).toEqual({ 'Retry-After': '61', 'x-should-retry': 'false' })
    expect(errorHeaders(cooling(84_583))['x-should-retry']).toBe('false')
  })
})

describe('describeWait', () => {
  it('words a wait in seconds, minutes or hours and minutes, rounding up', () => {
    expect(describeWait(0.2)).toBe('1 s')
    expect(describeWait(59)).toBe('59 s')
    expect(describeWait(61)).toBe('2 min')
    expect(describeWait(3600)).toBe('1 h')
    expect(describeWait(84_583)).toBe('23 h 30 min')
  })
})
