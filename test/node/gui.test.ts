import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningGateway, startGateway } from './gateway.ts'

/** `/gui/` over real HTTP: served without auth, self-contained, locked down by its CSP. */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY: 'gui-test-key-123' })
})
afterAll(() => gateway.close())

describe('GET /gui/', () => {
  it('redirects /gui to /gui/, keeping the query', async () => {
    const response = await fetch(`${gateway.url}/gui?lang=zh`, { redirect: 'manual' })
    expect(response.status).toBe(301)
    const location = new URL(response.headers.get('location')!, `${gateway.url}/gui?lang=zh`)
    expect(location.href).toBe(`${gateway.url}/gui/?lang=zh`)
  })

  it('serves the page without a key even when the API needs one', async () => {
    const response = await fetch(`${gateway.url}/gui/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/i)
    const html = await response.text()
    expect(html).toContain('<textarea id="prompt"')
    expect(html).toContain('"defaultModel":"demo"')
    expect(html).not.toContain('gui-test-key-123')
    for (const ratio of ['1:1', '1:2', '3:2', '3:4', '16:9', '9:16']) {
      expect(html).toContain(`value="${ratio}"`)
    }
  })

  it('loads nothing from another host: no external src, href or url()', async () => {
    const html = await (await fetch(`${gateway.url}/gui/`)).text()
    expect(html).not.toMatch(/\s(?:src|href)="(?:https?:)?\/\//i)
    expect(html).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//i)
    expect(html).not.toMatch(/@import/i)
  })

  it('allows its inline script by hash in the Content-Security-Policy', async () => {
    const response = await fetch(`${gateway.url}/gui/`)
    const csp = response.headers.get('content-security-policy')!
    const html = await response.text()
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!)
    expect(scripts).toHaveLength(1)
    const hash = createHash('sha256').update(scripts[0]!).digest('base64')
    expect(csp).toContain(`script-src 'sha256-${hash}'`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain("script-src 'unsafe-inline'")
  })

  it('keeps the inline script parseable (no stray template interpolation)', async () => {
    const html = await (await fetch(`${gateway.url}/gui/`)).text()
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!
    expect(() => new Function(script)).not.toThrow()
  })
})
