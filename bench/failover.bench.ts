import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FakeWorkersAi, startFakeWorkersAi } from '../test/fakes/workers-ai.ts'
import { makeJpeg } from '../test/fakes/workers-ai-image.ts'
import { machineNote, type Server, startServer } from './lib.ts'
import { combine, load, type Phase, type PhaseResult, row } from './load.ts'

/**
 * `npm run bench:failover`: what a failing upstream costs a request. Two gateways (Node, fs
 * storage, each in its own child process) serve `POST /v1/images/generations` (`url`) from one
 * zero-delay fake Workers AI, each over TARGETS accounts (CF_ACCOUNTS, one target each, equal
 * priority): for one every account is healthy, for the other half of them answer HTTP 500. The
 * load alternates between the two in small blocks, so a busy machine slows both alike. The
 * difference in mean latency and CPU per request, divided by the failed attempts per request
 * the fake counted, is the price of one failed attempt. A failing target takes three failures
 * before its circuit opens, so the pool learns as the run goes; the run says how many failed
 * attempts there were and how many circuits ended open. Prints figures; asserts nothing.
 */

const TARGETS = 256
/** Below 3 x TARGETS / 2 requests, so failing targets stay untried for the whole phase. */
const PHASES: (Phase & { blocks: number })[] = [
  { concurrency: 1, requests: 200, blocks: 20 },
  { concurrency: 16, requests: 320, blocks: 4 },
]
const WARMUP = 100
const IMAGE_BYTES = 300 * 1024

const good = Array.from({ length: TARGETS }, (_, i) => `ok${i}`)
const half = [...good.slice(0, TARGETS / 2), ...good.slice(0, TARGETS / 2).map((a) => `bad${a}`)]
const token = (account: string) => `token-${account}`

type Run = { healthy: PhaseResult; failing: PhaseResult; failed: number; open: number }

async function gatewayOver(upstream: FakeWorkersAi, accounts: string[], dataDir: string) {
  return startServer('gateway', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STORAGE: 'fs',
    CF_ACCOUNTS: accounts.map((a) => `${a}:${token(a)}`).join(','),
    CF_API_BASE: upstream.apiBase,
    // An open gateway limits each address; the load generator is one address.
    RATE_LIMIT: '0',
  })
}

async function run(upstream: FakeWorkersAi, phase: (typeof PHASES)[number]): Promise<Run> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-bench-failover-'))
  // Fresh processes per phase: fresh health, so every failing target starts with a closed circuit.
  const healthy = await gatewayOver(upstream, good, join(dataDir, 'healthy'))
  const failing = await gatewayOver(upstream, half, join(dataDir, 'failing'))
  try {
    const body = JSON.stringify({ prompt: 'a red fox in fresh snow', response_format: 'url' })
    const target = { path: '/v1/images/generations', body }
    for (const server of [healthy, failing]) {
      await load(server, target, { concurrency: 4, requests: WARMUP })
    }
    upstream.calls.length = 0
    const block = { concurrency: phase.concurrency, requests: phase.requests / phase.blocks }
    const results: { healthy: PhaseResult[]; failing: PhaseResult[] } = { healthy: [], failing: [] }
    for (let i = 0; i < phase.blocks; i++) {
      results.healthy.push(await load(healthy, target, block))
      results.failing.push(await load(failing, target, block))
    }
    return {
      healthy: combine(results.healthy),
      failing: combine(results.failing),
      failed: upstream.calls.filter((call) => call.accountId.startsWith('bad')).length,
      open: await openCircuits(failing),
    }
  } finally {
    await healthy.stop()
    await failing.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function openCircuits(gateway: Server): Promise<number> {
  const status = (await (await fetch(`${gateway.url}/v1/status`)).json()) as {
    providers: { targets: { state: string }[] }[]
  }
  return status.providers.flatMap((p) => p.targets).filter((t) => t.state === 'open').length
}

async function main(): Promise<void> {
  const image = makeJpeg(1024, 1024, IMAGE_BYTES)
  const accounts = Object.fromEntries([...good, ...half].map((a) => [a, token(a)]))
  const upstream = await startFakeWorkersAi({ accounts, image })
  for (const account of half)
    if (account.startsWith('bad')) upstream.modeByAccount[account] = 'server-error'
  try {
    console.log(
      `failover: images API (url), ${TARGETS} Workers AI accounts per gateway, all healthy vs half answering 500; ${machineNote()}\n`,
    )
    for (const phase of PHASES) {
      const { healthy, failing, failed, open } = await run(upstream, phase)
      const perRequest = failed / phase.requests
      const addedMs = (failing.mean - healthy.mean) / perRequest
      const addedCpu = (failing.cpuPerRequest - healthy.cpuPerRequest) / perRequest
      console.log(
        `concurrency ${phase.concurrency} (${phase.requests} requests each, in ${phase.blocks} alternating blocks)`,
      )
      console.log(`  ${row('all healthy', healthy)}  mean ${healthy.mean.toFixed(2)} ms`)
      console.log(`  ${row('half failing', failing)}  mean ${failing.mean.toFixed(2)} ms`)
      console.log(
        `  failed attempts ${failed} (${perRequest.toFixed(2)} per request); circuits open at the end: ${open} of ${TARGETS / 2} failing targets`,
      )
      console.log(
        `  added per failed attempt: ${addedMs.toFixed(2)} ms latency (mean), ${addedCpu.toFixed(3)} ms CPU\n`,
      )
    }
  } finally {
    await upstream.close()
  }
}

await main()
