import { describe, expect, it } from 'vitest'
import { createKeyChecker } from '../middleware/auth.ts'
import { webSha256 } from '../services.ts'
import { nodeSha256 } from './node-services.ts'

describe('nodeSha256', () => {
  it('gives Web Crypto digest, for every block boundary and for a view into a larger buffer', async () => {
    const source = Uint8Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) % 256)
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = source.slice(0, length)
      expect(Buffer.from(nodeSha256(bytes) as Uint8Array), String(length)).toEqual(
        Buffer.from(await webSha256(bytes)),
      )
    }
    const view = source.subarray(300, 700)
    expect(Buffer.from(nodeSha256(view) as Uint8Array)).toEqual(
      Buffer.from(await webSha256(view.slice())),
    )
  })

  it('checks client keys as the Web Crypto digest does', async () => {
    const check = createKeyChecker(['alpha-key', 'beta-key'], nodeSha256)
    expect(await check('alpha-key')).toBe(true)
    expect(await check('beta-key')).toBe(true)
    for (const wrong of [undefined, '', 'alpha', 'alpha-key ', 'ALPHA-KEY']) {
      expect(await check(wrong), String(wrong)).toBe(false)
    }
  })
})
