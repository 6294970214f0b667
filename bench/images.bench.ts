import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeWorkersAi } from '../test/fakes/workers-ai.ts'
import { makeJpeg } from '../test/fakes/workers-ai-image.ts'
import {
  IMAGE_BYTES,
  machineNote,
  mb,
  measure,
  type Phase,
  type PhaseResult,
  row,
  startChild,
} from './lib.ts'

/**
 * `npm run bench:images`: `POST /v1/images/generations` through the Node server (fs storage in a
 * temp dir, logs discarded) against a zero-delay fake Workers AI answering a 300 KB base64 JPEG,
 * the chat benchmark's setup, next to the same-run baseline (bench/lib.ts). Three shapes:
 * `b64_json` (the image comes back inline, ~400 KB of JSON), `url` (a short JSON; the image is
 * stored and linked), and a seeded `url` request repeated, which after its first call is served
 * from the store without an upstream call (seeded requests are content-addressed). Prints
 * figures; asserts nothing.
 */

const PHASES: Phase[] = [
  { concurrency: 1, requests: 150 },
  { concurrency: 16, requests: 480 },
]

const SHAPES = [
  { name: 'b64_json', body: { response_format: 'b64_json' } },
  { name: 'url', body: { response_format: 'url' } },
  { name: 'url, seeded', body: { response_format: 'url', seed: 42 } },
] as const

async function main(): Promise<void> {
  const image = makeJpeg(1024, 1024, IMAGE_BYTES)
  const upstream = await startFakeWorkersAi({ accounts: { bench: 'bench-token' }, image })
  const dataDir = await mkdtemp(join(tmpdir(), 'fluxgate-bench-images-'))
  const gateway = await startChild('gateway', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STORAGE: 'fs',
    CF_ACCOUNT_ID: 'bench',
    CF_API_TOKEN: 'bench-token',
    CF_API_BASE: upstream.apiBase,
    // An open gateway limits each address; the load generator is one address.
    RATE_LIMIT: '0',
  })
  const baseline = await startChild('baseline')
  try {
    console.log(
      `images API, ${IMAGE_BYTES / 1024} KB JPEG from a zero-delay fake Workers AI; ${await machineNote()}`,
    )
    console.log(
      'CPU and RSS: each server in its own child process; load generator and fake excluded\n',
    )
    const results = new Map<string, PhaseResult[]>()
    for (const shape of SHAPES) {
      const body = JSON.stringify({
        model: 'flux-schnell',
        prompt: 'a red fox in fresh snow',
        ...shape.body,
      })
      const before = upstream.calls.length
      results.set(
        shape.name,
        await measure(gateway, { path: '/v1/images/generations', body }, PHASES),
      )
      const calls = upstream.calls.length - before
      console.log(`${shape.name}: ${calls} upstream calls`)
      upstream.calls.length = 0
    }
    const theirs = await measure(baseline, { path: '/', body: '{}' }, PHASES)
    console.log()
    PHASES.forEach((phase, index) => {
      const b = theirs[index]!
      console.log(`concurrency ${phase.concurrency} (${phase.requests} requests each)`)
      for (const [name, ours] of results) {
        const g = ours[index]!
        console.log(
          `  ${row(name, g)}  ratio ${(g.rps / b.rps).toFixed(2)}x req/s, ${(g.cpuPerRequest / b.cpuPerRequest).toFixed(1)}x CPU`,
        )
      }
      console.log(`  ${row('baseline', b)}\n`)
    })
    const peak = Math.max(...[...results.values()].flatMap((phases) => phases.map((r) => r.maxRss)))
    console.log(`peak RSS: gateway ${mb(peak)}, baseline ${mb(theirs.at(-1)!.maxRss)}`)
  } finally {
    gateway.stop()
    baseline.stop()
    await upstream.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
