import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { assertSafeUrl, isPrivateHost, unsafeUrlReason } from './safe-url.ts'

const PUBLIC_BASE = 'https://api.siliconflow.cn/v1'
const reason = (url: string, base: string | undefined = PUBLIC_BASE) =>
  unsafeUrlReason(new URL(url), base)

describe('unsafeUrlReason', () => {
  it('allows https on public hosts', () => {
    expect(reason('https://sc-maas.oss-cn-shanghai.aliyuncs.com/outputs/a.png?sig=1')).toBeNull()
    expect(reason('https://[2606:4700::1111]/a.png')).toBeNull()
    expect(reason('https://8.8.8.8/a.png')).toBeNull()
  })

  it('allows plain http only on the base URL host', () => {
    expect(reason('http://api.siliconflow.cn/files/a.png')).toBeNull()
    expect(reason('http://cdn.example.com/a.png')).toMatch(/plain http on cdn\.example\.com/)
  })

  it('allows the base URL host even when it is private (a local backend, a test fake)', () => {
    expect(reason('http://127.0.0.1:4000/files/1.png', 'http://127.0.0.1:4000/v1')).toBeNull()
    // Same machine, other port: the host is what the operator vouched for.
    expect(reason('http://127.0.0.1:9/x.png', 'http://127.0.0.1:4000/v1')).toBeNull()
    expect(reason('http://localhost:8188/view?f=1', 'http://localhost:8188')).toBeNull()
    expect(reason('http://[::1]:7860/a.png', 'http://[::1]:7860')).toBeNull()
    expect(reason('http://192.168.1.5:8188/a.png', 'http://192.168.1.5:8188')).toBeNull()
  })

  it('refuses a different private host even when the base is private too', () => {
    expect(reason('http://10.0.0.2/a.png', 'http://10.0.0.1:7860')).toMatch(/private.*10\.0\.0\.2/)
    expect(reason('http://localhost:4000/a.png', 'http://127.0.0.1:4000/v1')).toMatch(/localhost/)
  })

  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '192.168.0.1',
    '172.16.0.1',
    '172.31.255.254',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '[::1]',
    '[::]',
    '[fc00::1]',
    '[fd12:3456::1]',
    '[fe80::1]',
    '[febf::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:10.0.0.1]',
    '[64:ff9b::a9fe:a9fe]',
    'localhost',
    'LOCALHOST.',
    'api.localhost',
  ])('refuses https://%s when the base does not use it', (host) => {
    expect(reason(`https://${host}/a.png`)).toMatch(/private, loopback or link-local/)
  })

  it('does not mistake public neighbours of private ranges for private', () => {
    for (const host of ['172.15.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1', '100.128.0.1']) {
      expect(reason(`https://${host}/a.png`), host).toBeNull()
    }
    expect(reason('https://[fbff::1]/a.png')).toBeNull()
    expect(reason('https://[fec0::1]/a.png')).not.toBeNull()
    expect(reason('https://localhost.example.com/a.png')).toBeNull()
  })

  it('sees through IPv4 spellings the URL parser normalizes', () => {
    expect(reason('https://2130706433/a.png')).toMatch(/127\.0\.0\.1/)
    expect(reason('https://0x7f.1/a.png')).toMatch(/127\.0\.0\.1/)
    expect(reason('https://[0:0:0:0:0:ffff:7f00:1]/a.png')).toMatch(/private/)
  })

  it('refuses schemes other than http(s)', () => {
    expect(reason('file:///etc/passwd')).toMatch(/scheme file:/)
    expect(reason('ftp://example.com/a.png')).toMatch(/scheme ftp:/)
  })
})

describe('isPrivateHost', () => {
  it('tells IPv6 literals apart by range', () => {
    expect(isPrivateHost('[2001:db8::1]')).toBe(false)
    expect(isPrivateHost('[ff02::1]')).toBe(true)
    expect(isPrivateHost('[::ffff:808:808]')).toBe(false)
  })
})

describe('assertSafeUrl', () => {
  const refuse = (reason: string) => new GatewayError(400, 'refused', reason)

  it('throws what the caller builds, saying why and naming no path or query', () => {
    let thrown: unknown
    try {
      assertSafeUrl('http://10.1.2.3/secret/a.png?token=abc', PUBLIC_BASE, refuse)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(GatewayError)
    const error = thrown as GatewayError
    expect(error.code).toBe('refused')
    expect(error.message).toMatch(/private, loopback or link-local address \(10\.1\.2\.3\)/)
    expect(error.message).not.toMatch(/token|secret/)
  })

  it('refuses text that is not a URL', () => {
    expect(() => assertSafeUrl('not a url', PUBLIC_BASE, refuse)).toThrow(/not a valid URL/)
  })

  it('returns the parsed URL when allowed', () => {
    expect(assertSafeUrl('https://example.com/a.png', PUBLIC_BASE, refuse).hostname).toBe(
      'example.com',
    )
  })
})
