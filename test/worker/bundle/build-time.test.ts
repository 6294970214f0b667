import { readFile } from 'node:fs/promises'
import { transform } from 'esbuild'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { testApp } from '../../../src/app-testing.ts'
import { startBundle } from './miniflare.ts'

/**
 * What dist/worker.js renders at build time instead of at run time (scripts/worker-substitutes.ts)
 * against what Node serves from `src`: the same OpenAPI document, and the same playground with
 * its script and styles minified and its HTML unindented.
 */

const ORIGIN = 'https://gw.example'

let mf: Miniflare
const node = testApp()
beforeAll(async () => {
  mf = await startBundle()
})
afterAll(async () => {
  await mf?.dispose()
})

const SCRIPT = /<script>([\s\S]*?)<\/script>/
const STYLE = /<style>([\s\S]*?)<\/style>/

/** A style sheet as esbuild minifies it: the same for two sheets of the same rules. */
const minifiedCss = async (css: string) =>
  (await transform(css, { loader: 'css', minify: true })).code

async function page(response: Response | Awaited<ReturnType<Miniflare['dispatchFetch']>>) {
  expect(response.status).toBe(200)
  const html = await response.text()
  return {
    html,
    script: SCRIPT.exec(html)![1]!,
    style: STYLE.exec(html)![1]!,
    csp: response.headers.get('content-security-policy')!,
  }
}

describe('dist/worker.js, rendered at build time', () => {
  it('serves the OpenAPI document Node generates, servers included', async () => {
    const worker = await mf.dispatchFetch(`${ORIGIN}/openapi.json`)
    expect(worker.status).toBe(200)
    expect(worker.headers.get('content-type')).toMatch(/^application\/json/)
    const expected = await (await node.request(`${ORIGIN}/openapi.json`)).json()
    expect(expected).toMatchObject({ openapi: '3.1.0', servers: [{ url: ORIGIN }] })
    expect(await worker.json()).toEqual(expected)
  })

  it("leaves zod's JSON Schema generator out of the bundle", async () => {
    const code = await readFile(inject('workerBundle').scriptPath, 'utf8')
    // Messages of zod's generator; src uses zod/mini, whose schemas do not import it.
    expect(code).not.toContain('cannot be represented in JSON Schema')
    expect(code).not.toContain('toJSONSchema')
  })

  it("keeps only the parts of zod's util module that the schemas use", async () => {
    const code = await readFile(inject('workerBundle').scriptPath, 'utf8')
    // Exports of zod's util that no zod/mini schema here calls: present only when the whole
    // module is kept as a namespace object (PATCHED in scripts/worker-substitutes.ts).
    expect(code).not.toContain('BIGINT_FORMAT_RANGES')
    expect(code).not.toContain('floatSafeRemainder')
  })

  it('leaves out the checks that only describe fields for the OpenAPI document', async () => {
    const code = await readFile(inject('workerBundle').scriptPath, 'utf8')
    // zod's meta check, which `described(...)` and `z.meta(...)` make (worker-doc-checks.ts).
    expect(code).not.toMatch(/check:\s*"meta"/)
  })

  it('serves the playground with its script and styles minified, its HTML unindented, allowed by the CSP, and nothing else changed', async () => {
    const worker = await page(await mf.dispatchFetch(`${ORIGIN}/gui/`))
    const readable = await page(await node.request(`${ORIGIN}/gui/`))
    expect(worker.script.length).toBeLessThan(readable.script.length * 0.7)
    // Only parsed, not run: a syntax error would break the whole page.
    expect(() => new Function(worker.script)).not.toThrow()
    expect(worker.script).toContain('FLUXGATE.strings')
    expect(worker.style.length).toBeLessThan(readable.style.length * 0.9)
    expect(await minifiedCss(worker.style)).toBe(await minifiedCss(readable.style))
    expect(worker.html).not.toMatch(/\n[ \t]+</)
    expect(worker.html).toBe(
      readable.html
        .replace(readable.script, () => worker.script)
        .replace(readable.style, () => worker.style)
        .replace(/\n[ \t]+</g, '\n<'),
    )
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(worker.script))
    expect(worker.csp).toContain(`'sha256-${Buffer.from(hash).toString('base64')}'`)
    expect(worker.csp).toBe(
      readable.csp.replace(/'sha256-[^']+'/, () => /'sha256-[^']+'/.exec(worker.csp)![0]),
    )
  })
})
