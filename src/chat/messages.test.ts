import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { promptText } from '../request/field-schemas.ts'
import { MAX_PROMPT_CHARS } from '../request/fields.ts'
import { parseRequest } from '../request/request-error.ts'
import { rejection } from '../request/testing.ts'
import { messageText, promptOf } from './messages.ts'

describe('promptOf', () => {
  it('gives what the prompt field gives every door, at and around the cap', () => {
    // The chat door's prompt is read by the same rules as every other door's prompt field.
    const emoji = '🦊'
    const texts = [
      'a fox',
      '  a fox \n\t',
      '\u00a0a fox\u2003',
      'x'.repeat(MAX_PROMPT_CHARS),
      ` ${'x'.repeat(MAX_PROMPT_CHARS)} `,
      'x'.repeat(MAX_PROMPT_CHARS + 1),
      emoji.repeat(MAX_PROMPT_CHARS / 2),
      emoji.repeat(MAX_PROMPT_CHARS / 2 + 1),
      emoji.repeat(MAX_PROMPT_CHARS + 1),
    ]
    const outcome = (read: () => string) => {
      try {
        return read()
      } catch (error) {
        expect(error).toBeInstanceOf(GatewayError)
        const { status, code, message, param } = error as GatewayError
        return { status, code, message, param }
      }
    }
    for (const text of texts) {
      const param = 'messages.0.content'
      expect(outcome(() => promptOf([{ role: 'user', content: text }]))).toEqual(
        outcome(() => parseRequest(promptText, text, { param })),
      )
    }
  })

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
    expect(error.code).toBe('string_above_max_length')
    expect(error.param).toBe('messages.0.content')
  })

  it('counts the prompt in code points, so emoji count once', () => {
    const emoji = '🦊'.repeat(MAX_PROMPT_CHARS)
    expect(promptOf([{ role: 'user', content: emoji }])).toBe(emoji)
    expect(rejection(() => promptOf([{ role: 'user', content: `${emoji}!` }])).code).toBe(
      'string_above_max_length',
    )
  })
})
