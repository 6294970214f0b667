import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeWorkersAi, startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'
import {
  ACCOUNTS,
  nextUtcMidnight,
  oneAccount,
  twoAccounts,
  workersAiGateway,
} from './workers-ai-setup.ts'

/**
 * How the workers-ai provider's failures reach the pool and the client, against the real HTTP
 * fake: each error class of the REST envelope, and what it does to the target's health.
 */

let fake: FakeWorkersAi

beforeAll(async () => {
  fake = await startFakeWorkersAi({ accounts: ACCOUNTS, image: makeJpeg(512, 512) })
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.calls.length = 0
  fake.mode = 'ok'
  fake.modeByAccount = {}
})

const setup = (env: Record<string, string>) => workersAiGateway(fake, env)

describe('workers-ai REST: failures', () => {
  it('cools an account down until 00:00 UTC on 3036 and fails over to the next', async () => {
    fake.modeByAccount.acc1 = 'quota'
    const { generate, target } = setup(twoAccounts)
    const result = await generate()
    expect(fake.calls.map((call) => call.accountId)).toEqual(['acc1', 'acc2'])
    expect(result.provider).toBe('workers-ai-2')
    const cooling = target('workers-ai').health
    expect(Math.abs(cooling.cooldownUntil - nextUtcMidnight())).toBeLessThan(5_000)
    expect(cooling.lastError).toMatch(/daily free allocation/)
    expect(target('workers-ai-2').health.cooldownUntil).toBe(0)
    // The cooling account is skipped while it rests.
    await generate()
    expect(fake.calls.map((call) => call.accountId)).toEqual(['acc1', 'acc2', 'acc2'])
  })

  it('answers 503 with Retry-After until midnight when every account is out of quota', async () => {
    fake.mode = 'quota'
    const { generate, app, target } = setup(oneAccount)
    const error = await generate().catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
    const seconds = (nextUtcMidnight() - Date.now()) / 1000
    expect(Math.abs((error as { retryAfter: number }).retryAfter - seconds)).toBeLessThan(5)
    expect(target('workers-ai').health.cooldownUntil).toBeGreaterThan(Date.now() + 1000)
    const status = await (await app.request('/v1/status')).json()
    expect(JSON.stringify(status)).toContain('"state":"cooling"')
  })

  it('backs off briefly on 3040 (out of capacity)', async () => {
    fake.mode = 'capacity'
    const { generate, target } = setup(oneAccount)
    await expect(generate()).rejects.toMatchObject({ status: 503 })
    const wait = target('workers-ai').health.cooldownUntil - Date.now()
    expect(wait).toBeGreaterThan(1_000)
    expect(wait).toBeLessThanOrEqual(10_000)
  })

  it('turns the NSFW refusal into content_policy_violation and never retries it', async () => {
    for (const mode of ['nsfw', 'nsfw-8007'] as const) {
      fake.calls.length = 0
      fake.mode = mode
      const { generate, target } = setup(twoAccounts)
      await expect(generate()).rejects.toMatchObject({
        status: 400,
        code: 'content_policy_violation',
        retryable: false,
      })
      expect(fake.calls).toHaveLength(1)
      expect(target('workers-ai').health.cooldownUntil).toBe(0)
    }
  })

  it('treats success:false in an HTTP 200, a 500, a timeout code and a malformed body as server failures', async () => {
    for (const [mode, text] of [
      ['success-false', /Something went wrong\. \(HTTP 200, code 3999\)/],
      ['server-error', /Internal server error \(HTTP 500, code 3043\)/],
      ['timeout', /Request timeout \(HTTP 408, code 3007\)/],
      ['malformed', /malformed reply \(HTTP 200\)/],
    ] as const) {
      fake.mode = mode
      const { generate, target } = setup(oneAccount)
      const error = await generate().catch((thrown: unknown) => thrown)
      expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
      expect((error as Error).message).toMatch(text)
      expect(target('workers-ai').health.failureStreak).toBe(1)
    }
  })

  it('gives up on a slow account at UPSTREAM_TIMEOUT and fails over', async () => {
    fake.modeByAccount.acc1 = 'slow'
    fake.slowMs = 3000
    const { generate, target } = setup({ ...twoAccounts, UPSTREAM_TIMEOUT: '1' })
    const started = Date.now()
    const result = await generate()
    expect(Date.now() - started).toBeLessThan(2500)
    expect(result.provider).toBe('workers-ai-2')
    expect(target('workers-ai').health.failureStreak).toBe(1)
  })

  it('disables an account with a bad token or a paid-only model, never quoting the token', async () => {
    const bad = setup({ CF_ACCOUNT_ID: 'acc1', CF_API_TOKEN: 'wrong-token-value' })
    const error = await bad.generate().catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream' })
    expect(bad.target('workers-ai').health.disabled).toMatch(/Authentication error/)
    expect(JSON.stringify(error)).not.toContain('wrong-token-value')
    fake.mode = 'forbidden'
    const paid = setup(oneAccount)
    await expect(paid.generate()).rejects.toMatchObject({ code: 'no_usable_upstream' })
    expect(paid.target('workers-ai').health.disabled).toMatch(/code 5035/)
  })
})
