import { mkdir } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startGateway } from '../node/gateway.ts'
import { hasChromium, launchChromium } from './chromium.ts'
import { removeWorkerBundle, type ServedGateway, startWorkerBundle } from './worker-bundle.ts'

/**
 * What the playground's browser tests share: the two servers (the real Node gateway, and the
 * built dist/worker.js in workerd, whose copy of the script is minified at build time), and a
 * page that records its own problems.
 */

export const SERVERS: [string, (env: Record<string, string>) => Promise<ServedGateway>][] = [
  ['the Node entry', startGateway],
  ['dist/worker.js', startWorkerBundle],
]

/**
 * One Chromium for a test file, launched before its tests (with `test-output/` for screenshots)
 * and closed after them together with the file's Worker bundle. Call it at the file's top level.
 */
export function chromiumForFile(): { browser: Browser } {
  const shared = {} as { browser: Browser }
  beforeAll(async () => {
    if (!hasChromium) return
    await mkdir('test-output', { recursive: true })
    shared.browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await shared.browser?.close()
    await removeWorkerBundle()
  })
  return shared
}

/**
 * A gateway from `start` with `env`, and a desktop browser context in English, for one describe
 * block: ready in its tests, closed after them.
 */
export function servedPlayground(
  chromium: { browser: Browser },
  start: (env: Record<string, string>) => Promise<ServedGateway>,
  env: Record<string, string>,
): { gateway: ServedGateway; context: BrowserContext } {
  const served = {} as { gateway: ServedGateway; context: BrowserContext }
  beforeAll(async () => {
    served.gateway = await start(env)
    served.context = await chromium.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1280, height: 900 },
    })
  })
  afterAll(async () => {
    await served.context?.close()
    await served.gateway?.close()
  })
  return served
}

/** A page that records script errors and CSP violations, so the test can assert there are none. */
export async function openPage(context: BrowserContext, url: string) {
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    // The browser logs every non-2xx fetch; those are expected where the test provokes them.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`)
    }
  })
  await page.goto(url)
  return { page, problems }
}

/** Waits until the result image has a source and has loaded. */
export async function waitForImage(page: Page) {
  await page.waitForFunction(() => {
    const image = document.getElementById('image') as HTMLImageElement
    return !!image.getAttribute('src') && image.complete && image.naturalWidth > 0
  })
}
