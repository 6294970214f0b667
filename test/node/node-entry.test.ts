import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

/**
 * The Node entry as people run it: the compiled dist/node.js, started the way `npm start` starts
 * it, as a child process with its own environment and working directory.
 */

const ROOT = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
}
/** `npm start`'s command line with its script made absolute, e.g. [node, flags..., /abs/dist/node.js]. */
const START = pkg.scripts
  .start!.split(' ')
  .map((word) => (word.endsWith('.js') ? join(ROOT, word) : word))
const ENTRY = START.at(-1)!

/** Runs the compiled entry as `npm start` does, from `cwd`. */
const startEntry = (options: { cwd: string; env: Record<string, string> }) =>
  run(process.execPath, START.slice(1), options)

beforeAll(async () => {
  // What `npm run build` and `prestart` run; the tests below start its output.
  const [command, ...args] = pkg.scripts.build!.split(' ')
  expect(command).toBe('node')
  await promisify(execFile)(process.execPath, args, { cwd: ROOT })
}, 60_000)

type Run = { child: ChildProcess; stdout: string; stderr: string; exit: Promise<number | null> }

const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  // Each child leads its own process group: kill the group, so no grandchild (npm -> sh ->
  // node) outlives the test.
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // the whole group has exited already
    }
  }
})
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'fluxgate-entry-'))
  dirs.push(dir)
  return dir
}

