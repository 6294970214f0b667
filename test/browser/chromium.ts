import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/**
 * Debian's Chromium for the browser tests (test tools never download a browser). Suites skip
 * themselves, with a warning, where it is absent.
 */

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** Warns once per suite that it is skipped. */
export function warnIfNoChromium(suite: string): void {
  if (!hasChromium)
    console.warn(`[${suite}] skipped: ${CHROMIUM} is absent (apt-get install chromium)`)
}

/** A headless Chromium; launch() gives every run a fresh, temporary user-data-dir. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
