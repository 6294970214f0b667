import { describe, expect, it } from 'vitest'
import { fingerprintBytes } from './body-fingerprint.ts'

/** A form serialised as a client sends it: a fresh random boundary each time. */
async function serialised(fields: Record<string, string>) {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, new Blob([value]), 'f')
  const request = new Request('http://x/', { method: 'POST', body: form })
  return { type: request.headers.get('content-type')!, body: await request.arrayBuffer() }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('fingerprintBytes', () => {
  it('names two serialisations of one form alike, and different forms apart', async () => {
    const first = await serialised({ image: 'same bytes', prompt: 'x' })
    const retry = await serialised({ image: 'same bytes', prompt: 'x' })
    expect(first.type).not.toBe(retry.type)
    const a = fingerprintBytes(first.body, first.type)
    expect(a).toEqual(fingerprintBytes(retry.body, retry.type))
    const other = await serialised({ image: 'other bytes', prompt: 'x' })
    expect(fingerprintBytes(other.body, other.type)).not.toEqual(a)
    expect(text(a)).toContain('same bytes')
    expect(text(a)).not.toContain(first.type.split('boundary=')[1])
  })

  it('reads a quoted boundary, and leaves other bodies as they are', () => {
    const body = new TextEncoder().encode('--b-1\r\nx\r\n--b-1--\r\n').buffer as ArrayBuffer
    expect(text(fingerprintBytes(body, 'multipart/form-data; boundary="b-1"'))).toBe(
      '\r\nx\r\n--\r\n',
    )
    expect(text(fingerprintBytes(body, 'application/json'))).toBe('--b-1\r\nx\r\n--b-1--\r\n')
  })
})
