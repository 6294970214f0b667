import * as z from 'zod/mini'
import { upstreamError } from '../http.ts'
import { readOptions } from '../options.ts'
import type { ImageProvider, ProviderModule } from '../types.ts'
import { runBinding } from './binding.ts'
import { buildInputs, type WorkersAiModel, workersAiModels } from './models.ts'
import { runRest } from './rest.ts'

/** Workers AI REST base when an entry names none (CF_API_BASE fills it for the Flux-API-Worker variables' entry). */
export const DEFAULT_API_BASE = 'https://api.cloudflare.com/client/v4'

/** `options` of a workers-ai entry; providers/workers-ai/entries.ts fills them from config. */
const WORKERS_AI_OPTIONS = {
  /** FLUX_NUM_STEPS: default steps of the few-step models. */
  numSteps: z._default(z.int().check(z.minimum(1), z.maximum(50)), 4),
  /** FLUX_MODEL: listed first, hence the default model. */
  model: z.optional(z.string().check(z.minLength(1))),
}

/**
 * Cloudflare Workers AI. A target is either the `AI` binding (an entry with no keys; the call
 * context's key is null) or one account over REST (key `accountId:token`, from CF_ACCOUNT_ID +
 * CF_API_TOKEN or CF_ACCOUNTS). Keyless through the binding, so `keyless` is true; an entry with
 * neither keys nor a binding is a configuration mistake and fails at start-up.
 */
export const workersAiProvider: ProviderModule = {
  type: 'workers-ai',
  keyless: true,
  baseName: (entry) => (entry.keys.length === 0 ? 'workers-ai-binding' : 'workers-ai'),
  create(entry, { name, bindings }): ImageProvider {
    const ai = bindings.ai
    const viaBinding = entry.keys.length === 0
    if (viaBinding && !ai) {
      throw new Error(
        'an entry without keys needs the Workers AI binding (AI); on Node set ' +
          'CF_ACCOUNT_ID and CF_API_TOKEN, or CF_ACCOUNTS=accountId:token,...',
      )
    }
    const options = readOptions(entry, WORKERS_AI_OPTIONS)
    const models = workersAiModels({
      numSteps: options.numSteps,
      model: options.model,
      only: entry.models,
    })
    const byId = new Map<string, WorkersAiModel>(models.map((model) => [model.id, model]))
    const baseUrl = (entry.baseUrl ?? DEFAULT_API_BASE).replace(/\/+$/, '')
    const now = () => Date.now()

    return {
      type: 'workers-ai',
      name,
      models,
      async generate(request, context) {
        const model = byId.get(context.model.id)
        if (!model) throw upstreamError(name, 'bad-request', `no model ${context.model.id} here`)
        const inputs = buildInputs(model, request)
        const call = { provider: name, model, inputs, images: request.images ?? [], context, now }
        // Each call makes one image (maxImagesPerCall is 1); the pool runs n of them in parallel.
        const image =
          context.key === null && ai
            ? await runBinding(ai, call)
            : await runRest({ ...call, baseUrl }, context.key ?? '')
        return { images: [image], seed: request.seed }
      },
    }
  },
}
