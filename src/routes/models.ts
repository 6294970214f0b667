import { Hono } from 'hono/tiny'
import type { AppEnv } from '../services.ts'

/** A fixed timestamp: model ids have no meaningful creation time here, and clients want one. */
const CREATED = 1_700_000_000

/**
 * `GET /v1/models`: what this configuration can serve, answered from config alone (no upstream
 * call, so Open WebUI's 10 s model-list timeout never bites). One entry per public model id,
 * the default model first, `owned_by` naming the provider types that serve it
 * (`"siliconflow,together"`).
 *
 * Kept short for model pickers: provider-qualified ids (`siliconflow/flux-schnell`) and upstream
 * ids (`@cf/black-forest-labs/flux-1-schnell`) route but are not listed, and the OpenAI default
 * ids (`dall-e-3`, ...) that stand for the default model are not listed either: LobeChat drops
 * ids containing `dall-e`, `tts` or `embedding`, and an alias would only repeat the default.
 * (An `openai` entry that really serves `dall-e-3` lists it under that, its own id.)
 */
export function modelsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/v1/models', (c) => {
    const { catalogue } = c.get('services')
    return c.json({
      object: 'list',
      data: catalogue.listing.map((model) => ({
        id: model.id,
        object: 'model',
        created: CREATED,
        owned_by: model.providers.join(','),
      })),
    })
  })
  return routes
}
