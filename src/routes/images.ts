import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** POST /v1/images/generations (SPEC section 4). Not built yet. */
export function imagesRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
