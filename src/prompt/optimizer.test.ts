import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import type { AiBinding } from '../providers/types.ts'
import { cleanReply, createPromptPreparer, needsTranslation } from './optimizer.ts'
import { TRANSLATE_SYSTEM_MESSAGE } from './system-messages.ts'

const noFetch = (() => {
  throw new Error('no HTTP expected')
}) as unknown as typeof fetch

const options = { optimize: false, maxLength: 2048, signal: new AbortController().signal }

describe('cleanReply', () => {
  it.each([
    ['<think>\nOne girl.\n</think>\n\nA girl', 'A girl'],
    ['<think>a</think>A <THINK>b</THINK>girl', 'A girl'],
    ['<think>still thinking when the tokens ran out', ''],
    ['reasoning without an opening tag</think>\nA girl', 'A girl'],
    ['"A girl in a red coat"', 'A girl in a red coat'],
    ['“A girl”', 'A girl'],
    ["'a cat's toy'", "a cat's toy"],
    ['Prompt: A girl', 'A girl'],
    ['**Optimized prompt:** "A girl"', 'A girl'],
    ['Here is the translated prompt:\n\nA girl', 'A girl'],
    ['```\nA girl\n```', 'A girl'],
    ['A girl,\n  smiling', 'A girl, smiling'],
  ])('cleans %j', (reply, expected) => {
    expect(cleanReply(reply)).toBe(expected)
  })

  it('keeps quotes that are part of the prompt', () => {
    expect(cleanReply('"Hello" written on a sign, and "bye"')).toBe(
      '"Hello" written on a sign, and "bye"',
    )
    expect(cleanReply('A poster with the words Prompt: draw')).toBe(
      'A poster with the words Prompt: draw',
    )
  })
})

describe('needsTranslation', () => {
  it('is true for letters outside ASCII and false for ASCII, emoji and typographic marks', () => {
    expect(needsTranslation('一位女孩')).toBe(true)
    expect(needsTranslation('кошка')).toBe(true)
    expect(needsTranslation('un café')).toBe(true)
    expect(needsTranslation('A cat — “cute” 🐱')).toBe(false)
    expect(needsTranslation('A cat 16:9')).toBe(false)
  })
})

describe('createPromptPreparer', () => {
  it('is undefined when no LLM is configured', () => {
    expect(createPromptPreparer({ config: loadConfig({}), fetch: noFetch })).toBeUndefined()
  })

  it('translates through a Workers AI text model when only the AI binding exists', async () => {
    const calls: { model: string; inputs: unknown }[] = []
    const ai: AiBinding = {
      run: async (model, inputs) => {
        calls.push({ model, inputs })
        return { response: '<think>one girl</think>"A girl"' }
      },
    }
    const config = loadConfig({ OPTIMIZER_MODEL: '@cf/qwen/qwen3-30b-a3b-fp8' })
    const prepare = createPromptPreparer({ config, fetch: noFetch }, { ai })
    expect(await prepare?.('一位女孩', options)).toEqual({
      prompt: 'A girl',
      promptModel: '@cf/qwen/qwen3-30b-a3b-fp8',
    })
    expect(calls).toEqual([
      {
        model: '@cf/qwen/qwen3-30b-a3b-fp8',
        inputs: {
          messages: [
            { role: 'system', content: TRANSLATE_SYSTEM_MESSAGE },
            { role: 'user', content: '一位女孩' },
          ],
          temperature: 0.2,
        },
      },
    ])
  })

  it('falls back with a note when the Workers AI model hangs past OPTIMIZER_TIMEOUT', async () => {
    const config = loadConfig({})
    config.optimizer.timeoutMs = 50
    const ai: AiBinding = { run: () => new Promise(() => {}) }
    const prepare = createPromptPreparer({ config, fetch: noFetch }, { ai })
    expect(await prepare?.('一位女孩', options)).toEqual({
      prompt: '一位女孩',
      promptModel: null,
      note: 'prompt optimizer timed out; original prompt used',
    })
  })

  it('prefers an external LLM over the AI binding', async () => {
    let used = false
    const ai: AiBinding = {
      run: async () => {
        used = true
        return { response: 'x' }
      },
    }
    const config = loadConfig({ EXTERNAL_API_BASE: 'http://127.0.0.1:9', EXTERNAL_MODEL: 'm' })
    const fetcher = (async () =>
      Response.json({ choices: [{ message: { content: 'A girl' } }] })) as typeof fetch
    const prepare = createPromptPreparer({ config, fetch: fetcher }, { ai })
    expect((await prepare?.('一位女孩', options))?.promptModel).toBe('m')
    expect(used).toBe(false)
  })
})
