import { describe, expect, it } from 'vitest'
import { comfyReplyError, comfyRunError } from './errors.ts'

describe('comfyui errors', () => {
  const reply = (status: number, body: unknown) =>
    comfyReplyError('comfyui', new Response(null, { status }), JSON.stringify(body), 'queueing')

  it('maps statuses to the failures the pool acts on', () => {
    expect(reply(400, { error: 'no prompt', node_errors: [] })).toMatchObject({
      status: 400,
      message: 'comfyui: queueing: rejected the request (HTTP 400): no prompt',
      upstream: { failure: 'bad-request' },
    })
    expect(reply(404, '').upstream?.failure).toBe('server')
    expect(reply(404, '').message).toMatch(/check baseUrl/)
    expect(reply(401, '').upstream?.failure).toBe('unauthorized')
    expect(reply(500, '').upstream?.failure).toBe('server')
  })

  it('names an interrupted run, and an error run without details', () => {
    const interrupted = comfyRunError('comfyui', {
      status_str: 'error',
      messages: [['execution_interrupted', { node_id: '3' }]],
    })
    expect(interrupted.message).toBe('comfyui: the prompt was interrupted on the ComfyUI server')
    expect(comfyRunError('comfyui', { status_str: 'error' }).message).toBe(
      'comfyui: the workflow failed',
    )
  })
})
