import { describe, expect, it } from 'vitest'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { englishIssues } from './issue-messages.ts'

/** The first message `schema` gives for `input`, worded by `error`. */
const message = (schema: z.ZodMiniType, input: unknown, error?: z.core.$ZodErrorMap) => {
  const result = schema.safeParse(input, error && { error })
  expect(result.success).toBe(false)
  return result.error!.issues[0]!.message
}

const wholeNumber = z.int().check(z.minimum(1), z.maximum(150))

describe('englishIssues', () => {
  it.each([
    ['a string for an object', z.object({}), 'text'],
    ['null for a string', z.string(), null],
    ['an array for a record', z.record(z.string(), z.unknown()), []],
    ['a fraction for an int', z.int(), 1.5],
    ['text for a number', z.number(), '5'],
    ['an unknown option', z.enum(['public', 'key']), 'everyone'],
    ['a wrong literal', z.literal('ok'), 'no'],
    ['a number over its maximum', wholeNumber, 151],
    ['a number under its minimum', wholeNumber, 0],
    ['a number that is not positive', z.number().check(z.positive()), 0],
    ['an empty string', z.string().check(z.minLength(1)), ''],
    ['a string over its length', z.string().check(z.maxLength(2)), 'abc'],
    ['an empty array', z.array(z.string()).check(z.minLength(1)), []],
    ['a bad URL', z.url({ protocol: /^https?$/ }), 'ftp://example.com'],
    ['a pattern', z.string().check(z.regex(/^\d+$/)), 'x'],
    ['a union', z.union([z.string(), z.number()]), true],
  ])('words %s as zod’s English locale does', (_, schema, input) => {
    expect(message(schema, input, englishIssues)).toBe(message(schema, input, en().localeError))
  })

  it('is needed: zod/mini alone says only "Invalid input"', () => {
    expect(message(wholeNumber, 151)).toBe('Invalid input')
    expect(message(wholeNumber, 151, englishIssues)).toBe('Too big: expected number to be <=150')
  })

  it('leaves a schema’s own message alone', () => {
    const schema = z.string({ error: 'must be a string' })
    expect(message(schema, 5, englishIssues)).toBe('must be a string')
  })
})
