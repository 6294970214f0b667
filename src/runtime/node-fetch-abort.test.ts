import { describe, expect, it } from 'vitest'
import { type Handler, nodeFetchTestKit, text } from './node-fetch-testing.ts'

const { serve, fresh } = nodeFetchTestKit()

/** Sends the head and part of a body, then waits for ever. */
const stallsMidBody: Handler = (_seen, response) => {
  response.writeHead(200)
  response.write('part')
}

describe('createNodeFetch abort', () => {
  it('rejects at once with the reason when the signal already fired', async () => {
    const server = await serve(text(200, 'ok'))
    const reason = new Error('gone')
    await expect(fresh()(server.url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(server.seen).toHaveLength(0)
  })

  it('rejects with the reason while waiting, and closes the connection', async () => {
    let closed: (() => void) | undefined
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve
    })
    const server = await serve((_seen, response) => response.on('close', () => closed?.()))
    const controller = new AbortController()
    const pending = fresh()(server.url, { method: 'POST', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    await serverSawClose
  })

  it('errors the body stream with the reason mid-body', async () => {
    const server = await serve(stallsMidBody)
    const controller = new AbortController()
    const response = await fresh()(server.url, { signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read()
    const reason = new DOMException('late', 'TimeoutError')
    controller.abort(reason)
    await expect(reader.read()).rejects.toBe(reason)
  })
  it('rejects a whole-body read with the reason mid-body', async () => {
    const server = await serve(stallsMidBody)
    const controller = new AbortController()
    const response = await fresh()(server.url, { signal: controller.signal })
    const reading = response.arrayBuffer()
    const reason = new DOMException('late', 'TimeoutError')
    setTimeout(() => controller.abort(reason), 20)
    await expect(reading).rejects.toBe(reason)
  })

  it('cancels the body stream without leaving the signal holding it', async () => {
    const server = await serve(stallsMidBody)
    const controller = new AbortController()
    const response = await fresh()(server.url, { signal: controller.signal })
    await response.body!.cancel()
    controller.abort() // nothing left listening: no unhandled error
    expect(response.bodyUsed).toBe(true)
  })
})
