import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'
import { publicOrigin } from '../http/origin.ts'
import { openApiDocument } from '../openapi/document.ts'

/** `GET /openapi.json`: the API description, open like the welcome page that links it. */
export function openApiRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/openapi.json', (c) => {
    const origin = publicOrigin(c.req.raw, c.get('gateway').config.publicUrl)
    return c.json({ ...openApiDocument(), servers: [{ url: origin }] })
  })
  return routes
}
