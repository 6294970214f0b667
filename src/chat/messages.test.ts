import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { MAX_PROMPT_CHARS, messageText, parseChatBody, promptOf } from './messages.ts'

function rejection(run: () => unknown): GatewayError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    return error as GatewayError
  }
  throw new Error('expected a rejection')
}

describe('parseChatBody', () => {
  it('accepts and ignores the extra fields and nulls clients send', () => {
    const request = parseChatBody({
      model: 'flux-dev',
      messages: [{ role: 'user', content: 'a cat', name: null }],
      temperature: 0.5,
      top_p: null,
      n: 1,
      tools: [{ type: 'function' }],
      tool_choice: null,
      stop: null,
      logit_bias: {},
      seed: -1,
      user: 'someone',
      stream: null,
      stream_options: null,
    })
    expect(request).toEqual({
      messages: [{ role: 'user', content: 'a cat', name: null }],
      model: 'flux-dev',
      stream: false,
      includeUsage: false,
    })
  })

  it('reads stream and stream_options.include_usage', () => {
    const request = parseChatBody({
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(request.stream).toBe(true)
    expect(request.includeUsage).toBe(true)
  })

  it('treats a non-string or empty model as absent', () => {
    expect(parseChatBody({ messages: [], model: 42 }).model).toBeUndefined()
    expect(parseChatBody({ messages: [], model: '' }).model).toBeUndefined()
  })

  it('rejects messages that are missing or not an array, naming the field', () => {
    for (const body of [{}, { messages: 'a cat' }, { messages: { role: 'user' } }]) {
      const error = rejection(() => parseChatBody(body))
      expect(error.status).toBe(400)
      expect(error.param).toBe('messages')
      expect(error.message).toMatch(/messages/)
    }
  })

  it('rejects a message without a role or with content of the wrong type', () => {
    expect(rejection(() => parseChatBody({ messages: [{ content: 'x' }] })).param).toBe(
      'messages.0.role',
    )
    expect(
      rejection(() => parseChatBody({ messages: [{ role: 'user', content: 5 }] })).status,
    ).toBe(400)
  })
})

describe('promptOf', () => {
  it('takes the last user message, trimmed', () => {
    expect(
      promptOf([
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: '![x](y)' },
        { role: 'user', content: '  second \n' },
        { role: 'assistant', content: null },
      ]),
    ).toBe('second')
  })

  it('joins the text parts of array content and ignores image parts', () => {
    const content = [
      { type: 'text', text: 'a cat' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'text', text: 'in a hat' },
    ]
    expect(messageText(content)).toBe('a cat\nin a hat')
    expect(promptOf([{ role: 'user', content }])).toBe('a cat\nin a hat')
  })

  it('rejects no user message, only assistant messages, blank text and image-only content', () => {
    const cases = [
      [],
      [{ role: 'assistant', content: 'hi' }],
      [{ role: 'system', content: 'You are an artist' }],
      [{ role: 'user', content: '   \n ' }],
      [{ role: 'user', content: null }],
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      [{ role: 'user', content: [] }],
    ]
    for (const messages of cases) {
      const error = rejection(() => promptOf(messages))
      expect(error.status, JSON.stringify(messages)).toBe(400)
      expect(error.code).toBe('invalid_request')
    }
  })

  it(`rejects a prompt over ${MAX_PROMPT_CHARS} characters and accepts one at the limit`, () => {
    expect(promptOf([{ role: 'user', content: 'a'.repeat(MAX_PROMPT_CHARS) }])).toHaveLength(
      MAX_PROMPT_CHARS,
    )
    const error = rejection(() =>
      promptOf([{ role: 'user', content: 'a'.repeat(MAX_PROMPT_CHARS + 1) }]),
    )
    expect(error.message).toContain(String(MAX_PROMPT_CHARS))
    expect(error.param).toBe('messages.0.content')
  })
})
