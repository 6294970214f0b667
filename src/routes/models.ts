import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'

/** `GET /v1/models`: what this configuration can serve, answered from config alone. */
export function modelsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/v1/models', (c) => {
    const { catalogue } = c.get('gateway')
    // A fixed timestamp: model ids do not have a meaningful creation time here.
    const created = 1_700_000_000
    return c.json({
      object: 'list',
      data: catalogue.publicIds.map((id) => ({
        id,
        object: 'model',
        created,
        owned_by: catalogue.resolve(id).routes[0]!.target.provider.type,
      })),
    })
  })
  return routes
}
