import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** POST /v1/chat/completions (SPEC section 3). Not built yet. */
export function chatRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
