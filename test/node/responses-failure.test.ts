import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningGateway, startGateway, TOO_SLOW_ENV } from './gateway.ts'

/**
 * A generation that fails after a Responses stream began (the only upstream is too slow for
 * REQUEST_TIMEOUT): the official SDK raises. Without a stream the same failure is an error
 * status. The AI SDK's default model on such a stream: chat-failure.test.ts, beside its chat
 * models.
 */

let slow: RunningGateway
beforeAll(async () => {
  slow = await startGateway(TOO_SLOW_ENV)
})
afterAll(() => slow.close())

const client = () => new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'x', maxRetries: 0 })
/** The attempt's timeout and the request's race (both 1 s): a 504, or a 502 for the attempt. */
const TOO_SLOW = {
  code: expect.stringMatching(/^(timeout|upstream_failed)$/),
  message: expect.stringMatching(/timeout|in time/),
}

/** Iterates a stream to its end; what it raised, or null. */
async function drain(stream: AsyncIterable<unknown>, seen: string[]): Promise<unknown> {
  try {
    for await (const event of stream) seen.push((event as { type: string }).type)
    return null
  } catch (error) {
    return error
  }
}

describe('a failure inside a Responses stream', () => {
  it('makes client.responses.create raise an APIError, after the failure line', async () => {
    const seen: string[] = []
    const stream = await client().responses.create({ model: 'demo', input: 'a cat', stream: true })
    const raised = await drain(stream, seen)
    expect(raised).toBeInstanceOf(OpenAI.APIError)
    expect(raised).toMatchObject(TOO_SLOW)
    expect(seen).toContain('response.output_text.delta')
    expect(seen).not.toContain('response.completed')
  }, 20_000)

  it('makes the image tool call raise too, and the .stream() helper reject', async () => {
    const tools = [{ type: 'image_generation' as const }]
    const seen: string[] = []
    const stream = await client().responses.create({
      input: 'a cat',
      stream: true,
      tools,
      model: 'x',
    })
    expect(await drain(stream, seen)).toBeInstanceOf(OpenAI.APIError)
    expect(seen.at(-1)).toBe('response.image_generation_call.generating')

    const helper = client().responses.stream({ model: 'demo', input: 'a cat', tools })
    await expect(helper.finalResponse()).rejects.toBeInstanceOf(OpenAI.APIError)
  }, 20_000)

  it('is an error status in OpenAI error shape without a stream', async () => {
    const error = await client()
      .responses.create({ model: 'demo', input: 'a cat' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(error).toMatchObject(TOO_SLOW)
    expect([502, 504]).toContain((error as InstanceType<typeof OpenAI.APIError>).status)
  }, 20_000)
})
