import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { GatewayError } from '../errors.ts'
import {
  type Gateway,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { errorResponse } from '../http/error-response.ts'
import { type AppEnv, buildServices } from '../services.ts'
import { memoryStorage } from '../storage/memory.ts'
import { responsesRoutes } from './responses.ts'

type Generate = (gateway: Gateway, input: GenerationInput) => Promise<GenerationResult>

/** The Responses route alone, counting the generations it starts. */
function responsesApp(generate: Generate = generateImages, keepAliveMs?: number) {
  const services = buildServices({
    config: loadConfig({}),
    storage: memoryStorage(),
    log: () => {},
  })
  const calls: GenerationInput[] = []
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('services', services)
    c.set('log', {})
    await next()
  })
  app.route(
    '/',
    responsesRoutes({
      keepAliveMs,
      generate: (gateway, input) => {
        calls.push(input)
        return generate(gateway, input)
      },
    }),
  )
  app.onError((error, c) => errorResponse(c, error))
  return Object.assign(app, { calls })
}

const post = (app: Hono<AppEnv>, body: unknown) =>
  app.request('/v1/responses', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })

type Event = { event: string; data: Record<string, unknown> & { type: string } }

/** Every `event:` + `data:` pair of a Responses stream; each event's name is its `type`. */
function events(raw: string): Event[] {
  return raw
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [name, data] = block.split('\n')
      const event = { event: name!.slice(7), data: JSON.parse(data!.slice(6)) }
      expect(event.data.type).toBe(event.event)
      return event
    })
}

/** A body whose user message is text and one `input_image` with `image`'s fields. */
const withImage = (image: Record<string, string>) => ({
  input: [
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'make it blue' },
        { type: 'input_image', ...image },
      ],
    },
  ],
})

const failing =
  (error: Error, delayMs = 0): Generate =>
  async (_gateway, input) => {
    input.onProgress?.({ type: 'attempt', provider: 'p#1', model: 'm' })
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    throw error
  }

