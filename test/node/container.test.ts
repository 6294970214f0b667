import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
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
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> }

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

describe('Dockerfile', () => {
  it('starts the Node entry with tsx directly, and tsx survives --omit=dev', () => {
    const cmd = execForm('CMD')
    expect(cmd).toEqual(['node_modules/.bin/tsx', 'src/runtime/node.ts'])
    expect(existsSync(join(ROOT, cmd[1]!))).toBe(true)
    expect(pkg.dependencies).toHaveProperty('tsx')
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
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
    expect(compose).toMatch(/^ {2}gateway-1: \*gateway$/m)
    expect(compose).toMatch(/^ {2}gateway-2: \*gateway$/m)
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
