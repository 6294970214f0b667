import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'

/**
 * Every door writes the same request-log fields: the error code under `errorCode` whatever body
 * the client got it in, and `cached` for a seeded request answered from the store.
 */

let fake: FakeSiliconflow | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

function appWith(env: Record<string, string>) {
  const logs: LogLine[] = []
  const app = createApp({
    config: loadConfig({ RATE_LIMIT: '0', ...env }),
    storage: memoryStorage(),
    log: (line) => logs.push(line),
  })
  const requestLines = () => logs.filter((line) => 'status' in line)
  return { app, requestLines }
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
})

const chat = (content: string, stream: boolean) =>
  json({ stream, messages: [{ role: 'user', content }] })

describe('request log fields shared by every door', () => {
  it('logs an upstream refusal as errorCode from the direct API, images and chat', async () => {
    fake = await startFakeSiliconflow({ keys: { refusing: 'refused' } })
    const { app, requestLines } = appWith({
      IMAGE_API_KEYS: 'refusing',
      SILICONFLOW_API_BASE: fake.baseUrl,
    })
    const direct = await app.request('/?prompt=a%20cat')
    expect(direct.headers.get('content-type')).toBe('image/png')
    const code = direct.headers.get('x-error-code')
    expect(code).toBeTruthy()
    const images = await app.request('/v1/images/generations', json({ prompt: 'a cat' }))
    expect(await images.json()).toMatchObject({ error: { code } })
    const whole = await app.request('/v1/chat/completions', chat('a cat', false))
    expect(await whole.json()).toMatchObject({ error: { code } })
    const streamed = await app.request('/v1/chat/completions', chat('a cat', true))
    expect(streamed.status).toBe(200)
    await streamed.text()

    await vi.waitFor(() => expect(requestLines()).toHaveLength(4))
    for (const line of requestLines()) {
      expect(line, String(line.route)).toMatchObject({ errorCode: code })
      expect(line).not.toHaveProperty('error')
    }
  })

  it('logs cached: true when a seeded request is answered from the store', async () => {
    const { app, requestLines } = appWith({})
    const doors = [
      () => app.request('/v1/images/generations', json({ prompt: 'a cat', seed: 5 })),
      () => app.request('/?prompt=a%20dog&seed=6'),
      () => app.request('/v1/chat/completions', chat('an owl --seed 7', false)),
    ]
    for (const door of doors) {
      for (let i = 0; i < 2; i++) expect((await door()).status).toBeLessThan(400)
    }
    await vi.waitFor(() => expect(requestLines()).toHaveLength(6))
    expect(requestLines().map(({ cached, attempts }) => ({ cached, attempts }))).toEqual([
      { cached: false, attempts: 1 },
      { cached: true, attempts: 0 },
      { cached: false, attempts: 1 },
      { cached: true, attempts: 0 },
      { cached: false, attempts: 1 },
      { cached: true, attempts: 0 },
    ])
  })
})
