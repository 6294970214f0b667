import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { memoryStorage } from '../storage/memory.ts'
import { MAX_PROMPT_CHARS, MAX_SEED } from './fields.ts'

/** The same request vocabulary through each door of a demo gateway. */

const gateway = () =>
  createApp({ config: loadConfig({ RATE_LIMIT: '0' }), storage: memoryStorage(), log: () => {} })

const postJson = (path: string, body: unknown, contentType = 'application/json') =>
  gateway().request(path, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: JSON.stringify(body),
  })

/** The four doors, each given a prompt and a seed as that door takes them. */
const doors = {
  chat: (prompt: string, seed?: string) =>
    postJson('/v1/chat/completions', {
      messages: [
        { role: 'user', content: seed === undefined ? prompt : `${prompt} --seed ${seed}` },
      ],
    }),
  images: (prompt: string, seed?: number | string) =>
    postJson('/v1/images/generations', { prompt, seed }),
  direct: (prompt: string, seed?: string) => {
    const query = new URLSearchParams({ prompt, ...(seed !== undefined && { seed }) })
    return gateway().request(`/?${query}`, { headers: { Accept: 'application/json' } })
  },
  pollinations: (prompt: string, seed?: string) =>
    gateway().request(
      `/prompt/${encodeURIComponent(prompt)}${seed === undefined ? '' : `?seed=${seed}`}`,
      { headers: { Accept: 'application/json' } },
    ),
}

const errorOf = async (response: Response) => {
  expect(response.status).toBe(400)
  expect(response.headers.get('x-should-retry')).toBe('false')
  return (await response.json()).error
}

describe('every door', () => {
  it(`accepts seed ${MAX_SEED} and refuses 3000000000, naming the seed`, async () => {
    const rule = `must be -1 (random) or a whole number from 0 to ${MAX_SEED}.`
    expect((await doors.chat('a fox', String(MAX_SEED))).status).toBe(200)
    expect((await doors.images('a fox', MAX_SEED)).status).toBe(200)
    expect((await doors.direct('a fox', String(MAX_SEED))).status).toBe(302)
    expect((await doors.pollinations('a fox', String(MAX_SEED))).status).toBe(200)

    expect(await errorOf(await doors.chat('a fox', '3000000000'))).toMatchObject({
      code: 'invalid_request',
      message: `--seed ${rule}`,
    })
    for (const response of [
      await doors.images('a fox', 3_000_000_000),
      await doors.direct('a fox', '3000000000'),
      await doors.pollinations('a fox', '3000000000'),
    ]) {
      expect(await errorOf(response)).toEqual({
        code: 'invalid_request',
        type: 'invalid_request_error',
        param: 'seed',
        message: `seed ${rule}`,
      })
    }
  })

  it('answers an over-long prompt with the same code and message, naming its own field', async () => {
    // Emoji are two UTF-16 units: the cap is in code points on every door.
    const prompt = '🦊'.repeat(MAX_PROMPT_CHARS + 1)
    const message = `The prompt is ${MAX_PROMPT_CHARS + 1} characters long; the limit is ${MAX_PROMPT_CHARS}.`
    const expected = (param: string) => ({
      code: 'string_above_max_length',
      type: 'invalid_request_error',
      message,
      param,
    })
    expect(await errorOf(await doors.chat(prompt))).toEqual(expected('messages.0.content'))
    expect(await errorOf(await doors.images(prompt))).toEqual(expected('prompt'))
    expect(await errorOf(await doors.direct(prompt))).toEqual(expected('prompt'))
    expect(await errorOf(await doors.pollinations(prompt))).toEqual(expected('prompt'))
    // At the limit, every door draws.
    const longest = '🦊'.repeat(MAX_PROMPT_CHARS)
    expect((await doors.chat(longest)).status).toBe(200)
    expect((await doors.images(longest)).status).toBe(200)
    expect((await doors.direct(longest)).status).toBe(302)
    expect((await doors.pollinations(longest)).status).toBe(200)
  })

  it.each([
    '0x10',
    '2e0',
    '1.5',
    ' 16',
    '16 ',
    '+16',
  ])('refuses %j as a number in a flag, a query and a body', async (text) => {
    // A flag's value is one word, so only the forms without spaces can reach it.
    if (!/\s/.test(text)) {
      expect(await errorOf(await doors.chat('a fox', text))).toMatchObject({
        message: expect.stringMatching(/^--seed must/),
      })
    }
    expect(await errorOf(await doors.direct('a fox', text))).toMatchObject({ param: 'seed' })
    const seed = encodeURIComponent(text)
    expect(await errorOf(await doors.pollinations('a fox', seed))).toMatchObject({ param: 'seed' })
    expect(await errorOf(await doors.images('a fox', text))).toMatchObject({ param: 'seed' })
    const steps = await postJson('/v1/images/generations', { prompt: 'x', steps: text })
    expect(await errorOf(steps)).toMatchObject({ param: 'steps' })
    const direct = await gateway().request(`/?prompt=x&steps=${encodeURIComponent(text)}`, {
      headers: { Accept: 'application/json' },
    })
    expect(await errorOf(direct)).toMatchObject({ param: 'steps' })
  })

  it('refuses 1.5 as a JSON number', async () => {
    const response = await postJson('/v1/images/generations', { prompt: 'x', n: 1.5 })
    expect(await errorOf(response)).toMatchObject({
      param: 'n',
      message: expect.stringMatching(/^n must/),
    })
  })
})

describe('JSON bodies', () => {
  const bodies = {
    '/v1/chat/completions': { messages: [{ role: 'user', content: 'a fox' }] },
    '/v1/images/generations': { prompt: 'a fox' },
    '/v1/responses': { input: 'a fox' },
  }

  it.each(
    Object.entries(bodies),
  )('%s reads them only with a JSON content type', async (path, body) => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.fluxgate+json',
    ]) {
      expect((await postJson(path, body, type)).status, type).toBe(200)
    }
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/jsonp',
      '',
    ]) {
      const error = await errorOf(await postJson(path, body, type))
      expect(error, type).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: null,
      })
      expect(error.message, type).toContain('Content-Type: application/json')
    }
  })
})
