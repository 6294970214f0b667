import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { type LanguageModel, streamText } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSse } from '../../src/chat/__fixtures__/sse.ts'
import { startFakeServer } from '../fakes/server.ts'
import { type RunningGateway, startGateway, TOO_SLOW_ENV } from './gateway.ts'

/**
 * A generation that fails after a chat stream began: the readable line for chat apps, then
 * OpenAI's error object, which the official SDK raises and the AI SDK reports. Without a
 * stream the same failure is an error status. Two gateways: one whose only upstream is too slow
 * for REQUEST_TIMEOUT, one whose only upstream refuses connections (a fast failure; after the
 * first, the target cools down and the failure is a 503 that says so, still inside the stream).
 */

/** An error object as OpenAI's SDKs and the AI SDK read it. */
const errorObject = {
  message: expect.any(String),
  type: expect.any(String),
  code: expect.any(String),
}

const UPSTREAM_KEY = 'sk-unreachable-secret-key-123456'
let slow: RunningGateway
let unreachable: RunningGateway
beforeAll(async () => {
  slow = await startGateway(TOO_SLOW_ENV)
  // A port that was just listening and is now closed: connection refused.
  const closed = await startFakeServer(() => {})
  await closed.close()
  unreachable = await startGateway({
    IMAGE_API_KEYS: UPSTREAM_KEY,
    SILICONFLOW_API_BASE: `${closed.url}/v1`,
    RATE_LIMIT: '0',
  })
})
afterAll(async () => {
  await Promise.all([slow.close(), unreachable.close()])
})

const post = (gateway: RunningGateway, content: string, stream = true) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'demo', stream, messages: [{ role: 'user', content }] }),
  })

/** The JSON of every `data:` block before `[DONE]`, checking that `[DONE]` ends the stream. */
function dataChunks(raw: string) {
  const data = parseSse(raw).flatMap((block) => (block.kind === 'data' ? [block.data] : []))
  expect(data.at(-1)).toBe('[DONE]')
  return data.slice(0, -1).map((text) => JSON.parse(text))
}

const contentOf = (chunks: { choices?: { delta: { content?: string } }[] }[]) =>
  chunks.map((chunk) => chunk.choices?.[0]?.delta.content ?? '').join('')

const PROMPT = 'A cat behind a wall'
const FAILED_LINE = '❌ Image generation failed:'

describe('a failure inside a chat stream', () => {
  it('is a readable line, then an error chunk with no choices, then [DONE]', async () => {
    const response = await post(slow, 'A cat that takes too long')
    expect(response.status).toBe(200)
    const raw = await response.text()
    expect(raw).not.toMatch(/^event:/m)
    const chunks = dataChunks(raw)
    expect(chunks.at(-1)).toEqual({
      error: {
        message: expect.stringMatching(/timeout|in time/),
        type: 'timeout_error',
        code: 'timeout',
        param: null,
      },
    })
    const content = contentOf(chunks)
    expect(content).toMatch(/❌ Image generation failed: .*(timeout|in time)/)
    expect(content).not.toContain('![')
    // A finish_reason after the error would read as success to a program.
    expect(raw).not.toContain('"finish_reason":"stop"')
  }, 20_000)

  it('is an error status without a stream', async () => {
    const response = await post(slow, 'A cat that takes too long', false)
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({
      error: { type: 'timeout_error', code: 'timeout', message: expect.any(String) },
    })
    const refused = await post(unreachable, PROMPT, false)
    expect(refused.status).toBe(502)
    const text = await refused.text()
    expect(text).not.toContain(UPSTREAM_KEY)
    expect(JSON.parse(text).error).toMatchObject({ type: 'api_error', message: /siliconflow/ })
  }, 20_000)

  it('never shows the upstream key, in the line or in the error object', async () => {
    const raw = await (await post(unreachable, PROMPT)).text()
    expect(raw).not.toContain(UPSTREAM_KEY)
    const chunks = dataChunks(raw)
    expect(chunks.at(-1).error).toMatchObject(errorObject)
    expect(contentOf(chunks)).toContain(FAILED_LINE)
  }, 20_000)

  it('makes the official openai SDK raise an APIError, after the readable line', async () => {
    const client = new OpenAI({ baseURL: `${unreachable.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const messages = [{ role: 'user' as const, content: PROMPT }]
    const stream = await client.chat.completions.create({ model: 'demo', messages, stream: true })
    let content = ''
    const raised = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
    })().then(
      () => null,
      (error: unknown) => error,
    )
    expect(raised).toBeInstanceOf(OpenAI.APIError)
    expect(raised).toMatchObject(errorObject)
    expect(content).toContain(FAILED_LINE)

    // The strict helper no longer takes it for a finished reply.
    const helper = client.chat.completions.stream({ model: 'demo', messages })
    await expect(helper.finalChatCompletion()).rejects.toBeInstanceOf(OpenAI.APIError)
  }, 20_000)

  const aiSdkModels: [string, () => LanguageModel][] = [
    [
      '@ai-sdk/openai-compatible',
      () =>
        createOpenAICompatible({ name: 'fluxgate', baseURL: `${unreachable.url}/v1` }).chatModel(
          'demo',
        ),
    ],
    [
      '@ai-sdk/openai, chat',
      () => createOpenAI({ baseURL: `${unreachable.url}/v1`, apiKey: 'x' }).chat('demo'),
    ],
    // Its default model speaks the Responses API: the same failure, in that API's stream.
    [
      '@ai-sdk/openai, responses',
      () => createOpenAI({ baseURL: `${unreachable.url}/v1`, apiKey: 'x' })('demo'),
    ],
  ]
  for (const [name, model] of aiSdkModels) {
    it(`makes the AI SDK (${name}) report the error and finish with "error"`, async () => {
      const errors: unknown[] = []
      const result = streamText({
        model: model(),
        prompt: PROMPT,
        maxRetries: 0,
        onError: ({ error }) => {
          errors.push(error)
        },
      })
      let text = ''
      for await (const delta of result.textStream) text += delta
      expect(text).toContain(FAILED_LINE)
      expect(errors).toEqual([expect.objectContaining(errorObject)])
      expect(await result.finishReason).toBe('error')
    }, 20_000)
  }
})
