import { describe, expect, it } from 'vitest'
import type { FormPart } from '../http/form-body.ts'
import { formBoundary, parseMultipart } from './node-form.ts'

/**
 * The Node reader against the platform's own `formData()` (what read every form before): for
 * each body, well-formed or not, both must accept it with the same entries or both refuse it.
 */

const B = '----WebKitFormBoundaryx8Ij2Q0bKo7f3Zal'
const TYPE = `multipart/form-data; boundary=${B}`

type Seen = [name: string, value: string | { filename: string; bytes: number[] }][] | 'refused'

async function platform(body: Uint8Array, type: string): Promise<Seen> {
  try {
    const form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': type },
    }).formData()
    const seen: Seen = []
    for (const [name, value] of form) {
      seen.push([
        name,
        typeof value === 'string'
          ? value
          : { filename: value.name, bytes: [...new Uint8Array(await value.arrayBuffer())] },
      ])
    }
    return seen
  } catch {
    return 'refused'
  }
}

/** What the Node reader makes of it; a type it leaves to the platform is read there. */
async function node(body: Uint8Array, type: string): Promise<Seen> {
  const boundary = formBoundary(type)
  if (boundary === undefined) return platform(body, type)
  const parts = parseMultipart(Buffer.from(body), boundary)
  if (!parts) return 'refused'
  return parts.map((part: FormPart) => [
    part.name,
    'file' in part ? { filename: part.file.filename, bytes: [...part.file.bytes] } : part.value,
  ])
}

async function expectSameReading(body: string | Uint8Array, type = TYPE): Promise<Seen> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const expected = await platform(bytes, type)
  expect(await node(bytes, type)).toEqual(expected)
  return expected
}

