import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageUrlOf, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** The real client libraries people point at the gateway, against the Node server. */

const API_KEY = 'clients-test-key-0123456789'
let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY })
})
afterAll(() => gateway.close())

const openai = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: API_KEY, maxRetries: 0 })
const aiSdk = (includeUsage = false) =>
  createOpenAICompatible({
    name: 'fluxgate',
    baseURL: `${gateway.url}/v1`,
    apiKey: API_KEY,
    includeUsage,
  })

/** The reply's image URL resolves to a PNG of the expected size with a correct content type. */
async function expectImage(content: string, size: { width: number; height: number }) {
  const url = imageUrlOf(content)
  expect(url.startsWith(`${gateway.url}/image/`)).toBe(true)
  const response = await fetch(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('image/png')
  expect(pngSize(new Uint8Array(await response.arrayBuffer()))).toEqual(size)
}

describe('official openai SDK', () => {
  it('chat.completions.create without stream', async () => {
    const completion = await openai().chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'A cute cat 3:2' }],
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage?.total_tokens).toBeGreaterThan(0)
    await expectImage(completion.choices[0]!.message.content!, { width: 768, height: 512 })
  })

  it('chat.completions.create with stream and include_usage', async () => {
    const stream = await openai().chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'A cute cat 16:9' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let content = ''
    let finish: string | null | undefined
    let usage: OpenAI.CompletionUsage | null | undefined
    const ids = new Set<string>()
    for await (const chunk of stream) {
      ids.add(chunk.id)
      content += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
      usage = chunk.usage ?? usage
    }
    expect(ids.size).toBe(1)
    expect(finish).toBe('stop')
    expect(usage?.completion_tokens).toBe(Math.ceil(content.length / 4))
    await expectImage(content, { width: 1024, height: 576 })
  })

  it('the .stream() helper and finalChatCompletion() (strict about role and finish_reason)', async () => {
    const stream = openai().chat.completions.stream({
      model: 'demo',
      messages: [{ role: 'user', content: 'A cute cat 9:16' }],
    })
    const completion = await stream.finalChatCompletion()
    expect(completion.choices[0]?.message.role).toBe('assistant')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    await expectImage(completion.choices[0]!.message.content!, { width: 576, height: 1024 })
  })

  it('surfaces a 400 as BadRequestError without retrying', async () => {
    const error = await openai()
      .chat.completions.create({ model: 'demo', messages: [{ role: 'assistant', content: 'x' }] })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400)
  })
})

describe('Vercel AI SDK (@ai-sdk/openai-compatible)', () => {
  it('generateText', async () => {
    const result = await generateText({
      model: aiSdk().chatModel('demo'),
      prompt: 'A cute cat 3:4',
      maxRetries: 0,
    })
    expect(result.finishReason).toBe('stop')
    await expectImage(result.text, { width: 768, height: 1024 })
  })

  it('streamText with usage', async () => {
    const errors: unknown[] = []
    const result = streamText({
      model: aiSdk(true).chatModel('demo'),
      prompt: 'A cute cat 1:1',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error)
      },
    })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expect(errors).toEqual([])
    expect(await result.finishReason).toBe('stop')
    expect((await result.usage).outputTokens).toBe(Math.ceil(text.length / 4))
    expect(text.startsWith('🎨 Original prompt: `A cute cat 1:1`  \n')).toBe(true)
    await expectImage(text, { width: 1024, height: 1024 })
  })
})
