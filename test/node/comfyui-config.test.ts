import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { buildProviders } from '../../src/providers/build.ts'

/**
 * A comfyui entry's options are checked when the providers are built, at start-up: a bad
 * workflow stops the gateway with a message naming the entry and what to fix.
 */

/** A custom graph with every placeholder but no output node option. */
const WORKFLOW = {
  '2': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['1', 1] } },
  '3': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['1', 1] } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: '{{width}}', height: '{{height}}' } },
  '6': { class_type: 'KSampler', inputs: { seed: '{{seed}}', steps: '{{steps}}' } },
  '9': { class_type: 'SaveImage', inputs: { images: ['6', 0] } },
}

describe('comfyui configuration', () => {
  const build = (options: Record<string, unknown>) => {
    const entry = { type: 'comfyui', baseUrl: 'http://gpu.lan:8188', options }
    return () => buildProviders(loadConfig({ PROVIDERS: JSON.stringify([entry]) }), {})
  }

  it('stops start-up naming the entry when the workflow lacks {{prompt}}', () => {
    const run = build({
      workflow: { '1': { class_type: 'CLIPTextEncode', inputs: { text: 'x' } } },
    })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(
      /PROVIDERS: comfyui entry \(http:\/\/gpu\.lan:8188\): options\.workflow has no "\{\{prompt\}\}"/,
    )
  })

  it('rejects a workflow that is not an object, and the editor format, saying why', () => {
    expect(build({ workflow: 42 })).toThrow(/options\.workflow must be an API-format workflow/)
    expect(build({ workflow: '{not json' })).toThrow(/not valid JSON/)
    expect(build({ workflow: { nodes: [], links: [] } })).toThrow(/editor format/)
    expect(build({ workflow: WORKFLOW, outputNode: '12' })).toThrow(/outputNode "12" is not a node/)
    expect(build({ outputnode: '9' })).toThrow(
      /unknown option "outputnode" \(allowed: workflow, outputNode,/,
    )
  })

  it('accepts the workflow as a JSON string, as an env file holds it', () => {
    const [built] = build({ workflow: JSON.stringify(WORKFLOW), outputNode: 9 })()
    expect(built!.provider.models[0]).toMatchObject({ id: 'comfyui', publicIds: ['comfyui'] })
    expect(built!.provider.models[0]!.capabilities).toMatchObject({
      size: { min: 256, max: 2048, multiple: 8 },
      steps: { min: 1, max: 50, default: 20 },
      seed: true,
      negativePrompt: true,
    })
  })

  it('edits, and only edits, with a workflow holding {{image}}; takes a mask with {{mask}}', () => {
    const load = { class_type: 'LoadImage', inputs: { image: '{{image}}' } }
    const mask = { class_type: 'LoadImageMask', inputs: { image: '{{mask}}', channel: 'alpha' } }
    const capabilities = (workflow: object) =>
      build({ workflow })()[0]!.provider.models[0]!.capabilities.input
    expect(capabilities({ ...WORKFLOW, '10': load })).toEqual({
      maxImages: 1,
      mask: false,
      editOnly: true,
    })
    expect(capabilities({ ...WORKFLOW, '10': load, '11': mask })?.mask).toBe(true)
    expect(capabilities(WORKFLOW)).toBeUndefined()
    expect(build({}).call(null)[0]!.provider.models[0]!.capabilities.input).toBeUndefined()
  })
})
