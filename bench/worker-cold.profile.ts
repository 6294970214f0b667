import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { workerSubstitutes } from '../scripts/worker-substitutes.ts'
import { locate, type ProfileNode, summarize } from './cpu-profile.ts'
import { machineNote, startServer } from './lib.ts'

/**
 * `npm run bench:worker-cold`: where a fresh Worker isolate's CPU goes, in Node rather than
 * workerd (whose profiles are unusable on a loaded machine; same V8, same code, so the shares
 * carry over; Node's own fetch and Request are not workerd's, read past `node:` rows). The Worker
 * bundle is built as `npm run build:worker` builds it, plus a source map (BENCH_WORKER=<file>
 * runs another build, without one). Then:
 *
 * - module evaluation by module: the bundle built unminified with a timestamp before each
 *   module's top-level code, imported by BENCH_COLD fresh processes (default 5); medians.
 * - phases: BENCH_COLD fresh `node` processes each import it, send a health check (builds the
 *   app), one chat request and five more to the fake upstream, each phase profiled apart
 *   (bench/worker-cold-child.mjs). Prints each phase's median CPU and wall time, and the top
 *   functions and areas (self time) averaged over the runs. The profiler samples wall time: on a
 *   loaded machine a descheduled thread's time lands on whatever ran, so compare runs, not rows.
 *
 * BENCH_TOP rows (default 25); BENCH_INTERVAL_US sampling interval (default 50; 0: no profile,
 * CPU figures without the profiler's cost).
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = Number(process.env.BENCH_COLD ?? 5)
const TOP = Number(process.env.BENCH_TOP ?? 25)
const INTERVAL = process.env.BENCH_INTERVAL_US ?? '50'
const PHASES = ['load', 'build', 'first', 'later'] as const

type Phase = { name: string; wallMs: number; cpuMs: number }

async function bundle(dir: string, minify = true): Promise<string> {
  const outfile = join(dir, minify ? 'worker.js' : 'worker-marked.js')
  await writeFile(join(dir, 'package.json'), '{"type":"module"}')
  await build({
    absWorkingDir: ROOT,
    // worker.ts, not the deployed worker-start.ts: Node has no `cloudflare:workers`, and the app
    // built on the first request shows as its own phase (what worker-start.ts does at start-up).
    entryPoints: [resolve(ROOT, 'src/runtime/worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    minify,
    charset: 'utf8',
    sourcemap: minify,
    plugins: [workerSubstitutes(ROOT)],
    outfile,
    logLevel: 'warning',
  })
  if (!minify) {
    // esbuild heads each module's top-level code with a `// path` comment in unminified output.
    const text = await readFile(outfile, 'utf8')
    const marked = text.replace(
      /^\/\/ (\S+\.(?:ts|js|mjs))$/gm,
      (line, path: string) => `${line}\nglobalThis.__mark(${JSON.stringify(moduleName(path))});`,
    )
    await writeFile(outfile, marked)
  }
  return outfile
}

/** A source file, or a package with its files summed. */
const moduleName = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path

type Marks = { totalMs: number; firstMarkMs: number; ms: Record<string, number> }

