import { Hono } from 'hono/tiny'
import { encodeBase64 } from '../bytes/base64.ts'
import type { AppEnv } from '../services.ts'
import { guiPage } from '../ui/gui.ts'

/** The standard base64 of a SHA-256 digest, as a CSP source expression wants it. */
async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return `'sha256-${encodeBase64(new Uint8Array(digest))}'`
}

/**
 * The page and its Content-Security-Policy. The inline script is allowed by its hash, so an
 * injected script could not run even if something slipped past escaping; `frame-ancestors`
 * stops the key box being framed by another site.
 */
async function renderGui(defaultModel: string): Promise<{ html: string; csp: string }> {
  const html = guiPage({ defaultModel })
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!
  const csp = [
    "default-src 'none'",
    `script-src ${await sha256Source(script)}`,
    "style-src 'unsafe-inline'",
    // Image links use PUBLIC_URL, which may be another origin than the one serving this page.
    'img-src * data: blob:',
    'connect-src *',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  return { html, csp }
}

/** `GET /gui/`: the playground (no auth to load it; the page asks for a key when needed). */
export function guiRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  // The page depends only on the app's config: rendered once per app, on first request.
  let page: Promise<{ html: string; csp: string }> | undefined
  routes.get('/gui', (c, next) => {
    // hono/tiny's router lets `/gui` match `/gui/` too: that one is the page, below.
    if (c.req.path.endsWith('/')) return next()
    const query = new URL(c.req.url).search
    // Relative, so a path prefix added by a reverse proxy survives.
    return c.redirect(`gui/${query}`, 301)
  })
  routes.get('/gui/', async (c) => {
    page ??= renderGui(c.get('services').catalogue.defaultModel)
    const { html, csp } = await page
    return c.html(html, 200, {
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    })
  })
  return routes
}
