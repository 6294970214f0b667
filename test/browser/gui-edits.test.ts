import type { Page, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { hasChromium, warnIfNoChromium } from './chromium.ts'
import { chromiumForFile, openPage, SERVERS, servedPlayground, waitForImage } from './playground.ts'

/**
 * Editing in the playground, in a real Chromium against the demo provider (whose edits are
 * labelled DEMO EDIT and coloured by their input): images chosen, dropped or pasted, "Edit this"
 * on a result, and files refused before anything is sent. On the Node entry and dist/worker.js.
 */

warnIfNoChromium('gui edits browser test')

const flatPng = async (grey: number) =>
  Buffer.from(await encodePng(48, 32, new Uint8Array(48 * 32 * 3).fill(grey)))
const reference = await flatPng(200)
const other = await flatPng(90)
const png = (name: string) => ({ name, mimeType: 'image/png', buffer: reference })

const chromium = chromiumForFile()

/** Requests the page sends to the Images API, as they leave the browser. */
function imagesRequests(page: Page): Request[] {
  const sent: Request[] = []
  page.on('request', (request) => {
    if (request.url().includes('/v1/images/')) sent.push(request)
  })
  return sent
}

/** Clicks Generate and waits for the request it sends and the new result image. */
async function run(page: Page): Promise<{ request: Request; src: string }> {
  const before = await page.getAttribute('#image', 'src')
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/v1/images/')),
    page.click('#generate'),
  ])
  await page.waitForFunction(
    (old) => document.getElementById('image')?.getAttribute('src') !== old,
    before,
  )
  await waitForImage(page)
  return { request, src: (await page.getAttribute('#image', 'src'))! }
}

const refCount = (page: Page) => page.$$eval('#refs li', (items) => items.length)

/** Hands the page files the way a drop or a paste does, through a DataTransfer. */
async function dispatchFile(page: Page, type: 'drop' | 'paste', bytes: Buffer) {
  await page.evaluate(
    ({ type, base64 }) => {
      const data = new DataTransfer()
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
      data.items.add(new File([bytes], `${type}.png`, { type: 'image/png' }))
      const init = { bubbles: true, cancelable: true }
      const event =
        type === 'drop'
          ? new DragEvent('drop', { ...init, dataTransfer: data })
          : new ClipboardEvent('paste', { ...init, clipboardData: data })
      document.getElementById('prompt')!.dispatchEvent(event)
    },
    { type, base64: bytes.toString('base64') },
  )
}

