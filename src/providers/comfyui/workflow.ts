import * as z from 'zod/mini'
import { englishIssues } from '../../issue-messages.ts'

/**
 * ComfyUI workflows in the API format (what "Export (API)" / "Save (API Format)" writes): an
 * object of nodes, `{"<node id>": {class_type, inputs}}`, where an input is a literal or a link
 * `["<node id>", <output index>]`. The gateway fills placeholders in it for each request.
 */

/** A workflow graph in the API format. */
export type Workflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>

/**
 * Placeholders a workflow may hold, each as a whole string value (`"seed": "{{seed}}"`). The
 * numeric ones are substituted as JSON numbers, since ComfyUI validates INT inputs by type.
 * `{{image}}` and `{{mask}}` become the names of files uploaded to ComfyUI's input folder, for a
 * LoadImage `image` and a LoadImageMask `image` (channel `alpha`, whose transparent area is 1:
 * the area to change, as in OpenAI's masks).
 */
export const PLACEHOLDERS = {
  prompt: '{{prompt}}',
  negativePrompt: '{{negative_prompt}}',
  width: '{{width}}',
  height: '{{height}}',
  seed: '{{seed}}',
  steps: '{{steps}}',
  image: '{{image}}',
  mask: '{{mask}}',
} as const

export type PlaceholderName = keyof typeof PLACEHOLDERS

/** Values for one request; a placeholder whose value is absent keeps a safe default. */
export type WorkflowValues = {
  prompt: string
  negativePrompt: string
  width?: number
  height?: number
  seed?: number
  steps?: number
  /** Uploaded file names (index.ts), for a workflow that edits. */
  image?: string
  mask?: string
}

/**
 * The built-in graph: FLUX.1 [schnell] from the single-file fp8 checkpoint of ComfyUI's Flux
 * examples (`flux1-schnell-fp8.safetensors` in `models/checkpoints`, from
 * huggingface.co/Comfy-Org/flux1-schnell). Schnell is guidance-distilled: cfg 1, euler/simple,
 * about 4 steps; at cfg 1 the negative conditioning is ignored, so it stays empty and the model
 * does not claim negative prompts. Node 9 (SaveImage) holds the result.
 */
export const DEFAULT_WORKFLOW: Workflow = {
  '4': {
    class_type: 'CheckpointLoaderSimple',
    inputs: { ckpt_name: 'flux1-schnell-fp8.safetensors' },
  },
  '5': {
    // Flux's 16-channel latent; ComfyUI's Flux examples use this node rather than EmptyLatentImage.
    class_type: 'EmptySD3LatentImage',
    inputs: { width: PLACEHOLDERS.width, height: PLACEHOLDERS.height, batch_size: 1 },
  },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: PLACEHOLDERS.prompt, clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
  '3': {
    class_type: 'KSampler',
    inputs: {
      seed: PLACEHOLDERS.seed,
      steps: PLACEHOLDERS.steps,
      cfg: 1,
      sampler_name: 'euler',
      scheduler: 'simple',
      denoise: 1,
      model: ['4', 0],
      positive: ['6', 0],
      negative: ['7', 0],
      latent_image: ['5', 0],
    },
  },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'fluxgate', images: ['8', 0] } },
}

/** The output node of DEFAULT_WORKFLOW. */
export const DEFAULT_OUTPUT_NODE = '9'

const node = z.looseObject({
  class_type: z.string().check(z.minLength(1)),
  inputs: z.record(z.string(), z.unknown()),
})
const graph = z.record(z.string(), node)

/**
 * Reads `options.workflow` (an object, or a JSON string of one, as env files hold it) and checks
 * it is an API-format graph holding `{{prompt}}`. Throws an Error whose message says what to fix.
 */
export function parseWorkflow(raw: unknown): Workflow {
  let value = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw new Error('options.workflow is a string but not valid JSON')
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      'options.workflow must be an API-format workflow: an object {"<node id>": {class_type, inputs}}',
    )
  }
  // The editor's own save format is a common mistake; it cannot be queued as it is.
  if ('nodes' in value && 'links' in value) {
    throw new Error(
      'options.workflow is in the editor format (it has "nodes" and "links"); export it in the API format instead ("Export (API)")',
    )
  }
  const parsed = graph.safeParse(value, { error: englishIssues })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : ''
    throw new Error(`options.workflow is not an API-format workflow${where}: ${issue.message}`)
  }
  const workflow = parsed.data as Workflow
  const found = placeholdersIn(workflow)
  if (!found.has('prompt')) {
    throw new Error(
      `options.workflow has no "${PLACEHOLDERS.prompt}" placeholder; put it where the prompt text goes (e.g. a CLIPTextEncode "text" input)`,
    )
  }
  if (found.has('width') !== found.has('height')) {
    throw new Error(
      `options.workflow must hold both "${PLACEHOLDERS.width}" and "${PLACEHOLDERS.height}", or neither`,
    )
  }
  if (found.has('mask') && !found.has('image')) {
    throw new Error(
      `options.workflow has "${PLACEHOLDERS.mask}" but no "${PLACEHOLDERS.image}": a mask applies to an image`,
    )
  }
  return workflow
}

/** Which placeholders occur anywhere in the graph. */
export function placeholdersIn(workflow: Workflow): Set<PlaceholderName> {
  const byText = new Map<string, PlaceholderName>(
    Object.entries(PLACEHOLDERS).map(([name, text]) => [text, name as PlaceholderName]),
  )
  const found = new Set<PlaceholderName>()
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const name = byText.get(value)
      if (name) found.add(name)
    } else if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') Object.values(value).forEach(visit)
  }
  visit(workflow)
  return found
}

/**
 * A copy of the graph with every placeholder replaced: text as strings, numbers as numbers. An
 * absent number (the model was fitted without it) becomes 0 only for `seed`; other numeric
 * placeholders are always present when the workflow holds them (capabilities follow the graph).
 */
export function fillWorkflow(workflow: Workflow, values: WorkflowValues): Workflow {
  const replacements: Record<string, string | number | undefined> = {
    [PLACEHOLDERS.prompt]: values.prompt,
    [PLACEHOLDERS.negativePrompt]: values.negativePrompt,
    [PLACEHOLDERS.width]: values.width,
    [PLACEHOLDERS.height]: values.height,
    [PLACEHOLDERS.seed]: values.seed ?? 0,
    [PLACEHOLDERS.steps]: values.steps,
    [PLACEHOLDERS.image]: values.image,
    [PLACEHOLDERS.mask]: values.mask,
  }
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return Object.hasOwn(replacements, value) ? (replacements[value] ?? value) : value
    }
    if (Array.isArray(value)) return value.map(fill)
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]))
    }
    return value
  }
  return fill(workflow) as Workflow
}
