import { readFileSync, writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/**
 * Preloaded (`node --import`) into every server a benchmark measures, the gateway's compiled
 * entry and the plain-Node floors alike, so each is measured from inside by the same few lines:
 * CPU time of the whole process (every thread: the libuv pool, V8's collector and compiler),
 * resident memory, its peak since the last reset, and event-loop delay. It answers the parent
 * over the IPC channel the benchmark opens; a server started any other way never loads it.
 */

export type ProbeUsage = {
  userMs: number
  systemMs: number
  rss: number
  /** Peak RSS since the last `reset` (Linux: VmHWM after clear_refs), else since start. */
  peakRss: number
  /** Event-loop delay since the last `reset`, in ms. */
  loopDelay: { mean: number; p99: number; max: number }
}

const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()

/** The kernel's high-water mark of resident memory, in bytes; null off Linux. */
function highWaterMark(): number | null {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1]
    return kb ? Number(kb) * 1024 : null
  } catch {
    return null
  }
}

function usage(): ProbeUsage {
  const cpu = process.cpuUsage()
  const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0)
  return {
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    rss: process.memoryUsage.rss(),
    peakRss: highWaterMark() ?? process.resourceUsage().maxRSS * 1024,
    loopDelay: { mean: ms(loop.mean), p99: ms(loop.percentile(99)), max: ms(loop.max) },
  }
}

if (process.send) {
  process.on('message', (message) => {
    if (message === 'reset') {
      // Writing 5 resets VmHWM to the current RSS, so the next peak is this phase's own.
      try {
        writeFileSync('/proc/self/clear_refs', '5')
      } catch {}
      loop.reset()
    }
    process.send?.({ usage: usage() })
  })
  // The IPC channel must not keep a server alive that would otherwise exit, and a benchmark that
  // dies must not leave its servers behind: the gateway drains and exits as on any SIGTERM.
  process.channel?.unref()
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}
