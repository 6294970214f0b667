import type { Context } from 'hono'
import { encodeBase64 } from '../bytes/base64.ts'
import { imageMarkdown } from '../chat/image-link.ts'
import {
  type GenerationEvent,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { recordError } from '../http/error-response.ts'
import { ownOrigins, publicOrigin } from '../http/origin.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import { openApiDocument } from '../openapi/document.ts'
import { editImageArguments, generateImageArguments, parseToolArguments } from '../request/mcp.ts'
import type { AppEnv } from '../services.ts'
import { INVALID_PARAMS, protocolVersionOf, RpcError } from './json-rpc.ts'

/**
 * The MCP door's tools: their definitions for `tools/list` and what `tools/call` runs. Images go
 * back as links (a text block with the markdown image, a `resource_link` for clients of
 * 2025-06-18 on, and structured content), never as megabytes of base64 in the model's context;
 * only a gateway without storage, which has no link to give, sends the image itself.
 *
 * Failures of a call (bad arguments, unknown model, rate limit, every upstream failed) are tool
 * results with `isError: true`, which the model reads and can act on, as the specification asks
 * since 2025-11-25 (SEP-1303: input validation errors are tool execution errors). Only a call
 * that is malformed as a request, or names no tool of ours, is a JSON-RPC error.
 */

/** What a tool call gets: the request's context and, when the client asked, a progress sink. */
type McpComponent = 'McpGenerateImage' | 'McpEditImage' | 'McpImages' | 'McpModels'

type ToolCall = {
  c: Context<AppEnv>
  args: unknown
  /** Aborts when the client leaves (its request, or the event stream it reads). */
  signal: AbortSignal
  progress?: (message: string) => void
}

type Tool = {
  title: string
  description: string
  /** The component names of the input and output schemas in the OpenAPI document. */
  input?: McpComponent
  output: McpComponent
  readOnly?: boolean
  run: (call: ToolCall) => Promise<ToolResult>
}

type ToolResult = {
  content: Record<string, unknown>[]
  structuredContent?: Record<string, unknown>
  isError?: boolean
}

/** A progress line for each step of a generation. */
function progressMessage(event: GenerationEvent): string {
  if (event.type === 'upstream-progress') return event.message
  if (event.type === 'attempt') return `Drawing with ${event.model} on ${event.provider}`
  const size = event.size ? ` at ${event.size.width}x${event.size.height}` : ''
  return `Prompt ready${event.promptModel ? ` (rewritten by ${event.promptModel})` : ''}${size}`
}

/** The reply for finished images: links, a resource link each, and the structured summary. */
function imagesResult(result: GenerationResult, origin: string, linked: boolean): ToolResult {
  const first = result.images[0]!
  const size = `${first.width}x${first.height}`
  const urls: string[] = []
  const content: ToolResult['content'] = []
  const lines: string[] = []
  for (const image of result.images) {
    if (!image.key) {
      content.push({ type: 'image', data: encodeBase64(image.bytes), mimeType: image.contentType })
      continue
    }
    const url = `${origin}/image/${image.key}`
    urls.push(url)
    lines.push(`${imageMarkdown(result.prompt, url)}\nLink: ${url}`)
    if (linked) {
      content.push({
        type: 'resource_link',
        uri: url,
        name: image.key,
        mimeType: image.contentType,
      })
    }
  }
  const facts = [`${size}, seed ${result.seed ?? 'unknown'}, model ${result.model}`]
  if (result.finalPrompt !== result.prompt) facts.push(`Prompt as drawn: ${result.finalPrompt}`)
  facts.push(...result.warnings, ...(result.promptNote ? [result.promptNote] : []))
  content.unshift({ type: 'text', text: [...lines, facts.join('\n')].join('\n\n') })
  return {
    content,
    structuredContent: {
      url: urls[0] ?? null,
      urls,
      size,
      seed: result.seed ?? null,
      model: result.model,
    },
  }
}

/** Draws for a tool: the model checked before the rate limit counts, progress passed on. */
async function draw(
  { c, signal, progress }: ToolCall,
  params: Omit<GenerationInput, 'signal' | 'onProgress'>,
): Promise<ToolResult> {
  const services = c.get('services')
  const origin = publicOrigin(c.req.raw, services.config.publicUrl)
  // Resolved before counting, so a typo in the model name does not use up the quota.
  services.catalogue.resolve(params.model)
  await limitApiGeneration(c)
  const result = await generateImages(services, {
    ...params,
    origins: ownOrigins(c.req.raw, services.config.publicUrl),
    signal,
    onProgress: progress && ((event) => progress(progressMessage(event))),
  })
  addLogFields(c, { ...generationLogFields(result), prompt: result.prompt })
  // `resource_link` came with 2025-06-18: older clients refuse a result holding one.
  return imagesResult(result, origin, protocolVersionOf(c.req.raw) >= '2025-06-18')
}

const TOOLS: Record<string, Tool> = {
  generate_image: {
    title: 'Generate image',
    description:
      'Draws images from a text prompt with a FLUX-class model and returns links to them. Give size or aspect_ratio, not both; the same seed and arguments give the same image.',
    input: 'McpGenerateImage',
    output: 'McpImages',
    run(call) {
      const parsed = parseToolArguments(generateImageArguments, call.args)
      return draw(call, {
        prompt: parsed.prompt,
        n: parsed.n ?? 1,
        seed: parsed.seed,
        model: parsed.model,
        ...(parsed.aspect_ratio ?? parsed.size),
        optimize: parsed.enhance,
      })
    },
  },
  edit_image: {
    title: 'Edit image',
    description:
      'Edits an image (a link, or a data: URI) as the prompt says, or draws from reference images, and returns links to the results. A link from generate_image works as input.',
    input: 'McpEditImage',
    output: 'McpImages',
    run(call) {
      const parsed = parseToolArguments(editImageArguments, call.args)
      return draw(call, { ...parsed, n: 1 })
    },
  },
  list_models: {
    title: 'List models',
    description:
      'The image models this gateway serves, the default first, and which of them edit images.',
    output: 'McpModels',
    readOnly: true,
    async run({ c }) {
      const { catalogue } = c.get('services')
      const models = catalogue.listing.map(({ id, providers, takesImages }) => ({
        id,
        providers,
        edits: takesImages,
      }))
      const text = models.map(
        (model) => `${model.id}: ${model.providers.join(', ')}${model.edits ? ' (edits)' : ''}`,
      )
      return {
        content: [{ type: 'text', text: `Default: ${catalogue.defaultModel}\n${text.join('\n')}` }],
        structuredContent: { default: catalogue.defaultModel, models },
      }
    },
  },
}

/**
 * The `tools/list` entries, the same for every configuration. The JSON
 * Schemas are the OpenAPI document's components, which the Worker bundle has rendered at build
 * time (it leaves zod's JSON Schema generator out).
 */
export const toolDefinitions = () => {
  const schemas = openApiDocument().components.schemas as Record<string, object>
  return Object.entries(TOOLS).map(([name, tool]) => ({
    name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.input ? schemas[tool.input] : { type: 'object', properties: {} },
    outputSchema: schemas[tool.output],
    annotations: { readOnlyHint: tool.readOnly ?? false, openWorldHint: !tool.readOnly },
  }))
}

/**
 * Runs `tools/call`. A call that names no tool of ours, or whose arguments are no object, is a
 * JSON-RPC error; a failure of the call itself comes back as an `isError` result.
 */
export async function callTool(
  call: Omit<ToolCall, 'args'>,
  params: Record<string, unknown>,
): Promise<ToolResult> {
  const { name, arguments: args } = params
  const tool = typeof name === 'string' && Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined
  if (!tool) throw new RpcError(INVALID_PARAMS, `Unknown tool: ${String(name).slice(0, 100)}`)
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new RpcError(INVALID_PARAMS, 'arguments must be an object.')
  }
  const { c } = call
  try {
    return await tool.run({ ...call, args })
  } catch (thrown) {
    const error = recordError(c, thrown)
    return { content: [{ type: 'text', text: error.message }], isError: true }
  }
}
