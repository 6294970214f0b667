import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, warnIfNoChromium } from './chromium.ts'
import { chromiumForFile, openPage, SERVERS, servedPlayground, waitForImage } from './playground.ts'
import type { ServedGateway } from './worker-bundle.ts'

/**
 * The playground in a real Chromium (Debian's package; test tools never download a browser),
 * with the demo provider slowed down so the progress state shows. Served twice: by the real Node
 * gateway, and by the built dist/worker.js in workerd, whose copy of the script is minified at
 * build time (scripts/worker-substitutes.ts).
 */

warnIfNoChromium('gui browser test')

const SLOW_DEMO = JSON.stringify([{ type: 'demo', options: { delayMs: 1500 } }])
const KEY = 'browser-test-key-123'

const chromium = chromiumForFile()

const imageSize = (page: Page) =>
  page.$eval('#image', (image: HTMLImageElement) => ({
    complete: image.complete,
    width: image.naturalWidth,
    height: image.naturalHeight,
  }))

describe.skipIf(!hasChromium).each(SERVERS)('playground from %s in Chromium', (_, start) => {
  const served = servedPlayground(chromium, start, { PROVIDERS: SLOW_DEMO })

  it('generates a 16:9 image, shows progress, then finds it in history after a reload', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui`)
    expect(new URL(page.url()).pathname).toBe('/gui/')
    await expect.poll(() => page.$$eval('#model option', (o) => o.length)).toBe(2)
    expect(await page.isVisible('#key-panel')).toBe(false)

    await page.fill('#prompt', 'A lighthouse on a cliff at dusk')
    await page.click('label.pill:has(input[value="16:9"])')
    await page.click('#generate')
    // The progress state is visible and its seconds count up while the upstream works.
    await page.waitForSelector('#progress', { state: 'visible' })
    expect(await page.isDisabled('#generate')).toBe(true)
    const first = await page.textContent('#elapsed')
    await page.waitForTimeout(400)
    expect(await page.textContent('#elapsed')).not.toBe(first)
    expect(await page.textContent('#elapsed')).toMatch(/^\d+\.\d s$/)

    await waitForImage(page)
    await page.waitForSelector('#progress', { state: 'hidden' })
    expect(await imageSize(page)).toEqual({ complete: true, width: 1024, height: 576 })
    expect(await page.textContent('#r-size')).toBe('1024 × 576')
    expect(await page.textContent('#r-model')).toBe('demo')
    expect(await page.textContent('#r-prompt')).toBe('A lighthouse on a cliff at dusk')
    expect(await page.textContent('#r-seed')).toMatch(/^\d+$/)
    expect(await page.getAttribute('#download', 'href')).toMatch(/\/image\/[\w-]{22}$/)
    await page.screenshot({ path: 'test-output/gui.png', fullPage: true })

    await page.reload()
    await page.waitForSelector('#history li')
    expect(await page.$$eval('#history li', (items) => items.length)).toBe(1)
    await page.waitForFunction(() => {
      const thumb = document.querySelector('#history img') as HTMLImageElement | null
      return thumb?.complete && thumb.naturalWidth > 0
    })
    expect(await page.inputValue('#prompt')).toBe('')
    await page.click('#history li button')
    expect(await page.inputValue('#prompt')).toBe('A lighthouse on a cliff at dusk')
    expect(await page.isChecked('input[value="16:9"]')).toBe(true)
    expect(await page.inputValue('#seed')).toMatch(/^\d+$/)
    expect(await page.isVisible('#result')).toBe(true)
    expect(problems).toEqual([])
    await page.close()
  })

  it('submits with Ctrl+Enter, takes a custom size, and shows server errors readably', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui/`)
    await page.fill('#prompt', 'A paper boat')
    await page.click('label.pill:has(input[value="custom"])')
    await page.fill('#width', '640')
    await page.fill('#height', '384')
    await page.focus('#prompt')
    await page.keyboard.press('Control+Enter')
    await waitForImage(page)
    expect(await imageSize(page)).toMatchObject({ width: 640, height: 384 })
    expect(await page.$$eval('#history li', (items) => items.length)).toBe(2)

    await page.fill('#seed', '-5')
    await page.click('#generate')
    await page.waitForSelector('#error', { state: 'visible' })
    expect(await page.textContent('#error')).toContain('seed must be -1 (random) or a whole number')
    expect(problems).toEqual([])
    await page.close()
  })

  it('speaks Chinese to a Chinese browser and switches with the toggle', async () => {
    const zh = await chromium.browser.newContext({ locale: 'zh-CN' })
    const { page, problems } = await openPage(zh, `${served.gateway.url}/gui/`)
    expect(await page.textContent('#generate')).toBe('生成')
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN')
    await page.click('#lang')
    expect(await page.textContent('#generate')).toBe('Generate')
    await page.reload()
    expect(await page.textContent('#generate')).toBe('Generate')
    expect(problems).toEqual([])
    await zh.close()
  })

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await chromium.browser.newContext({
      locale: 'en-US',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    const { page } = await openPage(phone, `${served.gateway.url}/gui/`)
    await page.fill('#prompt', 'A fox in the snow')
    await page.click('label.pill:has(input[value="9:16"])')
    await page.click('#generate')
    await waitForImage(page)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: 'test-output/gui-phone.png', fullPage: true })
    await phone.close()
  })
})

describe.skipIf(!hasChromium).each(SERVERS)('playground from %s with a client key', (_, start) => {
  let gateway: ServedGateway
  beforeAll(async () => {
    gateway = await start({ API_KEY: KEY })
  })
  afterAll(() => gateway?.close())

  it('asks for the key, refuses a wrong one, and generates once given the right one', async () => {
    const context = await chromium.browser.newContext({ locale: 'en-US' })
    const { page, problems } = await openPage(context, `${gateway.url}/gui/`)
    await page.waitForSelector('#key-panel', { state: 'visible' })
    expect(await page.textContent('#key-message')).toBe('This server needs an API key.')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('key-input')

    await page.fill('#key-input', 'wrong-key-000')
    await page.press('#key-input', 'Enter')
    await expect.poll(() => page.textContent('#key-message')).toContain('refused')

    await page.fill('#key-input', KEY)
    await page.click('#key-save')
    await page.waitForSelector('#key-panel', { state: 'hidden' })
    expect(
      await page.$$eval('#model option', (options) =>
        options.map((o) => (o as HTMLOptionElement).value),
      ),
    ).toEqual(['', 'demo'])
    await page.fill('#prompt', 'A key-guarded cat')
    await page.click('#generate')
    await waitForImage(page)
    expect(await imageSize(page)).toMatchObject({ width: 1024, height: 1024 })

    // The key is remembered across reloads, and never put in the page's URL or history.
    await page.reload()
    await expect.poll(() => page.$$eval('#model option', (o) => o.length)).toBe(2)
    expect(await page.isVisible('#key-panel')).toBe(false)
    expect(await page.evaluate(() => localStorage.getItem('fluxgate.history'))).not.toContain(KEY)
    expect(problems).toEqual([])
    await context.close()
  })
})
