import * as z from 'zod/mini'
import type { ProviderEntry } from '../../config.ts'
import { readOptions } from '../options.ts'
import { pollIntervalOption } from '../poll.ts'
import type { ModelCapabilities, ModelSpec } from '../types.ts'
import {
  DEFAULT_OUTPUT_NODE,
  DEFAULT_WORKFLOW,
  parseWorkflow,
  placeholdersIn,
  type Workflow,
} from './workflow.ts'

/**
 * The `options` of a comfyui PROVIDERS entry, checked at start-up. Capabilities follow the
 * workflow: size control only when it holds `{{width}}` and `{{height}}`, steps only with
 * `{{steps}}`, and so on, so a request is never fitted to a field the graph would drop. A
 * workflow with `{{image}}` edits one image, and only edits (its LoadImage needs a file); with
 * `{{mask}}` too it takes a mask.
 */

const whole = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max))
const positive = z.int().check(z.minimum(1))
const size = whole(16, 16384)

const COMFYUI_OPTIONS = {
  /** API-format graph (object or JSON string); DEFAULT_WORKFLOW when absent. */
  workflow: z.optional(z.unknown()),
  /** Node whose images are the result; absent: every node that saved images. */
  outputNode: z.optional(
    z.union([z.string().check(z.minLength(1)), z.pipe(z.int(), z.transform(String))]),
  ),
  /** First wait before polling /history, in ms; later waits grow (providers/poll.ts). */
  pollIntervalMs: pollIntervalOption,
  minSize: z._default(size, 256),
  maxSize: z._default(size, 2048),
  sizeMultiple: z._default(whole(1, 256), 8),
  defaultWidth: z._default(size, 1024),
  defaultHeight: z._default(size, 1024),
  minSteps: z._default(positive, 1),
  maxSteps: z._default(whole(1, 1000), 50),
  /** Default 4 for the built-in schnell graph, 20 for a workflow of your own. */
  defaultSteps: z.optional(whole(1, 1000)),
  maxPromptLength: z._default(positive, 2048),
}

/** What one comfyui entry runs. */
export type ComfySettings = {
  workflow: Workflow
  outputNode: string | undefined
  pollIntervalMs: number
  model: ModelSpec
}

/** Public ids of the built-in graph; a custom workflow is `comfyui` unless `models` names it. */
const DEFAULT_PUBLIC_IDS = ['flux-schnell', 'flux-1-schnell']
const CUSTOM_PUBLIC_IDS = ['comfyui']

/** Reads and checks an entry; throws an Error naming the bad option. */
export function readSettings(entry: ProviderEntry): ComfySettings {
  const options = readOptions(entry, COMFYUI_OPTIONS)
  const custom = options.workflow !== undefined
  const workflow = custom ? parseWorkflow(options.workflow) : DEFAULT_WORKFLOW
  const outputNode = options.outputNode ?? (custom ? undefined : DEFAULT_OUTPUT_NODE)
  if (outputNode !== undefined && !Object.hasOwn(workflow, outputNode)) {
    throw new Error(`options.outputNode "${outputNode}" is not a node of the workflow`)
  }
  if (options.minSize > options.maxSize || options.minSteps > options.maxSteps) {
    throw new Error('options: a minimum is above its maximum (minSize/maxSize, minSteps/maxSteps)')
  }

  const found = placeholdersIn(workflow)
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))
  const capabilities: ModelCapabilities = {
    size: found.has('width')
      ? { min: options.minSize, max: options.maxSize, multiple: options.sizeMultiple }
      : null,
    defaultSize: { width: options.defaultWidth, height: options.defaultHeight },
    steps: found.has('steps')
      ? {
          min: options.minSteps,
          max: options.maxSteps,
          default: clamp(
            options.defaultSteps ?? (custom ? 20 : 4),
            options.minSteps,
            options.maxSteps,
          ),
        }
      : null,
    seed: found.has('seed'),
    negativePrompt: found.has('negativePrompt'),
    maxPromptLength: options.maxPromptLength,
    // ComfyUI runs one queued prompt at a time; n images are n prompts, queued side by side.
    maxImagesPerCall: 1,
  }
  if (found.has('image')) {
    capabilities.input = { maxImages: 1, mask: found.has('mask'), editOnly: true }
  }
  const publicIds = entry.models?.length
    ? [...new Set(entry.models)]
    : custom
      ? CUSTOM_PUBLIC_IDS
      : DEFAULT_PUBLIC_IDS
  return {
    workflow,
    outputNode,
    pollIntervalMs: options.pollIntervalMs,
    model: { id: publicIds[0]!, publicIds, capabilities },
  }
}
