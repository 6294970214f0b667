import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from './gateway.ts'

/**
 * Docker cannot run here, so the container files are checked against each other and the code:
 * a renamed entry, a port changed in one place or a healthcheck that cannot pass fails here.
 */

const ROOT = resolve(import.meta.dirname, '../..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const dockerfile = read('Dockerfile')
const compose = read('compose.yaml')
const nginx = read('deploy/nginx.conf')
const pkg = JSON.parse(read('package.json')) as {
  dependencies: Record<string, string>
  scripts: Record<string, string>
}

/** The Dockerfile with line continuations joined. */
const joined = dockerfile.replace(/\\\n\s*/g, ' ')

/** The JSON (exec) form of CMD or HEALTHCHECK's command, e.g. ["node", "x.js"]. */
function execForm(instruction: 'CMD' | 'HEALTHCHECK'): string[] {
  const prefix = instruction === 'CMD' ? 'CMD' : 'HEALTHCHECK\\s+(?:--\\S+\\s+)*CMD'
  const line = new RegExp(`^${prefix}\\s+(\\[.*\\])$`, 'm').exec(joined)
  expect(line, `${instruction} in exec form`).not.toBeNull()
  return JSON.parse(line![1]!)
}

/** `ENV A=1 B=2` values. */
function env(): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [, body] of joined.matchAll(/^ENV\s+(.*)$/gm)) {
    for (const [, name, value] of body!.matchAll(/(\w+)=(\S+)/g)) values[name!] = value!
  }
  return values
}

/** The packages the compiled entry and its chunks import, by package name. */
function packagesImportedBy(dir: string): string[] {
  const files = [
    join(dir, 'node.js'),
    ...readdirSync(join(dir, 'node-chunks')).map((name) => join(dir, 'node-chunks', name)),
  ]
  const specifiers = files
    .filter((file) => file.endsWith('.js'))
    .flatMap((file) => [
      ...readFileSync(file, 'utf8').matchAll(/(?:\bfrom |\bimport\()"([^".][^"]*)"/g),
    ])
    .map((match) => match[1]!)
    .filter((specifier) => !specifier.startsWith('node:') && !builtinModules.includes(specifier))
  const name = (specifier: string) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/')
  return [...new Set(specifiers.map(name))].sort()
}

describe('Dockerfile', () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['scripts/build-node.js'], { cwd: ROOT })
  }, 60_000)

  it('builds in a stage of its own and runs the compiled entry as `npm start` does', () => {
    expect(joined).toMatch(/^FROM (\S+) AS build$/m)
    expect(joined).toMatch(/^RUN npm run build$/m)
    expect(joined).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m)
    expect(execForm('CMD').join(' ')).toBe(pkg.scripts.start)
    expect(pkg.scripts.build).toBe('node scripts/build-node.js')
  })

  it('installs only production dependencies, and they cover every import of the compiled entry', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    const imported = packagesImportedBy(join(ROOT, 'dist'))
    // zod is bundled into dist (scripts/build-node.js), the others are imported at run time.
    expect(imported).toEqual(
      expect.arrayContaining(['@hono/node-server', 'hono', 'ioredis', 'prom-client']),
    )
    expect(imported.filter((name) => !(name in pkg.dependencies))).toEqual([])
    expect(pkg.dependencies).not.toHaveProperty('tsx')
  })

  it('listens on all interfaces on the port it exposes, with /data as a volume', () => {
    const values = env()
    expect(values.HOST).toBe('0.0.0.0')
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${values.PORT}$`, 'm'))
    expect(values.DATA_DIR).toBe('/data')
    expect(dockerfile).toMatch(/^VOLUME \/data$/m)
    expect(dockerfile).toMatch(/^USER node$/m)
  })

  it('copies only files that exist, and keeps secrets out of the build context', () => {
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources!.split(' '))
        expect(existsSync(join(ROOT, source)), source).toBe(true)
    }
    const ignored = read('.dockerignore').split('\n')
    for (const entry of ['.env', '.dev.vars', 'node_modules', 'data'])
      expect(ignored).toContain(entry)
  })

  it('has a healthcheck that passes against a running gateway and fails without one', async () => {
    const [node, flag, script] = execForm('HEALTHCHECK')
    expect([node, flag]).toEqual(['node', '-e'])
    const run = (port: number) =>
      promisify(execFile)(process.execPath, ['-e', script!], {
        env: { ...process.env, PORT: String(port) },
        timeout: 10_000,
      }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      )
    const gateway = await startGateway({ STORAGE: 'memory' })
    const port = Number(new URL(gateway.url).port)
    try {
      expect(await run(port)).toBe(0)
    } finally {
      await gateway.close()
    }
    expect(await run(port)).toBe(1)
  })
})

describe('compose.yaml and deploy/nginx.conf', () => {
  const port = env().PORT

  it('runs two gateways on Redis behind nginx, trusting its X-Forwarded-For', () => {
    for (const gateway of ['gateway-1', 'gateway-2']) {
      expect(compose).toMatch(new RegExp(`^ {2}${gateway}:\\n {4}<<: \\*gateway$`, 'm'))
      // Its own /data: images made while Redis is away wait there, across restarts.
      expect(compose).toMatch(new RegExp(`^ {6}- ${gateway}-data:/data$`, 'm'))
    }
    expect(compose).toMatch(/^ {2}redis:$/m)
    expect(compose).toMatch(/^ {4}STORAGE: redis$/m)
    expect(compose).toMatch(/^ {4}REDIS_URL: redis:\/\/redis:6379$/m)
    expect(compose).toMatch(/^ {4}TRUST_PROXY: 'true'$/m)
    expect(compose).toMatch(new RegExp(`^ {4}PORT: '${port}'$`, 'm'))
    expect(compose).toMatch(/- \.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/)
  })

  it('balances over both gateways on their port, streaming SSE unbuffered', () => {
    const servers = [...nginx.matchAll(/^\s*server (\S+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`)
    expect(servers).toEqual([`gateway-1:${port}`, `gateway-2:${port}`])
    expect(nginx).toMatch(/^\s*proxy_buffering off;$/m)
    expect(nginx).toMatch(/^\s*proxy_read_timeout 120s;$/m)
    expect(nginx).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;$/m)
  })
})
