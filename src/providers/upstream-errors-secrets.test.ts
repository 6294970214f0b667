import { describe, expect, it } from 'vitest'
import { maskSecrets, quote } from './upstream-errors.ts'

const key = 'fluxgate-provider-key-0123456789abcdef'

describe('maskSecrets', () => {
  it('masks a quoted prefix, a middle piece and the whole secret', () => {
    expect(maskSecrets(`invalid key ${key.slice(0, 20)}...`, [key])).toBe('invalid key ***...')
    expect(maskSecrets(`got [${key.slice(10, 22)}]`, [key])).toBe('got [***]')
    expect(maskSecrets(`key=${key}.`, [key])).toBe('key=***.')
  })

  it('leaves runs shorter than 8 characters and unrelated text alone', () => {
    expect(maskSecrets(`the word ${key.slice(0, 7)} stays`, [key])).toBe('the word fluxgat stays')
    expect(maskSecrets('nothing secret here', [key, null, undefined])).toBe('nothing secret here')
  })

  it('masks pieces of any of several secrets, and whole short ones', () => {
    const other = 'client-key-ABCDEFGH'
    const text = `a=${key.slice(-9)} b=${other.slice(3, 14)} c=pin1234`
    expect(maskSecrets(text, [key, other, 'pin1234'])).toBe('a=*** b=*** c=***')
  })

  it('is what quote uses, so a provider’s quote masks a prefix of its key', () => {
    expect(quote(`Key ${key.slice(0, 20)} is not valid`, [key])).toBe('Key *** is not valid')
  })
})
