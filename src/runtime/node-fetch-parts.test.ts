import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { readBodyParts } from '../bytes/body-parts.ts'
import { concatBytes } from '../bytes/concat.ts'
import { nodeFetchTestKit, text } from './node-fetch-testing.ts'

const { serve, fresh } = nodeFetchTestKit()

/** 3 MB whose every byte says where it is, written in uneven pieces. */
const big = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 11)) & 255)

/** Whether two byte arrays hold the same bytes (vitest's deep equality is slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

describe('createNodeFetch body parts', () => {
  it('hands over the body as the chunks it arrived in, not joined, the same bytes', async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-length': big.length })
      for (let at = 0; at < big.length; at += 300_001)
        response.write(big.subarray(at, at + 300_001))
      response.end()
    })
    const response = await fresh()(server.url)
    const parts = await readBodyParts(response)
    expect(parts.length).toBeGreaterThan(1)
    expect(same(concatBytes(parts), big)).toBe(true)
    expect(response.bodyUsed).toBe(true)
    await expect(response.arrayBuffer()).rejects.toThrow(TypeError)
  })

  it('decodes a compressed body into its parts', async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' })
      response.end(gzipSync(big))
    })
    expect(same(concatBytes(await readBodyParts(await fresh()(server.url))), big)).toBe(true)
  })

  it('is refused once the body was read, and reads through a stream already made', async () => {
    const server = await serve(text(200, 'whole'))
    const call = fresh()
    const read = await call(server.url)
    await read.text()
    await expect(readBodyParts(read)).rejects.toThrow(TypeError)
    const streamed = await call(server.url)
    expect(streamed.body).toBeInstanceOf(ReadableStream)
    const parts = await readBodyParts(streamed)
    expect(new TextDecoder().decode(concatBytes(parts))).toBe('whole')
  })

  it('fails as arrayBuffer() fails: a cut body, an abort mid-body', async () => {
    const server = await serve((seen, response) => {
      response.writeHead(200, { 'content-length': '100' })
      response.write('only part')
      if (seen.path === '/cut') setTimeout(() => response.socket?.destroy(), 20)
    })
    const cut = await fresh()(`${server.url}/cut`)
    await expect(readBodyParts(cut)).rejects.toThrow(TypeError)
    const controller = new AbortController()
    const stalled = await fresh()(`${server.url}/stall`, { signal: controller.signal })
    const reading = readBodyParts(stalled)
    const reason = new DOMException('late', 'TimeoutError')
    setTimeout(() => controller.abort(reason), 20)
    await expect(reading).rejects.toBe(reason)
  })

  it("reads any other Response's body whole, as one part", async () => {
    const parts = await readBodyParts(new Response('plain'))
    expect(parts).toHaveLength(1)
    expect(new TextDecoder().decode(parts[0])).toBe('plain')
  })
})
