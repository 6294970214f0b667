import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The Worker must never load Node-only code: the workerd tests turn Node compatibility on, so
 * they would not notice. This reads every source file and enforces the rule on the text.
 */

const ROOT = resolve(import.meta.dirname, '..')
const SRC = join(ROOT, 'src')

/**
 * Files allowed to use Node: the Node entry, the Node-only storage drivers, and the real servers
 * the node-fetch tests talk to.
 */
const NODE_ONLY = new Set([
  'src/runtime/node.ts',
  'src/runtime/node-fetch.ts',
  'src/runtime/node-fetch-body.ts',
  'src/runtime/node-fetch-testing.ts',
  'src/runtime/node-request.ts',
  'src/runtime/node-response.ts',
  'src/runtime/node-log-lines.ts',
  'src/runtime/node-form.ts',
  'src/runtime/node-request-testing.ts',
  'src/runtime/node-response-testing.ts',
  'src/runtime/node-event-body.ts',
  'src/runtime/node-parts-body.ts',
  'src/storage/fs.ts',
  'src/storage/redis.ts',
  'src/limits/redis.ts',
  'src/runtime/redis.ts',
  'src/runtime/fleet-state.ts',
  'src/runtime/metrics.ts',
  'src/runtime/node-services.ts',
])

const NODE_BUILTINS = (
  'assert buffer child_process cluster crypto dgram dns events fs fs/promises http http2 https ' +
  'module net os path perf_hooks process querystring readline stream stream/promises ' +
  'stream/web string_decoder timers timers/promises tls tty url util v8 vm worker_threads zlib'
).split(' ')
const NODE_PACKAGES = [
  '@hono/node-server',
  'ioredis',
  'redis',
  'prom-client',
  'tsx',
  'dotenv',
  'ws',
  'undici',
]

/** Every module specifier a file imports, statically or dynamically, comments left out. */
function specifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n')
  const found = []
  for (const match of code.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g,
  )) {
    found.push(match[1]!)
  }
  return found
}

/** Why a specifier is Node-only, or null when it is fine on Workers. */
function nodeOnly(specifier: string): string | null {
  if (specifier.startsWith('node:')) return 'a node: import'
  if (NODE_BUILTINS.includes(specifier)) return 'a Node built-in'
  const name = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0]!
  if (NODE_PACKAGES.includes(name)) return 'a Node-only package'
  return null
}

/** Node globals absent on Workers without nodejs_compat. */
function nodeGlobals(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return [
    ...code.matchAll(
      /\b(Buffer\.\w+|process\.(?:env|argv|exit|on|once|cwd|platform|versions|nextTick))\b/g,
    ),
  ].map((match) => match[1]!)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.(ts|js|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : []
  })
}

const files = sourceFiles(SRC).map((path) => ({
  path,
  name: relative(ROOT, path).replaceAll('\\', '/'),
  source: readFileSync(path, 'utf8'),
}))

describe('runtime boundaries', () => {
  it('finds the source files and recognises a Node import when it sees one', () => {
    expect(files.map((file) => file.name)).toContain('src/app.ts')
    expect(specifiers(`import { a } from 'node:fs'\nconst b = await import("ioredis")`)).toEqual([
      'node:fs',
      'ioredis',
    ])
    expect(specifiers(`// import x from 'node:fs'\n/* from 'fs' */`)).toEqual([])
    expect(nodeOnly('fs/promises')).toBe('a Node built-in')
    expect(nodeOnly('@hono/node-server/serve-static')).toBe('a Node-only package')
    expect(nodeOnly('hono/cors')).toBeNull()
    expect(nodeGlobals('const x = Buffer.from(y)\n// process.env')).toEqual(['Buffer.from'])
  })

  it('keeps node: imports and Node-only packages out of everything but the Node files', () => {
    const offences = files
      .filter((file) => !NODE_ONLY.has(file.name))
      .flatMap((file) =>
        specifiers(file.source)
          .map((specifier) => [specifier, nodeOnly(specifier)] as const)
          .filter(([, reason]) => reason)
          .map(([specifier, reason]) => `${file.name} imports '${specifier}' (${reason})`),
      )
    expect(offences).toEqual([])
  })

  it('keeps Node globals (Buffer, process.env) out of Web-standard code', () => {
    const offences = files
      .filter((file) => !NODE_ONLY.has(file.name))
      .flatMap((file) => nodeGlobals(file.source).map((used) => `${file.name} uses ${used}`))
    expect(offences).toEqual([])
  })

  it('never reaches a Node-only file from the Worker entry, however indirectly', () => {
    const byPath = new Map(files.map((file) => [file.path, file]))
    const reached = new Map<string, string>() // file -> the file that imported it
    const queue = [join(SRC, 'runtime/worker-start.ts')]
    reached.set(queue[0]!, '(entry)')
    while (queue.length) {
      const path = queue.shift()!
      const file = byPath.get(path)
      expect(file, `${relative(ROOT, path)} exists`).toBeDefined()
      for (const specifier of specifiers(file!.source)) {
        if (!specifier.startsWith('.')) continue
        const target = resolve(dirname(path), specifier)
        if (!reached.has(target)) {
          reached.set(target, file!.name)
          queue.push(target)
        }
      }
    }
    const leaks = [...reached]
      .map(([path, from]) => [relative(ROOT, path).replaceAll('\\', '/'), from] as const)
      .filter(([name]) => NODE_ONLY.has(name))
      .map(([name, from]) => `${name}, imported by ${from}`)
    expect(leaks).toEqual([])
    expect(reached.size).toBeGreaterThan(10)
  })

  it('builds every Hono app on hono/tiny, whose small router keeps the Worker bundle in budget', () => {
    // The default preset's SmartRouter (RegExpRouter + TrieRouter) costs 2.4 kB gzipped; with
    // a few dozen routes the PatternRouter of hono/tiny matches as fast as the request needs.
    const fullPreset = files
      .filter((file) => !file.name.endsWith('.test.ts'))
      .filter((file) => /^import \{[^}]*\bHono\b[^}]*\} from 'hono'$/m.test(file.source))
      .map((file) => file.name)
    expect(fullPreset).toEqual([])
    expect(files.find((file) => file.name === 'src/app.ts')?.source).toContain("from 'hono/tiny'")
  })

  it('writes every schema with zod/mini, which keeps the Worker bundle in budget', () => {
    // One import of classic zod anywhere the Worker reaches brings in all of it: about 9 kB
    // gzipped more, its JSON Schema generator included. Tests may use classic zod.
    const classic = files.flatMap((file) =>
      specifiers(file.source)
        .filter((specifier) => /^zod(\/|$)/.test(specifier) && specifier !== 'zod/mini')
        .map((specifier) => `${file.name} imports '${specifier}'`),
    )
    expect(classic).toEqual([])
    expect(
      files.filter((file) => specifiers(file.source).includes('zod/mini')).length,
    ).toBeGreaterThan(10)
  })
})
