import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** GET /v1/status. Not built yet. */
export function statusRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
