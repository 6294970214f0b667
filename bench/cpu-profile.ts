import { readFile } from 'node:fs/promises'
import { SourceMap } from 'node:module'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and sums each function's self time, so a benchmark
 * can print where a server's main thread spent its busy time. Bundle positions are mapped back
 * to source files through the bundle's source map. The collector's own entry, `(garbage
 * collector)`, is the main thread's share of GC; V8's helper threads do not appear in a profile.
 */

export type ProfileNode = {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
}
type Profile = {
  nodes: (ProfileNode & { children?: number[] })[]
  samples: number[]
  timeDeltas: number[]
}

export type Hotspot = { name: string; where: string; ms: number; share: number }
export type ProfileSummary = {
  /** Sampled time not idle, ms. */
  busyMs: number
  /** Each function's self time, most first; shares are of busy time. */
  functions: Hotspot[]
  /** Self time by where the code lives: source folder, package, or Node's internals. */
  areas: Hotspot[]
  /**
   * Each function's total time: every sample with it anywhere on the stack (once per sample,
   * however deep it recurses). What a layer costs with everything it calls, most first.
   */
  inclusive: Hotspot[]
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const maps = new Map<string, SourceMap | null>()

async function sourceMapOf(url: string): Promise<SourceMap | null> {
  if (!url.startsWith('file://') || !url.endsWith('.js')) return null
  if (!maps.has(url)) {
    const path = fileURLToPath(url)
    const text = await readFile(`${path}.map`, 'utf8').catch(() => null)
    maps.set(url, text ? new SourceMap(JSON.parse(text)) : null)
  }
  return maps.get(url)!
}

/** `src/providers/http.ts:42`, `node_modules/hono`, `node:internal/...`, or `(native)`. */
export async function locate(frame: ProfileNode['callFrame']): Promise<string> {
  const { url, lineNumber, columnNumber } = frame
  if (!url) return '(native)'
  const map = await sourceMapOf(url)
  const entry = map?.findEntry(lineNumber, columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined
  if (entry?.originalSource) {
    const path = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : join(dirname(fileURLToPath(url)), entry.originalSource)
    return `${relative(ROOT, path)}:${(entry.originalLine ?? 0) + 1}`
  }
  if (url.startsWith('file://')) return `${relative(ROOT, fileURLToPath(url))}:${lineNumber + 1}`
  return `${url}:${lineNumber + 1}`
}

/** The area a location belongs to: a package, a source folder, or Node's internals. */
function areaOf(where: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1]
  if (pkg) return pkg
  if (where.startsWith('src/')) return dirname(where.replace(/:\d+$/, ''))
  if (where.startsWith('node:')) return `node:${basename(where.split('/')[1] ?? where)}`
  return where.replace(/:\d+$/, '')
}

export async function summarize(path: string, top = 30): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id)
  const keyOf = new Map<number, { key: string; name: string; where: string }>()
  for (const node of profile.nodes) {
    const where = await locate(node.callFrame)
    const name = node.callFrame.functionName || '(anonymous)'
    keyOf.set(node.id, { key: `${name} ${where}`, name, where })
  }
  const add = (map: Map<string, Hotspot>, key: string, name: string, where: string, us: number) => {
    const hotspot = map.get(key) ?? { name, where, ms: 0, share: 0 }
    hotspot.ms += us / 1000
    map.set(key, hotspot)
  }
  const functions = new Map<string, Hotspot>()
  const areas = new Map<string, Hotspot>()
  const inclusive = new Map<string, Hotspot>()
  let busyUs = 0
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    if (frame.functionName === '(idle)') continue
    busyUs += us
    const { key, name, where } = keyOf.get(id)!
    add(functions, key, name, where, us)
    const onStack = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const caller = keyOf.get(at)!
      if (onStack.has(caller.key) || caller.name === '(root)') continue
      onStack.add(caller.key)
      add(inclusive, caller.key, caller.name, caller.where, us)
    }
    const area = name.startsWith('(') ? name : areaOf(where)
    add(areas, area, area, '', us)
  }
  const ranked = (map: Map<string, Hotspot>) =>
    [...map.values()]
      .map((hotspot) => ({ ...hotspot, share: (hotspot.ms * 1000) / busyUs }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
  return {
    busyMs: busyUs / 1000,
    functions: ranked(functions),
    areas: ranked(areas),
    inclusive: ranked(inclusive),
  }
}

export function printSummary(summary: ProfileSummary, requests: number): void {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`
  // Microseconds per request: the unit two servers' profiles are compared in.
  const perRequest = (ms: number) => `${((ms * 1000) / requests).toFixed(0).padStart(5)} us`
  console.log(
    `main thread busy ${summary.busyMs.toFixed(0)} ms (${(summary.busyMs / requests).toFixed(3)} ms per request)\n`,
  )
  console.log('by area (self time)')
  for (const area of summary.areas.slice(0, 15)) {
    console.log(`  ${pct(area.share)}  ${area.name}`)
  }
  console.log('\nby function (self time)')
  for (const fn of summary.functions) {
    console.log(
      `  ${pct(fn.share)}  ${perRequest(fn.ms)}  ${fn.name.slice(0, 40).padEnd(40)} ${fn.where}`,
    )
  }
  console.log('\nby function (total time: itself and all it calls)')
  for (const fn of summary.inclusive) {
    console.log(
      `  ${pct(fn.share)}  ${perRequest(fn.ms)}  ${fn.name.slice(0, 40).padEnd(40)} ${fn.where}`,
    )
  }
}
