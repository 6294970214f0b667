import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_SEED } from '../../src/request/fields.ts'
import { type FakeOpenAiImages, startFakeOpenAiImages } from '../fakes/openai-images.ts'
import { type FakeTogether, startFakeTogether } from '../fakes/together.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The chat body's `seed`, as SillyTavern and the AI SDK send it, through to the upstream: a fake
 * Together AI (which takes seeds) serves `flux-schnell`, a fake OpenAI-compatible server (whose
 * Images API has no seed) serves `sd-turbo`. Every test draws its own prompt, since a seeded
 * request is otherwise answered from the store without an upstream call.
 */

let together: FakeTogether
let openai: FakeOpenAiImages
let gateway: RunningGateway
beforeAll(async () => {
  together = await startFakeTogether()
  openai = await startFakeOpenAiImages()
  gateway = await startGateway({
    RATE_LIMIT: '0',
    PROVIDERS: JSON.stringify([
      { type: 'together', keys: ['tgp_v1_good-key-000'], baseUrl: together.baseUrl },
      { type: 'openai', keys: [], baseUrl: openai.baseUrl, models: ['sd-turbo'] },
    ]),
  })
})
afterAll(async () => {
  await Promise.all([gateway.close(), together.close(), openai.close()])
})

async function reply(body: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'flux-schnell', ...body }),
  })
  return { status: response.status, body: await response.json() }
}

const ask = (content: string, fields: Record<string, unknown> = {}) =>
  reply({ messages: [{ role: 'user', content }], ...fields })
const contentOf = (body: { choices: { message: { content: string } }[] }) =>
  body.choices[0]!.message.content
const lastSeed = () => together.bodies().at(-1)?.seed

describe("the chat body's seed", () => {
  it('reaches the upstream and the reply', async () => {
    const { status, body } = await ask('a fox in the snow', { seed: 1234 })
    expect(status).toBe(200)
    expect(lastSeed()).toBe(1234)
    expect(contentOf(body)).toContain('🎲 Seed: 1234  \n')
  })

  it('comes from the AI SDK as it sends it', async () => {
    const provider = createOpenAICompatible({ name: 'fluxgate', baseURL: `${gateway.url}/v1` })
    const result = await generateText({
      model: provider.chatModel('flux-schnell'),
      prompt: 'a fox under the moon',
      seed: 4321,
      maxRetries: 0,
    })
    expect(result.finishReason).toBe('stop')
    expect(lastSeed()).toBe(4321)
  })

  it("gives way to the prompt's own --seed, -1 (random) included", async () => {
    await ask('a fox in a meadow --seed 7', { seed: 1234 })
    expect(lastSeed()).toBe(7)
    await ask('a fox in a forest --seed -1', { seed: 1234 })
    expect(lastSeed()).toEqual(expect.any(Number))
    expect(lastSeed()).not.toBe(1234)
  })

  it('means a random seed when -1 or null, as everywhere', async () => {
    for (const seed of [-1, null]) {
      const calls = together.bodies().length
      await ask('a fox on a hill', { seed })
      expect(together.bodies()).toHaveLength(calls + 1)
      expect(lastSeed()).toEqual(expect.any(Number))
    }
  })

  it('is refused out of range with a 400 naming it, before any upstream call', async () => {
    const calls = together.bodies().length
    for (const seed of [MAX_SEED + 1, 2.5, 'tomorrow']) {
      const { status, body } = await ask('a fox in the rain', { seed, stream: true })
      expect(status).toBe(400)
      expect(body.error).toMatchObject({ param: 'seed', type: 'invalid_request_error' })
    }
    expect(together.bodies()).toHaveLength(calls)
  })
})

describe('a model without seeds', () => {
  it('says nothing about seeds when none was asked for', async () => {
    const { body } = await ask('a heron at dawn', { model: 'sd-turbo' })
    expect(openai.bodies()).toHaveLength(1)
    expect(openai.bodies()[0]).not.toHaveProperty('seed')
    expect(contentOf(body)).not.toContain('seed')
    expect(contentOf(body)).not.toContain('⚠️')
  })

  it('says it took none when one was asked for, in the body or the prompt', async () => {
    for (const [content, fields] of [
      ['a heron at noon', { seed: 5 }],
      ['a heron at dusk --seed 5', {}],
    ] as const) {
      const { body } = await ask(content, { model: 'sd-turbo', ...fields })
      expect(contentOf(body)).toContain('⚠️ Adjusted: this model does not take a seed  \n')
    }
  })
})
