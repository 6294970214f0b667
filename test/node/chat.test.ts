import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { imageUrlOf, parseSse, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { MAX_PROMPT_CHARS } from '../../src/request/fields.ts'
import { answer, serverError, startFakeLlm } from '../fakes/llm.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

const API_KEY = 'test-client-key-0123456789'
const auth = { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY })
})
afterAll(() => gateway.close())

const chat = (body: unknown, headers: Record<string, string> = auth, base = gateway.url) =>
  fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

const storedImages = async (dataDir = gateway.dataDir) =>
  (await readdir(join(dataDir, 'images')).catch(() => [])).filter((name) => !name.startsWith('.'))

/** Fetches the image a reply links to and checks it is a real PNG of the stated size. */
async function expectWorkingImage(content: string) {
  const url = imageUrlOf(content)
  expect(url.startsWith(`${gateway.url}/image/`)).toBe(true)
  const image = await fetch(url)
  expect(image.status).toBe(200)
  expect(image.headers.get('content-type')).toBe('image/png')
  return pngSize(new Uint8Array(await image.arrayBuffer()))
}

describe('POST /v1/chat/completions', () => {
  it("answers Flux-API-Worker's README example with its layout, 768x512 and a working link", async () => {
    const response = await chat({
      messages: [{ role: 'user', content: 'A cute cat 3:2' }],
      stream: false,
    })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-\w+$/),
      object: 'chat.completion',
      model: 'demo',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    })
    expect(Number.isInteger(body.created)).toBe(true)
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60)
    const { prompt_tokens, completion_tokens, total_tokens } = body.usage
    for (const n of [prompt_tokens, completion_tokens, total_tokens]) {
      expect(Number.isInteger(n)).toBe(true)
    }
    expect(total_tokens).toBe(prompt_tokens + completion_tokens)
    // Flux-API-Worker counted characters as tokens; the estimate is about a quarter of that.
    expect(prompt_tokens).toBe(Math.ceil('A cute cat 3:2'.length / 4))

    const content: string = body.choices[0].message.content
    expect(content).toMatch(
      /^🎨 Original prompt: `A cute cat 3:2` {2}\n💬 Prompt generation model: Original Prompt {2}\n🌐 Optimized prompt: `A cute cat` {2}\n📐 Image specifications: 768x512 {2}\n🤖 Model: demo \(provider: demo\) {2}\n🎲 Seed: \d+ {2}\n⏱️ Time taken: \d+\.\d s {2}\n🌟 Image generation successful! {2}\nHere's the result: {2}\n\n!\[A cute cat\]\(http:\/\/127\.0\.0\.1:\d+\/image\/[\w-]+\)$/,
    )
    expect(await expectWorkingImage(content)).toEqual({ width: 768, height: 512 })
  })

  it('returns 401 without the key or with a wrong one', async () => {
    const body = { messages: [{ role: 'user', content: 'A cute cat 3:2' }] }
    for (const headers of [
      { 'Content-Type': 'application/json' } as Record<string, string>,
      { 'Content-Type': 'application/json', Authorization: 'Bearer wrong' },
    ]) {
      const response = await chat(body, headers)
      expect(response.status).toBe(401)
      expect(response.headers.get('x-should-retry')).toBe('false')
      expect((await response.json()).error).toMatchObject({ type: 'authentication_error' })
    }
  })

  it('rejects every kind of bad input with a 400 and never generates an image', async () => {
    const before = await storedImages()
    // The earlier tests stored images, so an empty listing would mean a wrong directory.
    expect(before.length).toBeGreaterThan(0)
    const cases: [string, unknown][] = [
      ['non-JSON body', '{"messages": [ oops'],
      ['JSON that is not an object', '[1, 2]'],
      ['messages missing', { model: 'demo' }],
      ['messages not an array', { messages: 'A cute cat' }],
      ['no messages', { messages: [] }],
      ['no user message', { messages: [{ role: 'system', content: 'You draw.' }] }],
      ['only assistant messages', { messages: [{ role: 'assistant', content: 'A cat' }] }],
      ['blank prompt', { messages: [{ role: 'user', content: '  \n\t ' }] }],
      ['null content', { messages: [{ role: 'user', content: null }] }],
      [
        'content parts with no text',
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      ],
      ['content of the wrong type', { messages: [{ role: 'user', content: 42 }] }],
      [
        'prompt over the limit',
        { messages: [{ role: 'user', content: 'a'.repeat(MAX_PROMPT_CHARS + 1) }] },
      ],
      ['only options', { messages: [{ role: 'user', content: '16:9 --seed 4' }] }],
      ['bad flag value', { messages: [{ role: 'user', content: 'a cat --steps many' }] }],
    ]
    for (const [name, body] of cases) {
      for (const stream of [false, true]) {
        const payload =
          typeof body === 'object' && body && !Array.isArray(body) ? { ...body, stream } : body
        const response = await chat(payload)
        expect(response.status, name).toBe(400)
        expect(response.headers.get('content-type'), name).toMatch(/^application\/json/)
        expect(response.headers.get('x-should-retry'), name).toBe('false')
        const { error } = await response.json()
        expect(error, name).toEqual({
          message: expect.any(String),
          type: 'invalid_request_error',
          code: expect.any(String),
          param: error.param === null ? null : expect.any(String),
        })
      }
    }
    expect(await storedImages()).toEqual(before)
  })

  it('accepts string and array content, extra fields and nulls', async () => {
    const response = await chat({
      model: 'demo',
      messages: [
        { role: 'system', content: 'You are helpful.' },
        {
          role: 'user',
          // Image parts of earlier messages are not read: this one is no image at all.
          content: [
            { type: 'text', text: 'an old prompt' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a lighthouse' },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
            { type: 'text', text: 'at night 9:16' },
          ],
        },
      ],
      temperature: null,
      top_p: 1,
      n: 1,
      tools: null,
      stream_options: null,
      user: 'x',
      seed: -1,
    })
    expect(response.status).toBe(200)
    const content: string = (await response.json()).choices[0].message.content
    expect(content).toContain('🌐 Optimized prompt: `a lighthouse at night`  \n')
    expect(content).not.toContain('not available here')
    expect(await expectWorkingImage(content)).toEqual({ width: 576, height: 1024 })
  })

  it('falls back to the default model for an unknown model, and says so', async () => {
    const response = await chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a red fox --seed 5 --model also-unknown' }],
    })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.model).toBe('demo')
    expect(body.choices[0].message.content).toContain(
      'The model `also-unknown` is not available here; the default model `demo` was used.',
    )
    expect(body.choices[0].message.content).toContain('🎲 Seed: 5  \n')
  })

  it('logs model, provider and attempts, but not the prompt', async () => {
    const marker = 'a very particular marker prompt'
    await chat({ messages: [{ role: 'user', content: marker }] })
    const line = gateway.logs.findLast((entry) => entry.path === '/v1/chat/completions')
    expect(line).toMatchObject({ status: 200, model: 'demo', provider: 'demo', attempts: 1 })
    expect(JSON.stringify(gateway.logs)).not.toContain(marker)
    expect(JSON.stringify(gateway.logs)).not.toContain(API_KEY)
  })

  it('logs a streamed request when its stream ends, with the provider and attempts', async () => {
    const response = await chat({
      messages: [{ role: 'user', content: 'A streamed fox' }],
      stream: true,
    })
    const id = response.headers.get('x-request-id')
    // The headers are out, but the line waits for the stream: nothing logged for it yet.
    expect(gateway.logs.find((entry) => entry.id === id)).toBeUndefined()
    expect(await response.text()).toContain('data: [DONE]')
    await vi.waitFor(() => expect(gateway.logs.find((entry) => entry.id === id)).toBeDefined())
    expect(gateway.logs.find((entry) => entry.id === id)).toMatchObject({
      status: 200,
      route: '/v1/chat/completions',
      model: 'demo',
      provider: 'demo',
      attempts: 1,
    })
  })

  it('shows the LLM that rewrote the prompt, and its fallback when it fails', async () => {
    const llm = await startFakeLlm()
    const optimized = await startGateway({
      PROMPT_OPTIMIZATION: 'true',
      EXTERNAL_API_BASE: llm.url,
      EXTERNAL_MODEL: 'gpt-fake',
      EXTERNAL_API_KEY: 'llm-secret-key-0123456789',
    })
    try {
      llm.respondWith(answer('A fluffy cat on a velvet cushion'))
      const request = { messages: [{ role: 'user', content: 'A cute cat 3:2' }], stream: true }
      const headers = { 'Content-Type': 'application/json' }
      const raw = await (await chat(request, headers, optimized.url)).text()
      const content = parseSse(raw)
        .flatMap((block) => (block.kind === 'data' && block.data !== '[DONE]' ? [block.data] : []))
        .map((data) => JSON.parse(data).choices[0]?.delta.content ?? '')
        .join('')
      expect(content).toContain(
        '💬 Prompt generation model: gpt-fake  \n🌐 Optimized prompt: `A fluffy cat on a velvet cushion`  \n',
      )
      // The LLM saw the prompt without its options; the alt text stays the person's prompt.
      expect(llm.calls.at(-1)?.body.messages.at(-1)?.content).toBe('A cute cat')
      expect(content).toMatch(/!\[A cute cat\]\(/)

      llm.respondWith(serverError())
      const fallback = await (
        await chat({ ...request, stream: false }, headers, optimized.url)
      ).json()
      const text: string = fallback.choices[0].message.content
      expect(text).toContain(
        '💬 Prompt generation model: Original Prompt  \n🌐 Optimized prompt: `A cute cat`  \n',
      )
      expect(text).toMatch(/\nℹ️ Note: .+ {2}\n/)
      expect(text).not.toContain('llm-secret-key')
    } finally {
      await optimized.close()
      await llm.close()
    }
  })

  it('writes REPLY_LANGUAGE=ja replies in Japanese', async () => {
    const ja = await startGateway({ REPLY_LANGUAGE: 'ja' })
    try {
      const response = await chat(
        { messages: [{ role: 'user', content: 'A cute cat 16:9' }] },
        { 'Content-Type': 'application/json' },
        ja.url,
      )
      const content: string = (await response.json()).choices[0].message.content
      expect(content).toMatch(/^🎨 元のプロンプト：`A cute cat 16:9` {2}\n/)
      expect(content).toContain('📐 画像サイズ：1024x576  \n')
      expect(content).toContain('🌟 画像の生成に成功しました！')
      expect(content).not.toContain('Original prompt')
    } finally {
      await ja.close()
    }
  })

  it('embeds a data URI that decodes to the PNG with CHAT_IMAGE_FORMAT=data_uri', async () => {
    const inline = await startGateway({ CHAT_IMAGE_FORMAT: 'data_uri' })
    try {
      const response = await chat(
        { messages: [{ role: 'user', content: 'A cute cat 1:2' }] },
        { 'Content-Type': 'application/json' },
        inline.url,
      )
      const content: string = (await response.json()).choices[0].message.content
      const url = imageUrlOf(content)
      expect(url).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/)
      const bytes = Uint8Array.from(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'))
      expect(pngSize(bytes)).toEqual({ width: 512, height: 1024 })
    } finally {
      await inline.close()
    }
  })
})
