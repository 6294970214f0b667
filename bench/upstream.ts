import { startFakeWorkersAi } from '../test/fakes/workers-ai.ts'
import { makeJpeg } from '../test/fakes/workers-ai-image.ts'
import { makePng } from './png.ts'

/**
 * The benchmarks' upstream, in a process of its own so that serving 400 KB replies neither
 * counts towards a measured server nor slows the load generator: the fake Workers AI REST API of
 * the tests with one account (`bench`, token `bench-token`), answering a BENCH_IMAGE_BYTES JPEG
 * (default 300 KB) in base64, after BENCH_UPSTREAM_DELAY_MS (default 0). FLUX.2 [klein 4B]
 * answers a BENCH_FLUX2_IMAGE_BYTES PNG (default 1.5 MB) the same way, as FLUX.2 on Workers AI
 * does: the big-image doors.
 */

const FLUX2_MODEL = '@cf/black-forest-labs/flux-2-klein-4b'

const imageBytes = Number(process.env.BENCH_IMAGE_BYTES ?? 300 * 1024)
const flux2Bytes = Number(process.env.BENCH_FLUX2_IMAGE_BYTES ?? 1_500_000)
const delayMs = Number(process.env.BENCH_UPSTREAM_DELAY_MS ?? 0)
const fake = await startFakeWorkersAi({
  accounts: { bench: 'bench-token' },
  image: makeJpeg(1024, 1024, imageBytes),
})
fake.modelImages[FLUX2_MODEL] = makePng(1024, 1024, flux2Bytes)
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
