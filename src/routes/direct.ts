import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** GET /?prompt= and ?id= (SPEC section 5). Not built yet. */
export function directRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
