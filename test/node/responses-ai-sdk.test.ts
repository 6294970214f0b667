import { createOpenAI } from '@ai-sdk/openai'
import { generateText, streamText, type ToolSet } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageUrlOf, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The Vercel AI SDK's default OpenAI model, `openai('...')`, which calls `POST /v1/responses`
 * (with `store: true`, as it always does), against the Node server and the demo provider.
 */

const API_KEY = 'responses-ai-sdk-key-0123456789'
let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY })
})
afterAll(() => gateway.close())

/** Bodies the AI SDK sent, as it sent them. */
const sent: Record<string, unknown>[] = []
const openai = () =>
  createOpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: API_KEY,
    fetch: (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body))
      return fetch(url, init)
    },
  })

async function linkedImageSize(markdown: string) {
  const response = await fetch(imageUrlOf(markdown))
  expect(response.headers.get('content-type')).toBe('image/png')
  return pngSize(new Uint8Array(await response.arrayBuffer()))
}

describe('Vercel AI SDK, openai(...) (the Responses API)', () => {
  it('generateText reads the markdown link', async () => {
    const result = await generateText({
      model: openai()('demo'),
      system: 'You draw pictures.',
      prompt: 'A cute cat 3:4',
      maxRetries: 0,
    })
    expect(result.finishReason).toBe('stop')
    expect(result.text).toContain('🎨 Original prompt: `A cute cat 3:4`')
    expect(await linkedImageSize(result.text)).toEqual({ width: 768, height: 1024 })
    expect(result.usage.outputTokens).toBe(Math.ceil(result.text.length / 4))
    expect(result.response.id).toMatch(/^resp_/)
  })

  it('continues a stored conversation: item references and store: true, the last user message drawn', async () => {
    const result = await generateText({
      model: openai()('demo'),
      messages: [
        { role: 'user', content: 'a cat' },
        {
          role: 'assistant',
          content: [
            {
              type: 'text',
              text: 'a cat, drawn',
              providerOptions: { openai: { itemId: 'msg_1' } },
            },
          ],
        },
        { role: 'user', content: 'a dog 3:2' },
      ],
      providerOptions: { openai: { store: true } },
      maxRetries: 0,
    })
    expect(sent.at(-1)).toMatchObject({
      store: true,
      input: [expect.anything(), { type: 'item_reference', id: 'msg_1' }, expect.anything()],
    })
    expect(result.text).toContain('🎨 Original prompt: `a dog 3:2`')
    expect(await linkedImageSize(result.text)).toEqual({ width: 768, height: 512 })
  })

  it('streamText streams the same reply, with no error', async () => {
    const errors: unknown[] = []
    const result = streamText({
      model: openai()('demo'),
      prompt: 'A cute cat 16:9',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error)
      },
    })
    const deltas: string[] = []
    for await (const delta of result.textStream) deltas.push(delta)
    expect(errors).toEqual([])
    expect(deltas.length).toBeGreaterThan(2)
    expect(await result.finishReason).toBe('stop')
    expect(await linkedImageSize(deltas.join(''))).toEqual({ width: 1024, height: 576 })
  })

  it('takes the image from the image_generation tool as a provider-executed tool result', async () => {
    const provider = openai()
    const image = provider.tools.imageGeneration({ outputFormat: 'png' })
    const result = await generateText({
      model: provider('demo'),
      prompt: 'a lighthouse 1:2',
      // `ai` and `@ai-sdk/openai` carry different versions of provider-utils' types.
      tools: { image_generation: image } as unknown as ToolSet,
      maxRetries: 0,
    })
    const [call] = result.toolResults
    expect(call).toMatchObject({ toolName: 'image_generation', providerExecuted: true })
    const base64 = (call?.output as { result: string }).result
    expect(pngSize(Buffer.from(base64, 'base64'))).toEqual({ width: 512, height: 1024 })
    expect(result.text).toMatch(/^🎨 `a lighthouse` · 📐 512x1024/)
  })
})
