import { describe, expect, it } from 'vitest'
import { nodeFetchTestKit, text } from './node-fetch-testing.ts'

const { serve, fresh } = nodeFetchTestKit()

describe('createNodeFetch redirects', () => {
  it('returns the 3xx itself with redirect: manual', async () => {
    const server = await serve(text(302, '', { location: '/elsewhere' }))
    const response = await fresh()(server.url, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/elsewhere')
    await response.body?.cancel()
    expect(server.seen).toHaveLength(1)
  })

  it('follows them, turning 303 into a GET and keeping the body on 307', async () => {
    const server = await serve((seen, response) => {
      const hops: Record<string, [number, string]> = {
        '/start': [307, '/kept'],
        '/kept': [303, '/final'],
      }
      const hop = hops[seen.path]
      if (hop) response.writeHead(hop[0], { location: hop[1] }).end()
      else response.end(`${seen.method} ${seen.path}`)
    })
    const response = await fresh()(`${server.url}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(await response.text()).toBe('GET /final')
    expect(response.redirected).toBe(true)
    expect(response.url).toBe(`${server.url}/final`)
    const [start, kept, final] = server.seen
    expect(start!.body.toString()).toBe('{"a":1}')
    expect(kept).toMatchObject({ method: 'POST', body: Buffer.from('{"a":1}') })
    expect(final).toMatchObject({ method: 'GET', body: Buffer.alloc(0) })
    expect(final!.headers['content-type']).toBeUndefined()
  })

  it('drops the Authorization header on a redirect to another origin', async () => {
    const other = await serve(text(200, 'there'))
    const server = await serve(text(301, '', { location: `${other.url}/x` }))
    const response = await fresh()(server.url, { headers: { authorization: 'Bearer secret' } })
    expect(await response.text()).toBe('there')
    expect(server.seen[0]!.headers.authorization).toBe('Bearer secret')
    expect(other.seen[0]!.headers.authorization).toBeUndefined()
  })

  it('rejects with redirect: error, a loop, and a non-http location', async () => {
    const loop = await serve(text(302, '', { location: '/again' }))
    const call = fresh()
    await expect(call(loop.url, { redirect: 'error' })).rejects.toThrow(TypeError)
    await expect(call(loop.url)).rejects.toThrow(/redirect count/)
    expect(loop.seen.length).toBe(1 + 21)
    const file = await serve(text(302, '', { location: 'file:///etc/passwd' }))
    await expect(call(file.url)).rejects.toThrow(TypeError)
  })
})
