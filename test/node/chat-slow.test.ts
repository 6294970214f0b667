import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { streamText } from 'ai'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { imageUrlOf } from '../../src/chat/__fixtures__/sse.ts'
import { KEEP_ALIVE_MS } from '../../src/http/event-stream.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** A slow upstream: the demo provider with a delay. Failing ones: chat-failure.test.ts. */

const slowDemo = (delayMs: number) => JSON.stringify([{ type: 'demo', options: { delayMs } }])
const running: RunningGateway[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()))
})
async function gatewayWith(env: Record<string, string>) {
  const gateway = await startGateway(env)
  running.push(gateway)
  return gateway
}

const body = (content: string, stream = true) =>
  JSON.stringify({ model: 'demo', stream, messages: [{ role: 'user', content }] })
const post = (url: string, content: string, init: RequestInit = {}, stream = true) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body(content, stream),
    ...init,
  })

/** Reads a stream, noting when each SSE block arrived (ms since the request was sent). */
async function timedBlocks(url: string, content: string) {
  const started = Date.now()
  const response = await post(url, content)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const blocks: { at: number; text: string }[] = []
  let pending = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    pending += value
    const parts = pending.split('\n\n')
    pending = parts.pop()!
    for (const text of parts) blocks.push({ at: Date.now() - started, text })
  }
  return blocks
}

const storedImages = async (gateway: RunningGateway) =>
  (await readdir(join(gateway.dataDir, 'images'))).filter((name) => !name.startsWith('.'))

describe('chat stream with a slow upstream', () => {
  it('sends `: keep-alive` within the default interval, and both SDKs still parse it', async () => {
    expect(KEEP_ALIVE_MS).toBeLessThanOrEqual(10_000)
    const gateway = await gatewayWith({ PROVIDERS: slowDemo(KEEP_ALIVE_MS + 1_500) })
    const baseURL = `${gateway.url}/v1`

    const raw = timedBlocks(gateway.url, 'A slow cat 3:2')
    const viaOpenAi = (async () => {
      const client = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 })
      const stream = client.chat.completions.stream({
        model: 'demo',
        messages: [{ role: 'user', content: 'A slow dog' }],
      })
      return (await stream.finalChatCompletion()).choices[0]!
    })()
    const viaAiSdk = (async () => {
      const provider = createOpenAICompatible({ name: 'fluxgate', baseURL, apiKey: 'none' })
      const result = streamText({
        model: provider.chatModel('demo'),
        prompt: 'A slow bird',
        maxRetries: 0,
      })
      let text = ''
      for await (const delta of result.textStream) text += delta
      return { text, finishReason: await result.finishReason }
    })()

    const blocks = await raw
    const role = blocks.findIndex((block) => block.text.includes('"role":"assistant"'))
    const keepAlive = blocks.findIndex((block) => block.text === ': keep-alive')
    const image = blocks.findIndex((block) => block.text.includes('!['))
    expect(role).toBe(0)
    expect(keepAlive).toBeGreaterThan(role)
    expect(keepAlive).toBeLessThan(image)
    // The role chunk and the original prompt come at once; the comment within the interval.
    expect(blocks[0]!.at).toBeLessThan(2_000)
    expect(blocks[1]!.text).toContain('🎨 Original prompt: `A slow cat 3:2`')
    expect(blocks[keepAlive]!.at - blocks[0]!.at).toBeLessThanOrEqual(KEEP_ALIVE_MS + 1_000)
    expect(blocks.at(-1)!.text).toBe('data: [DONE]')

    const openAiChoice = await viaOpenAi
    expect(openAiChoice.finish_reason).toBe('stop')
    expect(imageUrlOf(openAiChoice.message.content!)).toMatch(/\/image\//)
    const aiSdk = await viaAiSdk
    expect(aiSdk.finishReason).toBe('stop')
    expect(imageUrlOf(aiSdk.text)).toMatch(/\/image\//)
  }, 30_000)

  it('aborts generation when the client disconnects', async () => {
    const gateway = await gatewayWith({ PROVIDERS: slowDemo(4_000) })
    const client = new AbortController()
    const abandoned = post(gateway.url, 'An abandoned cat', { signal: client.signal })
    // A second, patient client proves that an image would have been stored otherwise.
    const patient = post(gateway.url, 'A patient cat').then((response) => response.text())
    const reader = (await abandoned).body!.getReader()
    await reader.read()
    // The demo provider draws first and then waits; leave in its wait, where abort is honoured.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    client.abort()
    expect(imageUrlOf(await patient)).toMatch(/\/image\//)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await storedImages(gateway)).toHaveLength(1)
  }, 20_000)
})
