import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** `GET /healthz`: liveness, no upstream calls, no auth. */
export function healthRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/healthz', (c) => {
    const { storage } = c.get('gateway')
    return c.json({
      status: 'ok',
      storage: storage?.kind ?? 'none',
      time: new Date().toISOString(),
    })
  })
  return routes
}
