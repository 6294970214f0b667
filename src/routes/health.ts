import { Hono } from 'hono/tiny'
import type { AppEnv } from '../services.ts'

/** `GET /healthz`: liveness, no upstream calls, no auth. */
export function healthRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/healthz', (c) => {
    const { storage } = c.get('services')
    return c.json({
      status: 'ok',
      storage: storage?.kind ?? 'none',
      time: new Date().toISOString(),
    })
  })
  return routes
}
