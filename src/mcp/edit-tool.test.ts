import { describe, expect, it } from 'vitest'
import { testApp } from '../app-testing.ts'
import { encodeBase64 } from '../bytes/base64.ts'
import { encodePng } from '../image/png.ts'
import { sniffImage } from '../image/sniff.ts'

/** The edit_image tool through `POST /mcp`, on the demo provider (which edits offline). */

type App = ReturnType<typeof testApp>

async function call(app: App, name: string, args: unknown, origin = 'http://localhost') {
  const response = await app.request(`${origin}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'MCP-Protocol-Version': '2025-06-18',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  })
  expect(response.status).toBe(200)
  return (await response.json()).result
}

const png = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const dataUri = `data:image/png;base64,${encodeBase64(png)}`

const sizeOf = async (app: App, url: string) =>
  sniffImage(new Uint8Array(await (await app.request(new URL(url).pathname)).arrayBuffer()))

describe('edit_image', () => {
  it('edits a data URI and keeps its shape, answering links like generate_image', async () => {
    const app = testApp({ RATE_LIMIT: '0' })
    const result = await call(app, 'edit_image', { prompt: 'make it blue', images: [dataUri] })
    expect(result.isError).toBeUndefined()
    const { url, size } = result.structuredContent
    // 40x30 at the default area, fitted: 4:3.
    expect(size).toBe('1184x888')
    expect(await sizeOf(app, url)).toMatchObject({ width: 1184, height: 888 })
    expect(result.content[1]).toMatchObject({ type: 'resource_link', uri: url })
  })

  it('edits its own link from generate_image, under PUBLIC_URL, without fetching it', async () => {
    let fetched = 0
    const app = testApp(
      { RATE_LIMIT: '0', PUBLIC_URL: 'https://img.example' },
      {
        fetch: async () => {
          fetched++
          return new Response('no', { status: 500 })
        },
      },
    )
    const drawn = await call(app, 'generate_image', { prompt: 'a fox', size: '256x128' })
    const link = drawn.structuredContent.url as string
    expect(link.startsWith('https://img.example/image/')).toBe(true)
    const edited = await call(app, 'edit_image', { prompt: 'at night', images: [link] })
    expect(edited.structuredContent.size).toBe('1448x728')
    expect(fetched).toBe(0)
  })

  it('has room for one image as a data URI over MAX_BODY_BYTES', async () => {
    const noise = new Uint8Array(640 * 640 * 3)
    for (let i = 0; i < noise.length; i += 65536)
      crypto.getRandomValues(noise.subarray(i, i + 65536))
    const big = `data:image/png;base64,${encodeBase64(await encodePng(640, 640, noise))}`
    expect(big.length).toBeGreaterThan(1_048_576)
    const result = await call(testApp({ RATE_LIMIT: '0' }), 'edit_image', {
      prompt: 'x',
      images: [big],
    })
    expect(result.structuredContent.size).toBe('1024x1024')
  })

  it.each([
    [{ prompt: 'x' }, 'images must be an array of image links.'],
    [{ prompt: 'x', images: [] }, 'images must hold at least one image.'],
    [{ prompt: 'x', images: [''] }, 'images.0 must be a link or a data: URI.'],
    [{ prompt: 'x', images: ['ftp://host/a.png'] }, 'ftp: is not http(s)'],
    [{ prompt: 'x', images: Array(17).fill(dataUri) }, 'images must hold at most 16 images.'],
    [{ prompt: 'x', images: [dataUri], mask: 5 }, 'mask must be a link or a data: URI.'],
  ])('answers %j with a tool error', async (args, message) => {
    const result = await call(testApp({ RATE_LIMIT: '0' }), 'edit_image', args)
    expect(result.isError).toBe(true)
    expect(result.content[0].text).toContain(message)
  })

  it('answers an image the flow cannot read with a tool error naming it', async () => {
    const app = testApp({ RATE_LIMIT: '0' })
    const notImage = `data:image/png;base64,${encodeBase64(new TextEncoder().encode('hello'))}`
    const result = await call(app, 'edit_image', { prompt: 'x', images: [dataUri, notImage] })
    expect(result.isError).toBe(true)
    expect(result.content[0].text).toMatch(/^Image 2 is not an image/)
    expect(app.logs.at(-1)).toMatchObject({ route: '/mcp', errorCode: expect.any(String) })
  })
})
