import { readdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { unstable_readConfig } from 'wrangler'
import type { ProbeUsage, Server } from './lib.ts'

/**
 * A Worker script in workerd through Miniflare, the way test/worker/bundle/ runs dist/worker.js
 * (wrangler.jsonc's compatibility date and flags, KV bound as `IMAGES`), listening on 127.0.0.1
 * so bench/load.ts can drive it like any server. Its CPU is read from outside: the workerd
 * process Miniflare spawns, every thread, from /proc/<pid>/task/<tid>/schedstat (nanoseconds;
 * /proc's utime and stime tick at 10 ms, too coarse for one request). Miniflare's own Node side
 * (this process) is not counted; the Worker's log lines are read and dropped, as a collector
 * would.
 */

export type WorkerdServer = Server & {
  pid: number
  /** CPU time of the workerd process so far (all threads), ms. */
  cpuMs(): number
  /**
   * CPU time of workerd's main thread so far, ms: where the Workers' JavaScript runs, without
   * V8's background threads (concurrent compilers, GC helpers), which a deployed Worker's CPU
   * limit does not count.
   */
  mainThreadCpuMs(): number
}

const deployed = unstable_readConfig({ config: 'wrangler.jsonc' })

/** workerd processes that are children of this process. */
function workerdChildren(): Set<number> {
  const found = new Set<number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (comm === 'workerd' && ppid === process.pid) found.add(Number(name))
    } catch {
      // exited while listed
    }
  }
  return found
}

/** CPU of one thread, ms; 0 once it has exited. */
function threadCpuMs(pid: number, tid: number | string): number {
  try {
    // The first field: time spent running, in ns.
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return 0
  }
}

/** CPU of every thread of `pid`, ms (threads that already exited are not counted). */
export function processCpuMs(pid: number): number {
  let ms = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) ms += threadCpuMs(pid, tid)
  return ms
}

function rssOf(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') * 1024, peakRss: kb('VmHWM') * 1024 }
}

/**
 * Where the Workers store images: Miniflare's KV namespace (as deployed), or `discard`, an RPC
 * service in the same process that takes the bytes and keeps nothing
 * (bench/discard-store-worker.js).
 */
export type StoreKind = 'kv' | 'discard'

const DISCARD_STORE = fileURLToPath(new URL('./discard-store-worker.js', import.meta.url))

/** Serialised: two workerd processes starting at once could not be told apart. */
let starting: Promise<unknown> = Promise.resolve()

/** Starts `scriptPath` (an ES module Worker) in a new workerd process with `bindings` as vars. */
export function startWorkerd(
  scriptPath: string,
  bindings: Record<string, string>,
  store: StoreKind = 'kv',
): Promise<WorkerdServer> {
  const started = starting.then(() => launch(scriptPath, bindings, store))
  starting = started.catch(() => undefined)
  return started
}

function workers(scriptPath: string, bindings: Record<string, string>, store: StoreKind) {
  const main = {
    name: 'main',
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: deployed.compatibility_date,
    compatibilityFlags: deployed.compatibility_flags,
    bindings,
  }
  if (store === 'kv') return [{ ...main, kvNamespaces: ['IMAGES'] }]
  const discard = {
    name: 'store',
    modules: true,
    scriptPath: DISCARD_STORE,
    compatibilityDate: deployed.compatibility_date,
  }
  return [{ ...main, serviceBindings: { IMAGES: 'store' } }, discard]
}

async function launch(scriptPath: string, bindings: Record<string, string>, store: StoreKind) {
  const before = workerdChildren()
  const drain = (stream: Readable) => stream.resume()
  const mf = new Miniflare({
    workers: workers(scriptPath, bindings, store),
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      drain(stdout)
      drain(stderr)
    },
  } as MiniflareOptions)
  const url = await mf.ready
  const pids = [...workerdChildren()].filter((pid) => !before.has(pid))
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`)
  const pid = pids[0]!
  const cpuMs = () => processCpuMs(pid)
  const usage = async (): Promise<ProbeUsage> => ({
    // All of it as user time: schedstat does not split user from system.
    userMs: cpuMs(),
    systemMs: 0,
    ...rssOf(pid),
    loopDelay: { mean: 0, p99: 0, max: 0 },
  })
  return {
    role: 'gateway' as const,
    url: url.origin,
    pid,
    cpuMs,
    mainThreadCpuMs: () => threadCpuMs(pid, pid),
    usage,
    reset: usage,
    stop: () => mf.dispose(),
  }
}
