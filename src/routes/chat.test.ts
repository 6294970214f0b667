import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { GatewayError } from '../errors.ts'
import type { Gateway, GenerationInput, GenerationResult } from '../generate/index.ts'
import { errorResponse } from '../http/error-response.ts'
import type { Logger } from '../middleware/request-log.ts'
import { type AppEnv, buildServices } from '../services.ts'
import { type ChatRouteOptions, chatRoutes } from './chat.ts'

const quiet: Logger = () => {}

/** The chat routes alone, with a stand-in generation function. */
function chatApp(generate: ChatRouteOptions['generate'], keepAliveMs?: number, log = quiet) {
  const services = buildServices({ config: loadConfig({}), storage: null, log })
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('services', services)
    c.set('log', {})
    await next()
  })
  app.route('/', chatRoutes({ generate, keepAliveMs }))
  app.onError((error, c) => errorResponse(c, error))
  return app
}

const post = (app: Hono<AppEnv>, body: unknown, init: RequestInit = {}) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  })

const sseContent = (raw: string) =>
  raw
    .split('\n\n')
    .filter((block) => block.startsWith('data: {'))
    .map((block) => JSON.parse(block.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('')

const failing =
  (error: Error) =>
  async (_gateway: Gateway, input: GenerationInput): Promise<GenerationResult> => {
    input.onProgress?.({ type: 'attempt', provider: 'p#1', model: 'm' })
    throw error
  }

describe('chat route', () => {
  it('tells an error after the stream began in delta.content, then as an error chunk', async () => {
    const app = chatApp(
      failing(new GatewayError(502, 'upstream_failed', 'Every upstream failed: p#1: HTTP 500')),
    )
    const response = await post(app, {
      stream: true,
      messages: [{ role: 'user', content: 'a cat' }],
    })
    expect(response.status).toBe(200)
    const raw = await response.text()
    expect(raw).not.toMatch(/^event:/m)
    const content = sseContent(raw)
    expect(content).toContain('⏳ Generating with m via p#1…  \n')
    expect(content).toContain('❌ Image generation failed: Every upstream failed: p#1: HTTP 500')
    expect(raw).not.toContain('"finish_reason":"stop"')
    expect(raw.split('\n\n').slice(-3)).toEqual([
      `data: ${JSON.stringify({
        error: {
          message: 'Every upstream failed: p#1: HTTP 500',
          type: 'api_error',
          code: 'upstream_failed',
          param: null,
        },
      })}`,
      'data: [DONE]',
      '',
    ])
  })

  it('shows a generic message, not internals, for an unexpected error mid-stream', async () => {
    const logged: unknown[] = []
    const app = chatApp(failing(new Error('secret internal detail sk-123')), undefined, (line) =>
      logged.push(line),
    )
    const raw = await (
      await post(app, { stream: true, messages: [{ role: 'user', content: 'a cat' }] })
    ).text()
    expect(sseContent(raw)).toContain('Image generation failed: Internal server error')
    expect(raw).toContain('{"error":{"message":"Internal server error","type":"api_error"')
    expect(raw).not.toContain('sk-123')
    // The operator still learns what happened, as onError would have logged it.
    expect(logged).toMatchObject([{ level: 'error', message: 'secret internal detail sk-123' }])
  })

  it('answers a failure before the stream as a JSON error with its status', async () => {
    const app = chatApp(failing(new GatewayError(504, 'timeout', 'No image within the timeout')))
    const response = await post(app, { messages: [{ role: 'user', content: 'a cat' }] })
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({
      error: { code: 'timeout', message: 'No image within the timeout' },
    })
    const refused = chatApp(
      failing(
        new GatewayError(400, 'content_policy_violation', 'refused', {
          upstream: { failure: 'refused', provider: 'p' },
        }),
      ),
    )
    const refusal = await post(refused, { messages: [{ role: 'user', content: 'a cat' }] })
    expect(refusal.status).toBe(400)
    expect(refusal.headers.get('x-should-retry')).toBe('false')
  })

  it('passes options, the model choice and a live signal to generation', async () => {
    const inputs: GenerationInput[] = []
    const app = chatApp(async (_gateway, input) => {
      inputs.push(input)
      throw new GatewayError(502, 'upstream_failed', 'stop here')
    })
    await post(app, {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'a fox 16:9 --seed 7 --steps 3 --no blur' }],
    })
    await post(app, { model: 'demo', messages: [{ role: 'user', content: 'a fox --model nope' }] })
    await post(app, { model: 'nope', messages: [{ role: 'user', content: 'a fox --model demo' }] })
    const fields = { seed: 9, image_config: { aspect_ratio: '9:16' } }
    await post(app, { ...fields, messages: [{ role: 'user', content: 'a fox' }] })
    await post(app, { ...fields, messages: [{ role: 'user', content: 'a fox 1:1 --seed 8' }] })
    expect(inputs[0]).toMatchObject({
      prompt: 'a fox',
      width: 1024,
      height: 576,
      seed: 7,
      steps: 3,
      negativePrompt: 'blur',
      n: 1,
      model: undefined,
    })
    expect(inputs[0]!.signal).toBeInstanceOf(AbortSignal)
    expect(inputs[0]!.signal.aborted).toBe(false)
    // --model in the prompt wins over the body, known or not.
    expect(inputs[1]!.model).toBeUndefined()
    expect(inputs[2]!.model).toBe('demo')
    // So do its size and seed, over the body's image_config and seed.
    expect(inputs[3]).toMatchObject({ width: 576, height: 1024, seed: 9 })
    expect(inputs[4]).toMatchObject({ width: 1024, height: 1024, seed: 8 })
  })

  it('aborts generation when a streaming client goes away', async () => {
    let signal: AbortSignal | undefined
    const app = chatApp(async (_gateway, input) => {
      signal = input.signal
      await new Promise((resolve) => input.signal.addEventListener('abort', resolve))
      throw new GatewayError(499, 'client_closed', 'closed')
    }, 5)
    const response = await post(app, { stream: true, messages: [{ role: 'user', content: 'x' }] })
    const reader = response.body!.getReader()
    await reader.read()
    await reader.cancel()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(signal?.aborted).toBe(true)
  })
})
