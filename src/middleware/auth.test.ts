import { describe, expect, it } from 'vitest'
import { webSha256 } from '../services.ts'
import { bearerKey, createKeyChecker } from './auth.ts'

describe('createKeyChecker', () => {
  it('accepts anything, even nothing, when no key is configured', async () => {
    const check = createKeyChecker([], webSha256)
    expect(await check(undefined)).toBe(true)
    expect(await check('whatever')).toBe(true)
  })

  it('accepts exactly the configured keys', async () => {
    const check = createKeyChecker(['alpha-key', 'beta-key'], webSha256)
    expect(await check('alpha-key')).toBe(true)
    expect(await check('beta-key')).toBe(true)
    for (const wrong of [
      undefined,
      '',
      'alpha',
      'alpha-key ',
      'alpha-keyX',
      'ALPHA-KEY',
      'gamma',
    ]) {
      expect(await check(wrong), String(wrong)).toBe(false)
    }
  })
})

describe('bearerKey', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Basic YWJjOmRlZg==', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['abc', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, key) => {
    expect(bearerKey(header)).toBe(key)
  })
})
