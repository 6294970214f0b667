import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { memoryStorage } from '../storage/memory.ts'
import { jsonLogger, type LogLine } from './request-log.ts'

function testApp(env: Record<string, string> = {}) {
  const logs: LogLine[] = []
  let time = 1_000
  const app = createApp({
    config: loadConfig(env),
    storage: memoryStorage(),
    log: (line) => logs.push(line),
    // Each read of the clock moves it 5 ms, so `ms` is known exactly.
    now: () => (time += 5),
  })
  return { app, logs }
}

describe('request log', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('writes one line per request with its id, method, route, status and duration', async () => {
    const { app, logs } = testApp()
    const response = await app.request('/healthz')
    expect(logs).toHaveLength(1)
    expect(logs[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      id: response.headers.get('x-request-id'),
      method: 'GET',
      route: '/healthz',
      path: '/healthz',
      status: 200,
      ms: 5,
    })
  })

  it('waits for a stream to end before logging, with the fields set meanwhile', async () => {
    const { app, logs } = testApp()
    let end = () => {}
    app.get('/stream', (c) => {
      c.set('logAfter', new Promise<void>((resolve) => (end = resolve)))
      c.set('log', { ...c.get('log'), model: 'demo' })
      return c.text('streaming')
    })
    const response = await app.request('/stream')
    expect(response.status).toBe(200)
    expect(logs).toHaveLength(0)
    end()
    await vi.waitFor(() => expect(logs).toHaveLength(1))
    expect(logs[0]).toMatchObject({ route: '/stream', status: 200, model: 'demo' })
  })

  it('gives every request its own id', async () => {
    const { app, logs } = testApp()
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await app.request('/')).headers.get('x-request-id'))
    expect(new Set(ids).size).toBe(3)
    expect(logs.map((line) => line.id)).toEqual(ids)
  })

  it("keeps a proxy's well-formed X-Request-Id and replaces any other", async () => {
    const { app, logs } = testApp()
    const kept = await app.request('/healthz', { headers: { 'X-Request-Id': 'edge-42_a=' } })
    expect(kept.headers.get('x-request-id')).toBe('edge-42_a=')
    const odd = await app.request('/healthz', { headers: { 'X-Request-Id': 'two words' } })
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const long = await app.request('/healthz', { headers: { 'X-Request-Id': 'x'.repeat(65) } })
    expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(logs.map((line) => line.id)).toEqual([
      'edge-42_a=',
      odd.headers.get('x-request-id'),
      long.headers.get('x-request-id'),
    ])
  })

  it('names the route pattern, not the concrete path, and no route for a 404', async () => {
    const { app, logs } = testApp()
    await app.request('/image/AAAAAAAAAAAAAAAAAAAAAA')
    await app.request('/models', { headers: { Authorization: 'Bearer any' } })
    await app.request('/nowhere')
    await app.request('/healthz', { method: 'OPTIONS' })
    expect(logs.map(({ route, path, status }) => ({ route, path, status }))).toEqual([
      { route: '/image/:key', path: '/image/AAAAAAAAAAAAAAAAAAAAAA', status: 404 },
      { route: '/v1/models', path: '/v1/models', status: 200 },
      { route: null, path: '/nowhere', status: 404 },
      { route: null, path: '/healthz', status: 204 },
    ])
  })

  it('never logs a key, token, Authorization header or query string', async () => {
    const { app, logs } = testApp({ API_KEY: 'supersecret' })
    const headers = { Authorization: 'Bearer supersecret', 'X-Api-Key': 'supersecret' }
    await app.request('/v1/models?key=supersecret', { headers })
    await app.request('/v1/models?key=supersecret', { headers: { Authorization: 'Bearer wrong' } })
    await app.request('/?key=supersecret&id=x')
    await app.request('/nowhere?token=supersecret', { headers })
    await app.request('/prompt/fox?token=wrong-token')
    await app.request('/p/fox?key=supersecret&seed=1', { headers })
    expect(logs).toHaveLength(6)
    expect(logs.slice(4).map((line) => line.status)).toEqual([401, 200])
    expect([logs[0]!.status, logs[1]!.status]).toEqual([200, 401])
    const text = JSON.stringify(logs)
    expect(text).not.toContain('supersecret')
    expect(text).not.toContain('wrong')
    expect(text).not.toContain('?')
    expect(text.toLowerCase()).not.toContain('authorization')
  })

  it('drops the prompt fields routes add unless LOG_PROMPTS=true', async () => {
    const lines = async (env: Record<string, string>) => {
      const { app, logs } = testApp(env)
      app.get('/draw', (c) => {
        Object.assign(c.get('log'), { model: 'demo', prompt: 'a secret garden', finalPrompt: 'x' })
        return c.text('ok')
      })
      await app.request('/draw')
      return logs[0]!
    }
    const quiet = await lines({})
    expect(quiet).toMatchObject({ model: 'demo', route: '/draw' })
    expect(quiet).not.toHaveProperty('prompt')
    expect(quiet).not.toHaveProperty('finalPrompt')
    expect(await lines({ LOG_PROMPTS: 'true' })).toMatchObject({
      prompt: 'a secret garden',
      finalPrompt: 'x',
    })
  })

  it('logs the pattern for a prompt in the path unless LOG_PROMPTS=true', async () => {
    const path = async (env: Record<string, string>) => {
      const { app, logs } = testApp({ RATE_LIMIT: '0', ...env })
      await app.request('/prompt/a%20secret%20garden?width=64&height=64')
      await app.request('/p/a%20secret%20garden?width=64&height=64', { method: 'HEAD' })
      return logs.map((line) => [line.route, line.path, line.status])
    }
    expect(await path({})).toEqual([
      ['/prompt/:prompt{.+}', '/prompt/:prompt{.+}', 200],
      ['/p/:prompt{.+}', '/p/:prompt{.+}', 200],
    ])
    expect((await path({ LOG_PROMPTS: 'true' })).map(([, logged]) => logged)).toEqual([
      '/prompt/a%20secret%20garden',
      '/p/a%20secret%20garden',
    ])
  })

  it('does not let a route overwrite the id, status or timing', async () => {
    const { app, logs } = testApp()
    app.get('/sneaky', (c) => {
      Object.assign(c.get('log'), { id: 'fake', status: 999, ms: -1, provider: 'demo' })
      return c.text('ok', 201)
    })
    const response = await app.request('/sneaky')
    expect(logs[0]).toMatchObject({
      id: response.headers.get('x-request-id'),
      status: 201,
      ms: 5,
      provider: 'demo',
    })
  })

  it('logs errors with the status the client got', async () => {
    const { app, logs } = testApp()
    app.get('/boom', () => {
      throw new Error('kaput')
    })
    await app.request('/boom')
    const request = logs.find((line) => line.method === 'GET')
    expect(request).toMatchObject({ route: '/boom', status: 500 })
    expect(logs.find((line) => line.level === 'error')).toMatchObject({ message: 'kaput' })
  })

  it('prints each line as one line of JSON by default', () => {
    const print = vi.spyOn(console, 'log').mockImplementation(() => {})
    jsonLogger({ id: 'x', route: '/healthz', note: 'two\nlines' })
    expect(print).toHaveBeenCalledTimes(1)
    const [text] = print.mock.calls[0] as [string]
    expect(text).not.toContain('\n')
    expect(JSON.parse(text)).toEqual({ id: 'x', route: '/healthz', note: 'two\nlines' })
  })
})
