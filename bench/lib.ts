import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import type { ProbeUsage } from './probe.ts'

/**
 * How the benchmarks run servers: each in a process of its own, started with plain `node` the
 * way production starts it (the gateway as `npm start` does: `node --enable-source-maps
 * dist/node.js`, compiled first by scripts/build-node.js), so no TypeScript loader's thread or
 * memory is counted. Every one of them preloads bench/probe.ts, which reports the process's own
 * CPU time, RSS, peak RSS and event-loop delay over IPC. The load generator and the fake
 * upstream live elsewhere and are not counted.
 */

export type { ProbeUsage } from './probe.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist', 'bench')

/** The roles a benchmark starts: the compiled gateway, the floor and the fake upstream. */
export type Role = 'gateway' | 'floor' | 'upstream'

export type Server = {
  role: Role
  url: string
  /** Usage now. */
  usage(): Promise<ProbeUsage>
  /** Usage now, then restarts the peak RSS and event-loop delay counts. */
  reset(): Promise<ProbeUsage>
  /** SIGTERM, then resolves when the process has exited (the gateway drains first). */
  stop(): Promise<void>
}

let built: Promise<void> | undefined

/** `npm run build` and the benchmark's own servers compiled to plain JavaScript; once per run. */
export function buildServers(): Promise<void> {
  built ??= (async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-node.js')], { stdio: 'inherit' })
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['bench/probe.ts', 'bench/floor.ts', 'bench/upstream.ts'],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      packages: 'external',
      outdir: OUT,
      outExtension: { '.js': '.mjs' },
      logLevel: 'warning',
    })
  })()
  return built
}

export type StartOptions = {
  /** Writes the server's CPU profile (`node --cpu-prof`) into this folder when it exits. */
  cpuProfileDir?: string
  /** Another compiled gateway to run instead of dist/node.js: an earlier build, to compare. */
  entry?: string
  /** More flags for `node` (`--trace-gc`, `--perf-basic-prof`). */
  flags?: string[]
}

/** The arguments to `node` for a role. */
function nodeArguments(role: Role, options: StartOptions): string[] {
  const { cpuProfileDir, entry = join(ROOT, 'dist', 'node.js') } = options
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []
  const probe = ['--import', pathToFileURL(join(OUT, 'probe.mjs')).href, ...(options.flags ?? [])]
  if (role !== 'gateway') return [...probe, ...profile, join(OUT, `${role}.mjs`)]
  return ['--enable-source-maps', ...probe, ...profile, resolvePath(entry)]
}

/**
 * Starts a role with `env` as its whole environment (PATH and HOME aside, so a variable set in
 * the shell cannot configure it), in a fresh working directory (no `.env` is read), and resolves
 * once it prints the URL it listens on. Its later output (the gateway's log lines) is read and
 * dropped, as a log collector would.
 */
export async function startServer(
  role: Role,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<Server> {
  await buildServers()
  const cwd = await mkdtemp(join(tmpdir(), `fluxgate-bench-${role}-`))
  const child: ChildProcess = spawn(process.execPath, nodeArguments(role, options), {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  // BENCH_LOG_DIR=<dir> keeps each server's output (the gateway's log lines) there.
  const logDir = process.env.BENCH_LOG_DIR
  const kept = logDir ? createWriteStream(join(logDir, `${role}-${child.pid}.log`)) : null
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      kept?.write(`${line}\n`)
      const found = /listening on (http:\/\/\S+)/.exec(line)?.[1]
      if (found) resolve(found)
    })
    void exited.then((code) => reject(new Error(`${role} exited with ${code} before listening`)))
  })
  let queue: Promise<unknown> = Promise.resolve()
  const ask = (message: 'usage' | 'reset') => {
    const answer = queue.then(
      () =>
        new Promise<ProbeUsage>((resolve) => {
          child.once('message', (reply) => resolve((reply as { usage: ProbeUsage }).usage))
          child.send(message)
        }),
    )
    queue = answer
    return answer
  }
  return {
    role,
    url,
    usage: () => ask('usage'),
    reset: () => ask('reset'),
    stop: async () => {
      child.kill('SIGTERM')
      await exited
      await rm(cwd, { recursive: true, force: true })
    },
  }
}

/** Upstream env for a gateway: the fake's one account on the Workers AI REST API. */
export function upstreamEnv(upstream: Server): Record<string, string> {
  return { CF_ACCOUNT_ID: 'bench', CF_API_TOKEN: 'bench-token', CF_API_BASE: upstream.url }
}

/** A gateway as an operator would run one alone: fs storage, logs on, no client keys. */
export function gatewayEnv(upstream: Server, dataDir: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    STORAGE: 'fs',
    DATA_DIR: dataDir,
    ...upstreamEnv(upstream),
    // An open gateway limits each address; the load generator is one address.
    RATE_LIMIT: '0',
  }
}

/** A temp dir for a run, removed by `cleanup`. */
export async function scratchDir(): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'fluxgate-bench-data-'))
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) }
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

/** What the figures ran on, and how busy it was: the load average over the last minute. */
export function machineNote(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const [one] = loadavg()
  return `${availableParallelism()} x ${model}, Node ${process.version}, load average ${one!.toFixed(1)} at start`
}
