import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import type { PromptPreparer } from '../../src/generate/index.ts'
import { createPromptPreparer } from '../../src/prompt/optimizer.ts'
import {
  OPTIMIZE_SYSTEM_MESSAGE,
  TRANSLATE_SYSTEM_MESSAGE,
} from '../../src/prompt/system-messages.ts'
import {
  answer,
  type FakeLlm,
  glmError,
  glmRateLimited,
  glmSensitive,
  malformed,
  serverError,
  slow,
  startFakeLlm,
  withThinking,
} from '../fakes/llm.ts'

/** The prompt preparer against a real HTTP fake of an OpenAI-compatible / GLM chat API. */

let llm: FakeLlm
beforeEach(async () => {
  llm = await startFakeLlm()
})
afterEach(async () => {
  await llm.close()
})

const external = () => ({
  EXTERNAL_API_BASE: llm.url,
  EXTERNAL_MODEL: 'gpt-4o-mini',
  EXTERNAL_API_KEY: 'sk-external-secret',
})

function preparer(env: Record<string, string>, timeoutMs?: number): PromptPreparer {
  const config = loadConfig(env)
  if (timeoutMs) config.optimizer.timeoutMs = timeoutMs
  const prepare = createPromptPreparer({ config, fetch: globalThis.fetch })
  if (!prepare) throw new Error('expected an LLM to be configured')
  return prepare
}

const options = (overrides: { optimize?: boolean; maxLength?: number; signal?: AbortSignal }) => ({
  optimize: false,
  maxLength: 2048,
  signal: new AbortController().signal,
  ...overrides,
})

describe('prompt preparer over HTTP', () => {
  it('translates a non-ASCII prompt by default, with the translate instructions', async () => {
    llm.respondWith(answer('A girl'))
    const result = await preparer(external())('一位女孩', options({}))
    expect(result).toEqual({ prompt: 'A girl', promptModel: 'gpt-4o-mini' })
    expect(llm.calls).toHaveLength(1)
    const [call] = llm.calls
    expect(call?.path).toBe('/v1/chat/completions')
    expect(call?.authorization).toBe('Bearer sk-external-secret')
    expect(call?.body.model).toBe('gpt-4o-mini')
    expect(call?.body.messages).toEqual([
      { role: 'system', content: TRANSLATE_SYSTEM_MESSAGE },
      { role: 'user', content: '一位女孩' },
    ])
  })

  it('makes no LLM call for an ASCII prompt without optimize', async () => {
    const result = await preparer(external())('A cute cat', options({}))
    expect(result).toEqual({ prompt: 'A cute cat', promptModel: null })
    expect(llm.calls).toHaveLength(0)
  })

  it('makes no LLM call for a non-ASCII prompt when TRANSLATE_PROMPTS=false', async () => {
    const prepare = preparer({ ...external(), TRANSLATE_PROMPTS: 'false' })
    expect(await prepare('一位女孩', options({}))).toEqual({
      prompt: '一位女孩',
      promptModel: null,
    })
    expect(llm.calls).toHaveLength(0)
  })

  it('rewrites with the optimize instructions when optimize is asked', async () => {
    llm.respondWith(answer('A cute tabby cat curled on a sunlit windowsill, soft light'))
    const result = await preparer(external())('A cute cat', options({ optimize: true }))
    expect(result.prompt).toBe('A cute tabby cat curled on a sunlit windowsill, soft light')
    expect(result.promptModel).toBe('gpt-4o-mini')
    expect(llm.calls[0]?.body.messages[0]).toEqual({
      role: 'system',
      content: OPTIMIZE_SYSTEM_MESSAGE,
    })
  })

  it('leaves PROMPT_OPTIMIZATION to the chat route: the direct API and images API ask per request', async () => {
    await preparer({ ...external(), PROMPT_OPTIMIZATION: 'true' })('A cat', options({}))
    expect(llm.calls).toHaveLength(0)
  })

  it('sends SYSTEM_MESSAGE in place of the built-in optimize instructions', async () => {
    const prepare = preparer({ ...external(), SYSTEM_MESSAGE: 'Write a haiku-like prompt.' })
    await prepare('A cat', options({ optimize: true }))
    expect(llm.calls[0]?.body.messages[0]).toEqual({
      role: 'system',
      content: 'Write a haiku-like prompt.',
    })
  })

  it('calls /v1/chat/completions whether EXTERNAL_API_BASE ends in /v1 or not', async () => {
    for (const base of [llm.url, `${llm.url}/v1`, `${llm.url}/v1/`]) {
      await preparer({ ...external(), EXTERNAL_API_BASE: base })('一位女孩', options({}))
    }
    expect(llm.calls.map((call) => call.path)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
      '/v1/chat/completions',
    ])
  })

  it('calls Zhipu GLM at {PROCESS_API_BASE}/chat/completions with glm-4-flash', async () => {
    const env = { PROCESS_API_KEY: 'glm-secret.key', PROCESS_API_BASE: `${llm.url}/api/paas/v4` }
    const result = await preparer(env)('一位女孩', options({}))
    expect(result).toEqual({ prompt: 'A girl', promptModel: 'glm-4-flash' })
    expect(llm.calls[0]?.path).toBe('/api/paas/v4/chat/completions')
    expect(llm.calls[0]?.authorization).toBe('Bearer glm-secret.key')
    expect(llm.calls[0]?.body.model).toBe('glm-4-flash')
  })

  it('prefers EXTERNAL_* over PROCESS_* when both are set', async () => {
    const glm = await startFakeLlm({ flavour: 'glm' })
    try {
      const env = { ...external(), PROCESS_API_KEY: 'k', PROCESS_API_BASE: glm.url }
      expect((await preparer(env)('一位女孩', options({}))).promptModel).toBe('gpt-4o-mini')
      expect(llm.calls).toHaveLength(1)
      expect(glm.calls).toHaveLength(0)
    } finally {
      await glm.close()
    }
  })

  it('strips a <think> block and quotes from the reply', async () => {
    llm.respondWith(withThinking('The user wants a girl. 一位 means one.', '"A young girl"'))
    const result = await preparer(external())('一位女孩', options({}))
    expect(result.prompt).toBe('A young girl')
  })

  it('cuts a long reply to maxLength at a word boundary', async () => {
    const long = 'a serene mountain lake at dawn with mist over the water '.repeat(10).trim()
    llm.respondWith(answer(long))
    const result = await preparer(external())('A lake', options({ optimize: true, maxLength: 77 }))
    expect(result.prompt.length).toBeLessThanOrEqual(77)
    expect(result.prompt.length).toBeGreaterThan(60)
    expect(long.startsWith(result.prompt)).toBe(true)
    expect(long[result.prompt.length]).toBe(' ')
  })
})

