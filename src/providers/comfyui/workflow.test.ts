import { describe, expect, it } from 'vitest'
import {
  DEFAULT_OUTPUT_NODE,
  DEFAULT_WORKFLOW,
  fillWorkflow,
  parseWorkflow,
  placeholdersIn,
} from './workflow.ts'

describe('fillWorkflow', () => {
  const graph = parseWorkflow({
    '1': {
      class_type: 'Sampler',
      inputs: {
        seed: '{{seed}}',
        steps: '{{steps}}',
        note: 'keep {{seed}} inside text',
        link: ['2', 0],
      },
    },
    '2': { class_type: 'Text', inputs: { text: '{{prompt}}', negative: '{{negative_prompt}}' } },
    '3': { class_type: 'Latent', inputs: { size: ['{{width}}', '{{height}}'] } },
  })

  it('replaces whole-string placeholders, numbers as numbers, and leaves the rest alone', () => {
    const filled = fillWorkflow(graph, {
      prompt: 'a fox',
      negativePrompt: '',
      width: 512,
      height: 768,
      seed: 0,
      steps: 4,
    })
    expect(filled['1']!.inputs).toEqual({
      seed: 0,
      steps: 4,
      note: 'keep {{seed}} inside text',
      link: ['2', 0],
    })
    expect(filled['2']!.inputs).toEqual({ text: 'a fox', negative: '' })
    expect(filled['3']!.inputs.size).toEqual([512, 768])
    // The configured graph is reused for every request, so it must not change.
    expect(graph['2']!.inputs.text).toBe('{{prompt}}')
  })

  it('finds which placeholders a graph holds', () => {
    expect([...placeholdersIn(graph)].sort()).toEqual(
      ['height', 'negativePrompt', 'prompt', 'seed', 'steps', 'width'].sort(),
    )
    expect([...placeholdersIn(DEFAULT_WORKFLOW)].sort()).toEqual(
      ['height', 'prompt', 'seed', 'steps', 'width'].sort(),
    )
    expect(DEFAULT_WORKFLOW[DEFAULT_OUTPUT_NODE]!.class_type).toBe('SaveImage')
  })
})

describe('parseWorkflow', () => {
  it.each([
    [[1, 2], /must be an API-format workflow/],
    [{ '1': { inputs: {} } }, /not an API-format workflow at 1\.class_type/],
    [{ '1': { class_type: 'X', inputs: { text: 'no placeholder' } } }, /no "\{\{prompt\}\}"/],
    [
      { '1': { class_type: 'X', inputs: { text: '{{prompt}}', width: '{{width}}' } } },
      /both "\{\{width\}\}" and "\{\{height\}\}"/,
    ],
    [
      { '1': { class_type: 'X', inputs: { text: '{{prompt}}', mask: '{{mask}}' } } },
      /has "\{\{mask\}\}" but no "\{\{image\}\}"/,
    ],
  ])('rejects %j', (workflow, message) => {
    expect(() => parseWorkflow(workflow)).toThrow(message)
  })
})