/** Starts a command with only PATH and HOME from this process, plus `env`. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.push(child)
  const result: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((done) => child.once('exit', (code) => done(code))),
  }
  child.stdout!.on('data', (chunk) => {
    result.stdout += chunk
  })
  child.stderr!.on('data', (chunk) => {
    result.stderr += chunk
  })
  return result
}

/** The processes under `pid`, itself included: their names and command lines (Linux /proc). */
async function processTree(pid: number): Promise<{ name: string; command: string }[]> {
  const entries = await readdir('/proc')
  const parents = new Map<number, number>()
  for (const entry of entries.filter((name) => /^\d+$/.test(name))) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // "pid (name) state ppid ...": the name may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (stat) parents.set(Number(entry), ppid)
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child)
  }
  return Promise.all(
    tree.map(async (member) => ({
      name: (await readFile(`/proc/${member}/comm`, 'utf8')).trim(),
      command: (await readFile(`/proc/${member}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim(),
    })),
  )
}

/** Resolves with the URL the entry prints once it listens. */
async function listening(started: Run): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const match = /fluxgate listening on (\S+)/.exec(started.stdout)
    if (match) return match[1]!
    if (started.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`did not start:\n${started.stdout}\n${started.stderr}`)
}

describe('Node entry build', () => {
  it('is what `npm start` runs, rebuilt by `prestart` first so it is never stale', () => {
    expect(pkg.scripts.start).toMatch(/^node (--[\w-]+ )*dist\/node\.js$/)
    expect(pkg.scripts.prestart).toBe(pkg.scripts.build)
    expect(pkg.scripts['dev:node']).toMatch(/^tsx watch src\/runtime\/node\.ts$/)
  })

  it('loads ioredis only when Redis is configured', async () => {
    const entry = await readFile(ENTRY, 'utf8')
    const imported = [...entry.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])
    expect(imported).toContain('@hono/node-server')
    expect(imported).not.toContain('ioredis')
    expect(entry).toMatch(/import\("\.\/node-chunks\/redis-\w+\.js"\)/)
  })

  it('bundles the parts of zod it uses rather than loading the whole package', async () => {
    const entry = await readFile(ENTRY, 'utf8')
    const imported = [...entry.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])
    expect(imported.filter((name) => name?.startsWith('zod'))).toEqual([])
    expect(entry).not.toMatch(/from "zod/)
    // esbuild heads each bundled module with its path: zod's schemas are in, its locales are not.
    expect(entry).toMatch(/^\/\/ .*node_modules\/zod\/v4\/core\/schemas\.js$/m)
    expect(entry).not.toMatch(/^\/\/ .*node_modules\/zod\/v4\/locales\//m)
  })

  it('writes source maps that map stack traces without carrying the sources', async () => {
    const map = JSON.parse(await readFile(`${ENTRY}.map`, 'utf8')) as {
      sources: string[]
      sourcesContent?: unknown
      mappings: string
    }
    expect(map.sources).toContain('../src/runtime/node.ts')
    expect(map.mappings.length).toBeGreaterThan(0)
    expect(map.sourcesContent).toBeUndefined()
  })
})

describe('Node entry process', () => {
  it('prints one message naming every bad variable and exits 1 on bad config', async () => {
    const started = startEntry({
      cwd: await tempDir(),
      env: {
        PORT: 'abc',
        RATE_LIMIT: 'fast',
        IMAGE_EXPIRATION: '0',
        PROVIDERS: '[{"type":"nope"}]',
        API_KEY: 'sk-never-printed',
      },
    })
    expect(await started.exit).toBe(1)
    expect(started.stderr).toContain('Invalid configuration:')
    for (const name of ['PORT', 'RATE_LIMIT', 'IMAGE_EXPIRATION', 'PROVIDERS']) {
      expect(started.stderr).toContain(`- ${name}:`)
    }
    expect(started.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    expect(started.stderr + started.stdout).not.toContain('sk-never-printed')
  })

  it('reports bad JSON in PROVIDERS the same way', async () => {
    const started = startEntry({ cwd: await tempDir(), env: { PROVIDERS: 'not json' } })
    expect(await started.exit).toBe(1)
    expect(started.stderr).toMatch(/PROVIDERS: expected a JSON array/)
  })

  it('reads .env from the working directory, with the environment taking precedence', async () => {
    const cwd = await tempDir()
    await writeFile(
      join(cwd, '.env'),
      'PORT=0\nHOST=127.0.0.1\nSTORAGE=memory\nPUBLIC_URL=https://from-dotenv.example\n',
    )
    const started = startEntry({ cwd, env: { PUBLIC_URL: 'https://from-env.example' } })
    expect(await listening(started)).toBe('https://from-env.example')
    // STORAGE=memory came from the file: the default fs store would have created ./data.
    expect(await readdir(cwd)).toEqual(['.env'])
    started.child.kill('SIGTERM')
    expect(await started.exit).toBe(0)
    expect(started.stdout).toContain('SIGTERM: finishing in-flight requests')
  })

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
    const { port } = blocker.address() as { port: number }
    try {
      const started = startEntry({
        cwd: await tempDir(),
        env: { PORT: String(port), HOST: '127.0.0.1', STORAGE: 'memory' },
      })
      expect(await started.exit).toBe(1)
      expect(started.stderr).toContain('Cannot listen')
      expect(started.stderr).toContain('EADDRINUSE')
    } finally {
      blocker.close()
    }
  })

  it('starts with `npm start`, prints its URL, serves, and stops on Ctrl-C', async () => {
    const started = run('npm', ['start', '--silent'], {
      cwd: ROOT,
      // memory storage: the test must not create ./data in the repository.
      env: { PORT: '0', HOST: '127.0.0.1', STORAGE: 'memory', API_KEY: 'npm-start-key' },
    })
    const url = await listening(started)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const models = await fetch(`${url}/v1/models`, {
      headers: { Authorization: 'Bearer npm-start-key' },
    })
    expect(models.status).toBe(200)
    expect((await fetch(`${url}/v1/models`)).status).toBe(401)
    // One JSON line per request on stdout, without the key.
    const lines = started.stdout.split('\n').filter((line) => line.startsWith('{'))
    expect(lines.length).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ method: 'GET', route: '/v1/models' })
    expect(started.stdout).not.toContain('npm-start-key')
    // npm and its shell, then one Node process running the compiled entry: no tsx, no loader.
    const tree = await processTree(started.child.pid!)
    const gateways = tree.filter((member) => member.name === 'node')
    expect(gateways.map((member) => member.command)).toEqual([pkg.scripts.start])
    expect(tree.map((member) => member.command).join('\n')).not.toContain('tsx')
    // Ctrl-C in a terminal signals the whole foreground group: npm, its shell and the server.
    process.kill(-started.child.pid!, 'SIGINT')
    await started.exit
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    expect(started.stdout).toContain('SIGINT: finishing in-flight requests')
  })
})