async function moduleTimes(dir: string, child: string, url: string): Promise<void> {
  const script = await bundle(dir, false)
  const runs: Marks[] = []
  for (let run = 0; run < RUNS; run++) {
    const { stdout } = await promisify(execFile)(process.execPath, [
      child,
      script,
      url,
      '',
      '',
      'marks',
    ])
    runs.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Marks)
  }
  const names = Object.keys(runs[0]!.ms)
  const rows = names
    .map((name) => ({ name, ms: median(runs.map((r) => r.ms[name] ?? 0)) }))
    .sort((a, b) => b.ms - a.ms)
  const total = median(runs.map((r) => r.totalMs))
  const before = median(runs.map((r) => r.firstMarkMs))
  console.log(
    `\nmodule evaluation (unminified bundle, wall): import ${total.toFixed(1)} ms, of which read+compile before the first module ${before.toFixed(1)} ms; top modules (median of ${RUNS}):`,
  )
  for (const row of rows.slice(0, TOP))
    console.log(`  ${row.ms.toFixed(2).padStart(7)}  ${row.name}`)
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fluxgate-cold-'))
  const upstream = await startServer('upstream', {})
  try {
    console.log(`machine: ${machineNote()}`)
    const script = process.env.BENCH_WORKER ? resolve(process.env.BENCH_WORKER) : await bundle(dir)
    const child = fileURLToPath(new URL('./worker-cold-child.mjs', import.meta.url))
    await moduleTimes(dir, child, upstream.url)
    const runs: Phase[][] = []
    for (let run = 0; run < RUNS; run++) {
      const prefix = join(dir, `run${run}`)
      const { stdout } = await promisify(execFile)(process.execPath, [
        child,
        script,
        upstream.url,
        prefix,
        INTERVAL,
      ])
      runs.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Phase[])
    }
    console.log(`\n${RUNS} fresh node processes; median CPU (process) and wall per phase, ms`)
    for (const [i, name] of PHASES.entries()) {
      const cpu = median(runs.map((phases) => phases[i]!.cpuMs))
      const wall = median(runs.map((phases) => phases[i]!.wallMs))
      console.log(`  ${name.padEnd(6)} cpu ${cpu.toFixed(1).padStart(6)}  wall ${wall.toFixed(1)}`)
    }
    for (const name of INTERVAL === '0' ? [] : PHASES) {
      const summaries = await Promise.all(
        runs.map((_, run) => summarize(join(dir, `run${run}-${name}.cpuprofile`), 400)),
      )
      printMerged(name, summaries, RUNS)
      await printInclusive(
        name,
        runs.map((_, run) => join(dir, `run${run}-${name}.cpuprofile`)),
      )
    }
  } finally {
    await upstream.stop()
    if (!process.env.BENCH_KEEP_PROFILE) await rm(dir, { recursive: true, force: true })
    else console.log(`\nprofiles: ${dir}`)
  }
}

type Summary = Awaited<ReturnType<typeof summarize>>

/** Self time per function and per area, averaged over the runs. */
function printMerged(phase: string, summaries: Summary[], runs: number): void {
  const sum = (pick: (s: Summary) => { name: string; where: string; ms: number }[]) => {
    const totals = new Map<string, { label: string; ms: number }>()
    for (const summary of summaries) {
      for (const item of pick(summary)) {
        const label = `${item.name.slice(0, 40).padEnd(40)} ${item.where}`
        const entry = totals.get(label) ?? { label, ms: 0 }
        entry.ms += item.ms / runs
        totals.set(label, entry)
      }
    }
    return [...totals.values()].sort((a, b) => b.ms - a.ms).slice(0, TOP)
  }
  const busy = summaries.reduce((total, s) => total + s.busyMs, 0) / runs
  console.log(`\n== ${phase}: main thread busy ${busy.toFixed(1)} ms (mean of runs), by area`)
  for (const area of sum((s) => s.areas).slice(0, 12)) {
    console.log(`  ${area.ms.toFixed(2).padStart(7)}  ${area.label.trim()}`)
  }
  console.log(`-- ${phase}, by function (self)`)
  for (const fn of sum((s) => s.functions)) {
    console.log(`  ${fn.ms.toFixed(2).padStart(7)}  ${fn.label}`)
  }
}

await main()

type FullProfile = {
  nodes: (ProfileNode & { children?: number[] })[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * Total time (self and callees) of each function of src/ and of the bundle's top level, averaged
 * over the runs: what self time hides when the work is in zod or hono called from our code.
 */
async function printInclusive(phase: string, files: string[]): Promise<void> {
  const totals = new Map<string, number>()
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as FullProfile
    const parent = new Map<number, number>()
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parent.set(child, node.id)
    const byId = new Map(profile.nodes.map((node) => [node.id, node]))
    const labels = new Map<number, string | null>()
    const labelOf = async (id: number) => {
      if (!labels.has(id)) {
        const frame = byId.get(id)!.callFrame
        const where = await locate(frame)
        const ours = where.startsWith('src/') || where.includes('worker.js')
        labels.set(
          id,
          ours ? `${(frame.functionName || '(anonymous)').slice(0, 30).padEnd(30)} ${where}` : null,
        )
      }
      return labels.get(id)!
    }
    for (const [i, id] of profile.samples.entries()) {
      if (byId.get(id)!.callFrame.functionName === '(idle)') continue
      const seen = new Set<string>()
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const label = await labelOf(at)
        if (label) seen.add(label)
      }
      for (const label of seen) {
        totals.set(
          label,
          (totals.get(label) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000 / files.length,
        )
      }
    }
  }
  console.log(`-- ${phase}, by function of ours (total: self and callees)`)
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP)
  for (const [label, ms] of rows) console.log(`  ${ms.toFixed(2).padStart(7)}  ${label}`)
}