describe.skipIf(!hasChromium).each(SERVERS)('editing in the playground from %s', (_, start) => {
  const served = servedPlayground(chromium, start, { RATE_LIMIT: '0' })

  const bytesOf = async (src: string) =>
    Buffer.from(await (await fetch(new URL(src, served.gateway.url))).arrayBuffer())

  /**
   * The link the API answers for a seeded edit of `image`, sent as the page sends it. A seeded
   * request has a content address, so the same link proves the page sent the same image bytes
   * (Chromium does not show a test the file parts of a request body).
   */
  async function editLink(image: Buffer, prompt: string): Promise<string> {
    const form = new FormData()
    form.append('image[]', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'any.png')
    for (const [name, value] of Object.entries({ prompt, seed: '7', size: '1024x1024', n: '1' })) {
      form.append(name, value)
    }
    const response = await fetch(`${served.gateway.url}/v1/images/edits`, {
      method: 'POST',
      body: form,
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { data: { url: string }[] }).data[0]!.url
  }

  it('edits a chosen PNG through /v1/images/edits and shows the edit beside its input', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui/`)
    await page.fill('#prompt', 'A lighthouse at dusk')
    await page.fill('#seed', '7')
    const textOnly = await run(page)
    expect(new URL(textOnly.request.url()).pathname).toBe('/v1/images/generations')
    expect(await page.isVisible('#r-inputs')).toBe(false)

    await page.setInputFiles('#files', png('lighthouse.png'))
    expect(await refCount(page)).toBe(1)
    const edit = await run(page)
    expect(new URL(edit.request.url()).pathname).toBe('/v1/images/edits')
    expect(edit.request.headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(await editLink(reference, 'A lighthouse at dusk')).toBe(edit.src)
    expect(await editLink(other, 'A lighthouse at dusk')).not.toBe(edit.src)

    // Same prompt, seed and size: only the input image makes the demo draw something else.
    expect(edit.src).not.toBe(textOnly.src)
    expect(await bytesOf(edit.src)).not.toEqual(await bytesOf(textOnly.src))
    expect(await page.textContent('#r-size')).toBe('1024 × 1024')
    const inputs = await page.$$eval('#r-inputs img', (images) =>
      images.map((image) => ({
        src: (image as HTMLImageElement).src,
        width: (image as HTMLImageElement).naturalWidth,
      })),
    )
    expect(inputs).toEqual([{ src: expect.stringMatching(/^blob:/), width: 48 }])
    expect(await page.isVisible('#r-inputs')).toBe(true)
    await page.screenshot({ path: 'test-output/gui-edit.png', fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('takes dropped and pasted images, and removes one by its thumbnail', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui/`)
    await dispatchFile(page, 'drop', reference)
    await dispatchFile(page, 'paste', other)
    expect(await refCount(page)).toBe(2)
    await page.click('#refs li:first-child button')
    expect(await refCount(page)).toBe(1)

    await page.fill('#prompt', 'The same, in snow')
    await page.fill('#seed', '7')
    const { request, src } = await run(page)
    expect(new URL(request.url()).pathname).toBe('/v1/images/edits')
    expect(await editLink(other, 'The same, in snow')).toBe(src)
    expect(problems).toEqual([])
    await page.close()
  })

  it('"Edit this" edits a result by its own link, sent as JSON, not uploaded again', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui/`)
    const sent = imagesRequests(page)
    await page.fill('#prompt', 'A red bicycle')
    const first = await run(page)
    const key = /\/image\/([\w-]{22,64})$/.exec(first.src)![1]

    await page.click('#edit-this')
    expect(await refCount(page)).toBe(1)
    expect(await page.getAttribute('#refs img', 'src')).toBe(first.src)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('prompt')
    await page.fill('#prompt', 'Make it blue')
    const edit = await run(page)
    expect(new URL(edit.request.url()).pathname).toBe('/v1/images/edits')
    expect(edit.request.headers()['content-type']).toBe('application/json')
    expect(edit.request.postDataJSON()).toMatchObject({
      image: [`/image/${key}`],
      prompt: 'Make it blue',
      response_format: 'url',
    })
    expect(edit.src).not.toBe(first.src)
    expect(
      await page.$$eval('#r-inputs img', (images) => images.map((i) => i.getAttribute('src'))),
    ).toEqual([first.src])
    // A file added beside the link: one form carries both, the link as a text part.
    await page.setInputFiles('#files', png('hat.png'))
    const mixed = await run(page)
    expect(mixed.request.headers()['content-type']).toMatch(/^multipart\/form-data/)
    expect(await page.$$eval('#r-inputs img', (images) => images.length)).toBe(2)
    expect(sent.map((request) => new URL(request.url()).pathname)).toEqual([
      '/v1/images/generations',
      '/v1/images/edits',
      '/v1/images/edits',
    ])
    expect(problems).toEqual([])
    await page.close()
  })

  it('refuses a file that is not an image, and a fifth image, before sending anything', async () => {
    const { page, problems } = await openPage(served.context, `${served.gateway.url}/gui/`)
    const sent = imagesRequests(page)
    await page.setInputFiles('#files', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not an image'),
    })
    await page.waitForSelector('#error', { state: 'visible' })
    expect(await page.textContent('#error')).toBe(
      'notes.txt was left out. Drop, paste or choose up to 4 PNG, JPEG or WebP images, 20 MiB each.',
    )
    expect(await refCount(page)).toBe(0)

    await page.setInputFiles(
      '#files',
      ['a', 'b', 'c', 'd', 'e'].map((n) => png(`${n}.png`)),
    )
    expect(await refCount(page)).toBe(4)
    expect(await page.textContent('#error')).toMatch(/^e\.png was left out\./)
    expect(sent).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })

  it('lists the API doors in its help, linking the ones a browser can open', async () => {
    const { page } = await openPage(served.context, `${served.gateway.url}/gui/`)
    await page.click('footer summary')
    const text = await page.textContent('footer ul')
    for (const door of ['/v1/images/edits', '/prompt/{prompt}', '/v1/responses', '/mcp']) {
      expect(text).toContain(door)
    }
    const href = await page.getAttribute('footer a[href*="prompt/"]', 'href')
    const response = await fetch(new URL(href!, page.url()))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    await page.close()
  })
})