describe('prompt preparer fallbacks', () => {
  const cases = [
    ['HTTP 500', serverError(), 'prompt optimizer failed (HTTP 500); original prompt used'],
    [
      'malformed JSON',
      malformed(),
      'prompt optimizer failed (malformed reply); original prompt used',
    ],
    [
      'GLM 1301',
      glmSensitive(),
      'prompt optimizer refused the prompt (content filter); original prompt used',
    ],
    ['GLM 1302', glmRateLimited(), 'prompt optimizer was rate-limited; original prompt used'],
    [
      'finish_reason sensitive',
      answer('A', 'sensitive'),
      'prompt optimizer refused the prompt (content filter); original prompt used',
    ],
    [
      'an empty answer',
      answer(''),
      'prompt optimizer returned an empty prompt; original prompt used',
    ],
    [
      'a null answer',
      answer(null),
      'prompt optimizer returned an empty prompt; original prompt used',
    ],
    [
      'only thinking',
      answer('<think>hmm, a girl'),
      'prompt optimizer returned an empty prompt; original prompt used',
    ],
  ] as const
  for (const [what, behaviour, note] of cases) {
    it(`keeps the original prompt on ${what}`, async () => {
      llm.respondWith(behaviour)
      const result = await preparer(external())('一位女孩', options({}))
      expect(result).toEqual({ prompt: '一位女孩', promptModel: null, note })
      expect(llm.calls).toHaveLength(1)
    })
  }

  it('says the optimizer could not be reached when nothing listens', async () => {
    await llm.close()
    const result = await preparer(external())('一位女孩', options({}))
    expect(result.note).toBe('prompt optimizer could not be reached; original prompt used')
  })

  for (const stage of ['headers', 'body'] as const) {
    it(`times out on slow ${stage} within OPTIMIZER_TIMEOUT`, async () => {
      llm.respondWith(slow(3_000, stage))
      const started = Date.now()
      const result = await preparer(external(), 300)('一位女孩', options({ optimize: true }))
      expect(Date.now() - started).toBeLessThan(1_500)
      expect(result).toEqual({
        prompt: '一位女孩',
        promptModel: null,
        note: 'prompt optimizer timed out; original prompt used',
      })
    })
  }

  it('stops waiting when the request itself is aborted', async () => {
    llm.respondWith(slow(3_000))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const result = await preparer(external())('一位女孩', options({ signal: controller.signal }))
    expect(Date.now() - started).toBeLessThan(1_500)
    expect(result.prompt).toBe('一位女孩')
  })

  it('never puts the API key in a note', async () => {
    llm.respondWith(
      glmError(401, '1002', 'Authorization Token非法，请确认Authorization Token正确传递。'),
    )
    const result = await preparer(external())('一位女孩', options({}))
    expect(result.note).toBe('prompt optimizer rejected its API key; original prompt used')
    expect(JSON.stringify(result)).not.toContain('sk-external-secret')
  })
})
