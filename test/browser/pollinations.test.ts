import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningGateway, startGateway } from '../node/gateway.ts'
import { hasChromium, launchChromium, warnIfNoChromium } from './chromium.ts'

/**
 * Pollinations' image URLs where they live: `<img src>` tags on someone else's page, in a real
 * Chromium against the real Node gateway (demo provider, a client key configured). An `<img>`
 * shows only images, so failures must be images too, and the key can only ride in the URL.
 */

warnIfNoChromium('pollinations browser test')

const KEY = 'pollinations-browser-key-1'

let browser: Browser
let gateway: RunningGateway
beforeAll(async () => {
  if (!hasChromium) return
  browser = await launchChromium()
  gateway = await startGateway({ API_KEY: KEY, RATE_LIMIT: '0' })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await gateway?.close()
})

/** Natural sizes of the page's images once every one has loaded or failed, by id. */
async function loadedSizes(page: Page): Promise<Record<string, [number, number]>> {
  await page.waitForFunction(() => [...document.images].every((image) => image.complete))
  return page.$$eval('img', (images) =>
    Object.fromEntries(
      images.map((image) => [image.id, [image.naturalWidth, image.naturalHeight]]),
    ),
  )
}

describe.skipIf(!hasChromium)('Pollinations URLs in Chromium <img> tags', () => {
  it('shows drawn images, and every failure as a readable error image', async () => {
    const page = await browser.newPage()
    const url = (path: string) => `${gateway.url}${path}`
    await page.setContent(`<!doctype html><body>
      <img id="drawn" src="${url(`/prompt/a%20lighthouse%20at%20dusk?width=320&height=192&nologo=true&key=${KEY}`)}">
      <img id="short" src="${url(`/p/a%20paper%20boat?width=128&height=128&seed=-1&token=${KEY}`)}">
      <img id="bad-width" src="${url(`/prompt/fox?width=1&key=${KEY}`)}">
      <img id="no-key" src="${url('/prompt/fox')}">
    </body>`)
    expect(await loadedSizes(page)).toEqual({
      drawn: [320, 192],
      short: [128, 128],
      'bad-width': [512, 256],
      'no-key': [512, 256],
    })
    await page.close()
  })

  it('serves a fixed-seed image again from the store when another page asks for it', async () => {
    const src = `${gateway.url}/prompt/an%20owl%20on%20a%20branch?width=192&height=128&key=${KEY}`
    const cacheOf = async () => {
      // A fresh context has an empty browser cache: the gateway answers every time.
      const context = await browser.newContext()
      const page = await context.newPage()
      const answered = page.waitForResponse((response) => response.url() === src)
      await page.setContent(`<img id="owl" src="${src}">`)
      const response = await answered
      expect(await loadedSizes(page)).toEqual({ owl: [192, 128] })
      const headers = await response.allHeaders()
      await context.close()
      return [headers['x-cache'], headers['cache-control']]
    }
    expect(await cacheOf()).toEqual([
      'MISS',
      expect.stringMatching(/^public, max-age=\d+, immutable$/),
    ])
    expect((await cacheOf())[0]).toBe('HIT')
  })
})
