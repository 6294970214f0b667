import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** GET /gui/ (the playground). Not built yet. */
export function guiRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
