import { describe, expect, it } from 'vitest'
import { parseChatBody } from './chat.ts'
import { MAX_MODEL_CHARS } from './fields.ts'
import { rejection } from './testing.ts'

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
    expect(parseChatBody({ messages: [], model: 'm'.repeat(MAX_MODEL_CHARS + 1) }).model).toBe(
      undefined,
    )
  })

  it('rejects messages that are missing or not an array, naming the field', () => {
    for (const body of [{}, { messages: 'a cat' }, { messages: { role: 'user' } }]) {
      const error = rejection(() => parseChatBody(body))
      expect(error.status).toBe(400)
      expect(error.param).toBe('messages')
      expect(error.message).toBe('messages must be an array of {role, content} objects.')
    }
  })

  it('rejects a message without a role or with content of the wrong type', () => {
    expect(rejection(() => parseChatBody({ messages: [{ content: 'x' }] })).param).toBe(
      'messages.0.role',
    )
    const content = rejection(() => parseChatBody({ messages: [{ role: 'user', content: 5 }] }))
    expect(content).toMatchObject({ status: 400, param: 'messages.0.content' })
    expect(content.message).toBe(
      'messages.0.content must be a string, an array of content parts, or null.',
    )
  })
})
