import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { chatCompletionsUrl, workersAiLlm } from './llm.ts'

const signal = () => new AbortController().signal

describe('chatCompletionsUrl', () => {
  it('appends /v1/chat/completions to an EXTERNAL_API_BASE without a version, like Flux-API-Worker', () => {
    expect(chatCompletionsUrl('https://api.example.com', 'external')).toBe(
      'https://api.example.com/v1/chat/completions',
    )
    expect(chatCompletionsUrl('https://example.com/openai/', 'external')).toBe(
      'https://example.com/openai/v1/chat/completions',
    )
  })

  it('does not double the version when EXTERNAL_API_BASE already ends in one', () => {
    expect(chatCompletionsUrl('https://api.example.com/v1', 'external')).toBe(
      'https://api.example.com/v1/chat/completions',
    )
    expect(chatCompletionsUrl('https://ark.example.com/api/v3/', 'external')).toBe(
      'https://ark.example.com/api/v3/chat/completions',
    )
  })

  it('appends only /chat/completions to a PROCESS_API_BASE (Zhipu bases end in /v4)', () => {
    expect(chatCompletionsUrl('https://open.bigmodel.cn/api/paas/v4', 'process')).toBe(
      'https://open.bigmodel.cn/api/paas/v4/chat/completions',
    )
  })

  it('uses a full chat/completions URL as given', () => {
    const url = 'https://proxy.example.com/llm/chat/completions'
    expect(chatCompletionsUrl(url, 'external')).toBe(url)
    expect(chatCompletionsUrl(url, 'process')).toBe(url)
  })
})

describe('workersAiLlm', () => {
  it('passes the messages to the binding and reads {response}', async () => {
    const seen: unknown[] = []
    const llm = workersAiLlm({
      model: '@cf/meta/llama-3.1-8b-instruct-fast',
      binding: {
        run: async (model, inputs) => {
          seen.push(model, inputs)
          return { response: 'A girl' }
        },
      },
    })
    const messages = [{ role: 'user' as const, content: '一位女孩' }]
    expect(await llm.complete(messages, { signal: signal(), temperature: 0.2 })).toBe('A girl')
    expect(seen).toEqual(['@cf/meta/llama-3.1-8b-instruct-fast', { messages, temperature: 0.2 }])
  })

  it('reads the OpenAI-shaped reply of newer Workers AI models', async () => {
    const llm = workersAiLlm({
      model: '@cf/openai/gpt-oss-20b',
      binding: { run: async () => ({ choices: [{ message: { content: 'A cat' } }] }) },
    })
    expect(await llm.complete([], { signal: signal(), temperature: 0.2 })).toBe('A cat')
  })

  it('throws a rate-limited failure for the daily allocation error (3036)', async () => {
    const llm = workersAiLlm({
      model: 'm',
      binding: {
        run: async () => {
          throw new Error('3036: You have used up your daily free allocation of 10,000 neurons')
        },
      },
    })
    const error = await llm.complete([], { signal: signal(), temperature: 0 }).catch((e) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).upstream?.failure).toBe('rate-limited')
  })

  it('throws a server failure for a reply of the wrong shape', async () => {
    const llm = workersAiLlm({ model: 'm', binding: { run: async () => new Uint8Array(4) } })
    const error = await llm.complete([], { signal: signal(), temperature: 0 }).catch((e) => e)
    expect((error as GatewayError).upstream?.failure).toBe('server')
  })
})
