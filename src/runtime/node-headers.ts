/**
 * A request's headers on Node, read from Node's own parse until something needs the whole list.
 * @hono/node-server builds an undici Headers from `rawHeaders` at the first header read: every
 * name and value converted, validated and copied, 2 to 10 µs a request (more with an SDK's dozen
 * `x-stainless-*` headers), where the gateway's middleware and routes only `get` a handful.
 *
 * This is a real Headers (a subclass, so `instanceof` and undici's own checks hold), empty until
 * filled. `get` and `has` answer from `rawHeaders` as undici would: names compared without case,
 * repeated fields joined with `, ` (`; ` for Cookie), values trimmed of HTTP whitespace, an
 * invalid name thrown at as undici throws. Any other method fills it first, in the adapter's
 * order, and from then on it is undici's Headers.
 */

/** RFC 9110's token: what undici accepts as a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const isHttpWhitespace = (code: number) =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d

/** Leading and trailing HTTP whitespace off, as undici's append does. */
function normalized(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

export class IncomingHeaders extends Headers {
  /** Node's raw name, value, name, value...; undefined once the list is filled. */
  #raw: string[] | undefined

  constructor(raw: string[]) {
    super()
    this.#raw = raw
  }

  #fill(): void {
    const raw = this.#raw
    if (!raw) return
    this.#raw = undefined
    // As the adapter does: HTTP/2's pseudo-headers (`:path`) are no headers.
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.charCodeAt(0) !== 58) super.append(raw[i]!, raw[i + 1]!)
    }
  }

  /** The joined value from `rawHeaders`, or undefined when the name is not one to look up there. */
  #lookup(name: string): string | null | undefined {
    const raw = this.#raw
    if (!raw || typeof name !== 'string' || !TOKEN.test(name)) return undefined
    const wanted = name.toLowerCase()
    const separator = wanted === 'cookie' ? '; ' : ', '
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!
      if (key.length !== wanted.length || key.toLowerCase() !== wanted) continue
      const found = normalized(raw[i + 1]!)
      value = value === null ? found : `${value}${separator}${found}`
    }
    return value
  }

  override get(name: string): string | null {
    const value = this.#lookup(name)
    if (value !== undefined) return value
    this.#fill()
    return super.get(name)
  }

  override has(name: string): boolean {
    const value = this.#lookup(name)
    if (value !== undefined) return value !== null
    this.#fill()
    return super.has(name)
  }

  override append(name: string, value: string): void {
    this.#fill()
    super.append(name, value)
  }

  override set(name: string, value: string): void {
    this.#fill()
    super.set(name, value)
  }

  override delete(name: string): void {
    this.#fill()
    super.delete(name)
  }

  override getSetCookie(): string[] {
    this.#fill()
    return super.getSetCookie()
  }

  override forEach(
    callback: (value: string, key: string, parent: Headers) => void,
    thisArg?: unknown,
  ): void {
    this.#fill()
    super.forEach(callback, thisArg)
  }

  override entries(): HeadersIterator<[string, string]> {
    this.#fill()
    return super.entries()
  }

  override keys(): HeadersIterator<string> {
    this.#fill()
    return super.keys()
  }

  override values(): HeadersIterator<string> {
    this.#fill()
    return super.values()
  }

  // Also what `new Request(url, { headers })` and `new Headers(headers)` read the list through.
  override [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries()
  }
}
