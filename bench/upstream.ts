import { startFakeWorkersAi } from '../test/fakes/workers-ai.ts'
import { makeJpeg } from '../test/fakes/workers-ai-image.ts'

/**
 * The benchmarks' upstream, in a process of its own so that serving 400 KB replies neither
 * counts towards a measured server nor slows the load generator: the fake Workers AI REST API of
 * the tests with one account (`bench`, token `bench-token`), answering a BENCH_IMAGE_BYTES JPEG
 * (default 300 KB) in base64, after BENCH_UPSTREAM_DELAY_MS (default 0).
 */

const imageBytes = Number(process.env.BENCH_IMAGE_BYTES ?? 300 * 1024)
const delayMs = Number(process.env.BENCH_UPSTREAM_DELAY_MS ?? 0)
const fake = await startFakeWorkersAi({
  accounts: { bench: 'bench-token' },
  image: makeJpeg(1024, 1024, imageBytes),
})
if (delayMs > 0) {
  fake.mode = 'slow'
  fake.slowMs = delayMs
}
// The fake records every call for tests to inspect; a benchmark sends tens of thousands.
setInterval(() => {
  fake.calls.length = 0
  fake.requests.length = 0
}, 1000).unref()
console.log(`upstream listening on ${fake.apiBase}`)