describe('POST /v1/responses refuses bad input before generating, as JSON even for a stream', () => {
  const refusals: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['no input', {}, { param: 'input', message: 'input is required.' }],
    ['an empty prompt', { input: ' ' }, { param: 'input', code: 'invalid_prompt' }],
    [
      'nothing but options',
      { input: [{ role: 'user', content: '--ar 16:9' }] },
      { param: 'input.0.content', message: expect.stringMatching(/^The prompt is empty/) },
    ],
    [
      'no user message',
      { input: [{ role: 'developer', content: 'draw' }] },
      { param: 'input', message: 'input must contain a user message: it is the image prompt.' },
    ],
    [
      "a tool's bad size",
      {
        input: 'x',
        tools: [
          { type: 'function', name: 'f' },
          { type: 'image_generation', size: '9' },
        ],
      },
      { param: 'tools.1.size', message: expect.stringMatching(/^tools\.1\.size must be "WIDTHx/) },
    ],
    [
      'a transparent background',
      { input: 'x', tools: [{ type: 'image_generation', background: 'transparent' }] },
      { param: 'background', code: 'unsupported_parameter' },
    ],
    [
      'a file_id that is no upload',
      withImage({ file_id: 'file-1' }),
      { param: 'input.0.content.1.file_id', code: 'invalid_image' },
    ],
    [
      "chat's --edit",
      { input: [{ role: 'user', content: 'make it blue --edit' }] },
      { param: 'input.0.content', message: expect.stringMatching(/^--edit is for chat/) },
    ],
    [
      'a link to a private host',
      withImage({ image_url: 'http://127.0.0.1/a.png' }),
      { param: 'input.0.content.1.image_url', code: 'invalid_image' },
    ],
    [
      'a stored response to continue',
      { input: 'x', previous_response_id: 'resp_1' },
      { param: 'previous_response_id', code: 'previous_response_not_found' },
    ],
    [
      'background mode',
      { input: 'x', background: true },
      { param: 'background', code: 'unsupported_parameter' },
    ],
  ]
  it.each(refusals)('%s', async (_, body, error) => {
    const app = responsesApp()
    const response = await post(app, { model: 'demo', stream: true, ...body })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect((await response.json()).error).toMatchObject({ type: 'invalid_request_error', ...error })
    expect(app.calls).toEqual([])
  })

  it('accepts what it does not use: other items, null fields, store, background: false', async () => {
    const app = responsesApp()
    const response = await post(app, {
      model: 'any-text-model',
      store: true,
      background: false,
      previous_response_id: null,
      instructions: null,
      temperature: 0.2,
      input: [
        { type: 'item_reference', id: 'msg_1' },
        { type: 'function_call_output', call_id: 'c', output: '{}' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a fox 3:2' }] },
      ],
    })
    expect(response.status).toBe(200)
    const reply = await response.json()
    expect(reply.output[0].content[0].text).toContain('The model `any-text-model` is not available')
    expect(app.calls).toMatchObject([{ prompt: 'a fox', width: 768, height: 512 }])
  })

  it("draws the prompt's own size over the tool's", async () => {
    const app = responsesApp()
    const tools = [{ type: 'image_generation', size: '512x512', quality: 'high' }]
    const reply = await (await post(app, { input: 'a fox 16:9', tools })).json()
    expect(app.calls).toMatchObject([{ width: 1024, height: 576 }])
    expect(reply.output[0]).toMatchObject({
      size: '1024x576',
      quality: 'high',
      background: 'opaque',
    })
  })
})

describe('a failure after the stream began', () => {
  const failure = new GatewayError(502, 'upstream_failed', 'Every upstream failed: p#1: HTTP 500')

  it('is the failure line in the message, then an error event and response.failed', async () => {
    const response = await post(responsesApp(failing(failure)), { input: 'a cat', stream: true })
    expect(response.status).toBe(200)
    const all = events(await response.text())
    const types = all.map(({ event }) => event)
    expect(types.slice(-2)).toEqual(['error', 'response.failed'])
    expect(types).not.toContain('response.completed')
    expect(types).not.toContain('response.output_text.done')
    const text = all.flatMap(({ data }) =>
      data.type === 'response.output_text.delta' ? [data.delta] : [],
    )
    expect(text.join('')).toContain(
      '❌ Image generation failed: Every upstream failed: p#1: HTTP 500',
    )
    const body = {
      message: failure.message,
      type: 'api_error',
      code: 'upstream_failed',
      param: null,
    }
    // Both shapes: the documented top-level fields and the error object OpenAI's API sends.
    expect(all.at(-2)!.data).toEqual({
      type: 'error',
      sequence_number: all.length - 2,
      code: 'upstream_failed',
      message: failure.message,
      param: null,
      error: body,
    })
    expect(all.at(-1)!.data.response).toMatchObject({
      status: 'failed',
      error: { code: 'upstream_failed', message: failure.message },
      output: [{ type: 'message', status: 'incomplete' }],
    })
  })

  it('with the tool: the call is left in progress, then the same two events', async () => {
    const app = responsesApp(failing(failure))
    const body = { input: 'a cat', stream: true, tools: [{ type: 'image_generation' }] }
    const all = events(await (await post(app, body)).text())
    expect(all.map(({ event }) => event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.image_generation_call.in_progress',
      'response.image_generation_call.generating',
      'error',
      'response.failed',
    ])
    expect(all.at(-1)!.data.response).toMatchObject({
      output: [{ type: 'image_generation_call', status: 'in_progress', result: null }],
    })
  })

  it('is kept alive with comments while it waits', async () => {
    const app = responsesApp(failing(failure, 60), 10)
    const raw = await (await post(app, { input: 'a cat', stream: true })).text()
    expect(raw).toContain('\n\n: keep-alive\n\n')
    expect(raw).not.toContain('[DONE]')
  })
})
