import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeRoute } from '../pool/testing.ts'
import { MAX_SEED } from '../request/fields.ts'
import { type Job, offsetSeed, preparePrompt, randomSeed } from './run.ts'
import type { PromptPreparer } from './types.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('seeds of parallel calls', () => {
  it('keeps the largest seed as it is and wraps past it to 0', () => {
    expect(offsetSeed(MAX_SEED, 0)).toBe(MAX_SEED)
    expect(offsetSeed(MAX_SEED, 1)).toBe(0)
    expect(offsetSeed(MAX_SEED - 1, 3)).toBe(1)
  })

  it('offsets other seeds by the index', () => {
    expect(offsetSeed(0, 0)).toBe(0)
    expect(offsetSeed(42, 3)).toBe(45)
  })
})

describe('randomSeed', () => {
  it('draws from 0 to MAX_SEED inclusive', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(randomSeed()).toBe(0)
    vi.spyOn(Math, 'random').mockReturnValue(1 - Number.EPSILON)
    expect(randomSeed()).toBe(MAX_SEED)
  })
})

describe('preparePrompt', () => {
  /** A job whose gateway prepares prompts with `preparer`, due `ms` from now. */
  const job = (preparer: PromptPreparer | undefined, ms: number) =>
    ({
      gateway: { preparePrompt: preparer, now: Date.now },
      input: { prompt: 'a fox', n: 1 },
      resolved: { id: 'm', routes: [fakeRoute('a')] },
      deadline: Date.now() + ms,
    }) as unknown as Job

  it("cuts the preparation short at the request's deadline, as the request timing out", async () => {
    // Generation has no signal of its own for the deadline: the preparation gets one here.
    let seen: AbortSignal | undefined
    const hanging: PromptPreparer = (_, { signal }) => {
      seen = signal
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      )
    }
    const client = new AbortController()
    const failure = await preparePrompt(job(hanging, 30), client.signal).catch((error) => error)
    expect(failure).toMatchObject({ name: 'TimeoutError', message: 'The request timed out' })
    expect(seen?.aborted).toBe(true)
    expect(client.signal.aborted).toBe(false)
  })

  it("passes the client's leaving on to the preparation", async () => {
    const client = new AbortController()
    const hanging: PromptPreparer = (_, { signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    const pending = preparePrompt(job(hanging, 60_000), client.signal)
    client.abort(new Error('gone'))
    await expect(pending).rejects.toThrow('gone')
  })

  it('keeps the prompt as it is without a preparer', async () => {
    const prompted = await preparePrompt(job(undefined, 60_000), new AbortController().signal)
    expect(prompted).toMatchObject({ prompt: 'a fox', promptModel: null })
  })
})
