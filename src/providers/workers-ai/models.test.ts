import { describe, expect, it } from 'vitest'
import { fitRequest } from '../fit.ts'
import { buildInputs, workersAiModels } from './models.ts'

const models = workersAiModels({ numSteps: 4, model: '@cf/black-forest-labs/flux-1-schnell' })
const byId = (id: string) => models.find((model) => model.publicIds.includes(id))!

describe('workers-ai catalogue', () => {
  it('lists FLUX_MODEL first, so it is the default model', () => {
    expect(models[0]!.id).toBe('@cf/black-forest-labs/flux-1-schnell')
    expect(models[0]!.publicIds).toEqual(['flux-schnell', 'flux-1-schnell'])
    const klein = workersAiModels({ numSteps: 4, model: '@cf/black-forest-labs/flux-2-klein-4b' })
    expect(klein[0]!.publicIds).toEqual(['flux-2-klein-4b', 'flux-2-klein'])
    expect(new Set(klein.map((model) => model.id)).size).toBe(klein.length)
  })

  it('sends flux-1-schnell no size and at most 8 steps', () => {
    const schnell = byId('flux-schnell')
    const { request, warnings } = fitRequest(
      { prompt: 'a cat', width: 1024, height: 576, steps: 20, seed: 7, n: 1 },
      schnell.capabilities,
    )
    expect(buildInputs(schnell, request)).toEqual({ prompt: 'a cat', steps: 8, seed: 7 })
    expect(warnings.join(' ')).toContain('does not take a size')
  })

  it('fits klein into 256-1920 and never sends it steps', () => {
    const klein = byId('flux-2-klein')
    expect(klein.input).toBe('multipart')
    const { request } = fitRequest(
      { prompt: 'p', width: 4000, height: 2000, steps: 9, n: 1 },
      klein.capabilities,
    )
    expect(buildInputs(klein, request)).toEqual({ prompt: 'p', width: 1920, height: 960 })
  })

  it('uses FLUX_NUM_STEPS for few-step models and their own defaults for the rest', () => {
    const steps = (id: string) => byId(id).capabilities.steps?.default
    const six = workersAiModels({ numSteps: 6 })
    expect(
      six.find((model) => model.publicIds.includes('flux-schnell'))?.capabilities.steps?.default,
    ).toBe(6)
    expect(steps('sdxl-lightning')).toBe(4)
    expect(steps('dreamshaper')).toBe(4)
    expect(steps('sdxl')).toBe(20)
    expect(steps('phoenix')).toBe(25)
    expect(steps('flux-2-dev')).toBe(28)
    expect(byId('flux-2-klein-9b').capabilities.steps).toBeNull()
  })

  it('names SDXL-family fields as their schema does, negative prompt included', () => {
    const phoenix = byId('phoenix')
    const { request } = fitRequest(
      { prompt: 'p', negativePrompt: 'text', steps: 30, seed: 1, n: 1 },
      phoenix.capabilities,
    )
    expect(buildInputs(phoenix, request)).toEqual({
      prompt: 'p',
      negative_prompt: 'text',
      num_steps: 30,
      seed: 1,
      width: 1024,
      height: 1024,
    })
  })

  it('serves an unknown FLUX_MODEL with the generic schema, and honours `only`', () => {
    const custom = workersAiModels({ numSteps: 4, model: '@cf/acme/flux-9' })
    expect(custom[0]).toMatchObject({ id: '@cf/acme/flux-9', publicIds: ['flux-9'], input: 'json' })
    const only = workersAiModels({
      numSteps: 4,
      only: ['flux-2-dev', '@cf/lykon/dreamshaper-8-lcm'],
    })
    expect(only.map((model) => model.publicIds[0])).toEqual(['flux-2-dev', 'dreamshaper-8-lcm'])
  })
})