const field = (name: string, value: string, boundary = B) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
const file = (name: string, filename: string, bytes: string) =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n${bytes}\r\n`
const end = `--${B}--\r\n`

describe('the Node multipart reader', () => {
  it('reads a well-formed form as the platform does: text, files, order, repeats', async () => {
    const body = `${field('model', 'flux-2-klein-4b')}${file('image[]', 'a.png', '\x89PNG one')}${file('image[]', 'b.png', 'two')}${field('prompt', 'ä red fox\r\nin snow')}${end}`
    expect(await expectSameReading(body)).toEqual([
      ['model', 'flux-2-klein-4b'],
      ['image[]', { filename: 'a.png', bytes: [...Buffer.from('\x89PNG one')] }],
      ['image[]', { filename: 'b.png', bytes: [...Buffer.from('two')] }],
      ['prompt', 'ä red fox\r\nin snow'],
    ])
  })

  it('keeps a file part a view of the body, byte for byte (every byte value)', async () => {
    const bytes = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) % 256)
    const head = Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n\r\n`,
    )
    const body = Buffer.concat([head, bytes, Buffer.from(`\r\n${end}`)])
    await expectSameReading(body)
    const [part] = parseMultipart(body, B)!
    expect('file' in part! && part.file.bytes.buffer).toBe(body.buffer)
  })

  it('reads the boundary as the MIME type rules do: quoted, any case, after other parameters', async () => {
    const body = `${field('prompt', 'fox')}${end}`
    for (const type of [
      `multipart/form-data; boundary="${B}"`,
      `Multipart/Form-Data; BOUNDARY=${B}`,
      `multipart/form-data; charset=utf-8; boundary=${B}`,
      `multipart/form-data ; x="a;boundary=nope" ; boundary=${B} ;`,
      `multipart/form-data; boundary=${B}; boundary=other`,
      `multipart/form-data;boundary=${B}   `,
    ]) {
      expect(formBoundary(type), type).toBe(B)
      expect(await expectSameReading(body, type)).toEqual([['prompt', 'fox']])
    }
  })

  it('leaves a type without a plain boundary to the platform, which refuses it', async () => {
    const body = `${field('prompt', 'fox')}${end}`
    for (const type of [
      'multipart/form-data',
      'multipart/form-data; charset=utf-8',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=""',
      `multipart/form-data; boundary=${B}, text/plain`,
    ]) {
      expect(formBoundary(type), type).toBeUndefined()
      await expectSameReading(body, type)
    }
  })

  it('refuses what the platform refuses: cut bodies, missing delimiters, bad part heads', async () => {
    const good = `${field('prompt', 'fox')}${file('image', 'a.png', 'PNG')}${end}`
    const refused = [
      '',
      good.slice(0, -end.length), // no final delimiter
      good.slice(0, good.length - 10), // cut inside it
      good.slice(0, good.indexOf('PNG') + 2), // cut inside a file
      `preamble\r\n${good}`,
      `${good}epilogue`,
      `${field('prompt', 'fox')}--${B}-- trailing\r\n`,
      `--${B}\r\n\r\nno head\r\n${end}`, // a part without a name
      `--${B}\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data;name="a"\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a\r\n\r\nx\r\n${end}`, // unclosed quote
      `--${B}\r\nContent-Disposition: form-data; name="a"; size=3\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename=a.png\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename*=UTF-8''a.png\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition:\r\n form-data; name="a"\r\n\r\nx\r\n${end}`, // folded
      `--${B}\r\nContent-Disposition: form-data;\r\n\tname="a"\r\n\r\nx\r\n${end}`, // folded
      `--${B}\r\nBad Header: 1\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n${end}`,
      `--${B}\r\nNo-Colon\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n${end}`,
      `--${B}\nContent-Disposition: form-data; name="a"\n\nx\n--${B}--`, // LF only
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--${B}\r\n${end}`, // no CRLF
      `--${B} \r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n${end}`, // padding
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nsee ${B} here\r\n${end}`,
    ]
    for (const body of refused)
      expect(await expectSameReading(body), JSON.stringify(body)).toBe('refused')
  })

  it('reads the odd forms the platform accepts the same way', async () => {
    const accepted = [
      `${end}`, // no parts at all
      `--${B}--`,
      `\r\n\r\n${field('a', 'x')}${end}\r\n\r\n`, // CRLFs around it
      `${field('a', 'one')}${field('a', 'two')}${end}`, // a repeated name
      `${field('', 'nameless')}${end}`, // an empty name is still a name
      `${field('a', '')}${end}`,
      `${field('quote%22s%0Aand%0d%0Abreaks%22', 'x')}${end}`, // escapes as browsers send them
      `${field('ä😀', '\uFEFFbom-led value')}${end}`,
      `${field('a', '\uFEFF\uFEFFtwo boms')}${end}`,
      `${field('a', 'bad \xff utf-8')}${end}`,
      `--${B}\r\ncontent-disposition: form-data; name="a"\r\n\r\nlower-case header\r\n${end}`,
      `--${B}\r\nContent-Disposition:   \tform-data; name="a"\r\n\r\nspaces\r\n${end}`,
      `--${B}\r\nX-Other: 1\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"\r\n\r\nlast wins\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename*="a.png"\r\n\r\nstar\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename=""\r\n\r\n\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename="%22q%22.png"\r\n\r\nx\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"; filename="f"\r\nContent-Transfer-Encoding: base64 \r\n\r\n3q2+7w==\r\n${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: BASE64\r\n\r\naGVsbG8=\r\n${end}`,
      `${field('a', `text with --${B.slice(0, 10)} in it`)}${end}`,
    ]
    for (const body of accepted) {
      expect(await expectSameReading(body), JSON.stringify(body)).not.toBe('refused')
    }
  })

  it('agrees with the platform on two thousand damaged copies of forms', async () => {
    const forms = [
      `${field('prompt', 'fox')}${file('image', 'a.png', 'PNG\r\nbytes')}${field('n', '2')}${end}`,
      `--${B}\r\nContent-Disposition: form-data; name="a%22"; filename*="f.png"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n${end}`,
    ].map((text) => Buffer.from(text))
    // A fixed seed: the same damage on every run.
    let seed = 42
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % below
    }
    const bytes = [0x0d, 0x0a, 0x2d, 0x22, 0x3a, 0x3b, 0x20, 0x09, 0x41, 0x2a, 0x3d]
    /** One to three cuts, insertions or overwrites at random places. */
    function damaged(good: Buffer): Buffer {
      let body = good
      for (let hits = 1 + random(3); hits > 0; hits--) {
        const at = random(body.length)
        const byte = Buffer.of(bytes[random(bytes.length)]!)
        const kind = random(3)
        const rest = body.subarray(kind === 1 ? at : at + 1 + (kind === 0 ? random(3) : 0))
        body = Buffer.concat([body.subarray(0, at), ...(kind === 0 ? [] : [byte]), rest])
      }
      return body
    }
    let refused = 0
    for (let round = 0; round < 2000; round++) {
      const body = damaged(forms[round % forms.length]!)
      const expected = await platform(body, TYPE)
      if (expected === 'refused') refused++
      expect(await node(body, TYPE), JSON.stringify(body.toString('latin1'))).toEqual(expected)
    }
    // Both outcomes were tried many times over.
    expect(refused).toBeGreaterThan(200)
    expect(refused).toBeLessThan(1800)
  })
})
