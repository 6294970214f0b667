import { Hono } from 'hono/tiny'
import type { ListedModel } from '../pool/catalogue.ts'
import type { AppEnv } from '../services.ts'

/** A fixed timestamp: model ids have no meaningful creation time here, and clients want one. */
const CREATED = 1_700_000_000

/**
 * New API's `supported_endpoint_types`, the doors every model is served through. The first is
 * the one Cherry Studio files the model under: `image-generation` opens its painting page for
 * it. Cherry Studio rejects the whole list for a name outside its closed set (`openai`,
 * `openai-response`, `anthropic`, `gemini`, `image-generation`), so only those may appear here.
 */
const ENDPOINT_TYPES = ['image-generation', 'openai', 'openai-response']

/**
 * One model in OpenAI's shape, plus what pickers read to tell an image model from a chat model:
 * New API's endpoint types and OpenRouter's `architecture` (`image` in `input_modalities` when a
 * provider serving it takes input images).
 */
function modelObject(model: ListedModel) {
  const input = model.takesImages ? ['text', 'image'] : ['text']
  return {
    id: model.id,
    object: 'model',
    created: CREATED,
    owned_by: model.providers.join(','),
    supported_endpoint_types: ENDPOINT_TYPES,
    architecture: {
      modality: `${input.join('+')}->image`,
      input_modalities: input,
      output_modalities: ['image'],
    },
  }
}

/**
 * `GET /v1/models`: what this configuration can serve, answered from config alone (no upstream
 * call, so Open WebUI's 10 s model-list timeout never bites). One entry per public model id,
 * the default model first, `owned_by` naming the provider types that serve it
 * (`"siliconflow,together"`).
 *
 * Kept short for model pickers: provider-qualified ids (`siliconflow/flux-schnell`) and upstream
 * ids (`@cf/black-forest-labs/flux-1-schnell`) route but are not listed, and the OpenAI image
 * ids (`dall-e-3`, ...) that stand for the default model are not listed either: LobeChat drops
 * ids containing `dall-e`, `tts` or `embedding`, and an alias would only repeat the default.
 * (An `openai` entry that really serves `dall-e-3` lists it under that, its own id.)
 *
 * `GET /v1/models/{id}` (`models.retrieve`) answers any id that routes, listed or not, and 404s
 * the rest. Ids hold `/` and `@`: the pattern takes the rest of the path, SDKs' `%2F` included.
 */
export function modelsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.get('/v1/models', (c) =>
    c.json({ object: 'list', data: c.get('services').catalogue.listing.map(modelObject) }),
  )
  routes.get('/v1/models/:id{.+}', (c) =>
    c.json(modelObject(c.get('services').catalogue.entry(c.req.param('id')))),
  )
  return routes
}
