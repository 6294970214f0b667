import { Hono } from 'hono/tiny'
import { publicOrigin } from '../http/origin.ts'
import type { AppEnv } from '../services.ts'
import { welcomePage } from '../ui/welcome.ts'

/** `GET /`: the welcome page (the direct image API takes over when `prompt` or `id` is present). */
export function pageRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/', (c) => {
    const { config, catalogue, storage } = c.get('services')
    return c.html(
      welcomePage({
        origin: publicOrigin(c.req.raw, config.publicUrl),
        storage: storage?.kind ?? 'none',
        models: catalogue.publicIds,
        defaultModel: catalogue.defaultModel,
        authRequired: config.clientKeys.length > 0,
        directAccess: config.directApiAccess,
        demoOnly: catalogue.targets.every((target) => target.provider.type === 'demo'),
      }),
    )
  })
  return routes
}
