import { Hono } from 'hono/tiny'
import { publicOrigin } from '../http/origin.ts'
import { openApiDocument } from '../openapi/document.ts'
import type { AppEnv } from '../services.ts'

/** `GET /openapi.json`: the API description, open like the welcome page that links it. */
export function openApiRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/openapi.json', (c) => {
    const origin = publicOrigin(c.req.raw, c.get('services').config.publicUrl)
    return c.json({ ...openApiDocument(), servers: [{ url: origin }] })
  })
  return routes
}
