import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, type ProviderEntry } from '../../src/config.ts'
import type { GatewayError } from '../../src/errors.ts'
import { type Gateway, type GenerationInput, generateImages } from '../../src/generate/index.ts'
import { encodePng } from '../../src/image/png.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { availability } from '../../src/pool/health.ts'
import { buildProviders } from '../../src/providers/build.ts'
import type { ImageProvider } from '../../src/providers/types.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { startGateway } from '../node/gateway.ts'

/**
 * The contract every HTTP provider keeps, run against its fake upstream through generateImages,
 * the path every endpoint uses: what each kind of upstream failure becomes for the client and for
 * the target's health, that refusals are final, and that aborts and deadlines reach the socket.
 */

/** What a contract fake can be told to do with the generation calls it gets next. */
export type ContractMode =
  | 'ok' // the documented success reply, one image per requested image
  | 'rate-limited' // the protocol's 429
  | 'unauthorized' // the protocol's rejected-credentials reply (401 or 403)
  | 'refused' // the protocol's content-policy refusal of the prompt
  | 'server-error' // a 5xx
  | 'slow' // the ok reply after `slowMs`, unless the client closes the connection first
  | 'malformed' // HTTP 200 whose body is not the documented reply

export type ContractFake = {
  /** Called once per test, before the gateway is built (a fake may turn modes into keys). */
  mode(mode: ContractMode): void
  /** Generation calls received (submissions; not downloads or polls). */
  calls(): number
  /** Every image the fake handed out (inline or downloaded), in order. */
  served(): Uint8Array[]
  /** Generation calls whose connection the client closed before the fake answered. */
  disconnects?(): number
  close(): Promise<void>
}

/** Starts a fake upstream; `entry` is a PROVIDERS entry (type, keys, baseUrl) pointing at it. */
export type ContractSetup = (options: { slowMs: number }) => Promise<{
  entry: ProviderEntry
  fake: ContractFake
}>

/** Parts of the contract a fake cannot exercise, each with the reason (shown as a skipped test). */
export type ContractGaps = Partial<Record<ContractMode | 'disconnect', string>>

/** A one-colour PNG; `shade` makes each image's bytes differ. For fakes to serve. */
export function testPng(width: number, height: number, shade: number): Promise<Uint8Array> {
  const rgb = new Uint8Array(width * height * 3)
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = (shade * 40) & 0xff
    rgb[i + 1] = 120
    rgb[i + 2] = 200
  }
  return encodePng(width, height, rgb)
}

/** Waits `ms`, or less when the client closes the connection first; true when it closed. */
export function waitOrDisconnect(response: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (response.destroyed) return resolve(true)
    const onClose = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      response.off('close', onClose)
      resolve(false)
    }, ms)
    response.once('close', onClose)
  })
}

/** Long enough that only an abort or a deadline can end a slow call within a test. */
const SLOW_MS = 6_000

/**
 * Polls `check` until it passes (does not throw, nor return false) or `ms` run out, then runs it
 * once more to report.
 */
export async function eventually(check: () => unknown, ms = 2_000): Promise<void> {
  const passes = () => {
    if (check() === false) throw new Error('condition not met in time')
  }
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      return passes()
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  passes()
}

/** Registers an afterEach that closes what a test opened (fakes, gateways); returns the tracker. */
export function closedAfterEach(): <T extends { close(): Promise<void> }>(item: T) => T {
  const open: { close(): Promise<void> }[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((item) => item.close()))
  })
  return (item) => {
    open.push(item)
    return item
  }
}

/** The error a generation that must fail rejects with. */
export const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected the generation to fail'),
    (error: GatewayError) => error,
  )

/** Records what the provider itself threw, before the pool turns it into the final error. */
function recording(provider: ImageProvider, thrown: GatewayError[]): ImageProvider {
  return {
    type: provider.type,
    name: provider.name,
    models: provider.models,
    generate: (request, context) =>
      provider.generate(request, context).catch((error: GatewayError) => {
        thrown.push(error)
        throw error
      }),
  }
}

/** A PROVIDERS entry as a test writes it; keys, priority, weight and options default as in config. */
export type TestEntry = Pick<ProviderEntry, 'type' | 'baseUrl' | 'models'> &
  Partial<Pick<ProviderEntry, 'keys' | 'priority' | 'weight' | 'options'>>

/**
 * A gateway over PROVIDERS `entries` as the runtimes build one, with memory storage, and
 * `generate` with test defaults; `progress` collects the upstream progress messages it reports.
 * `wrap` may wrap each provider (to watch what it throws).
 */
export function gatewayFor(
  entries: TestEntry[],
  env: Record<string, string> = {},
  wrap: (provider: ImageProvider) => ImageProvider = (provider) => provider,
) {
  const config = loadConfig({ STORAGE: 'memory', PROVIDERS: JSON.stringify(entries), ...env })
  const built = buildProviders(config, {}).map((built) => ({
    ...built,
    provider: wrap(built.provider),
  }))
  const catalogue = new Catalogue(built, config.defaultModel)
  const storage = memoryStorage()
  const gateway: Gateway = { config, storage, catalogue, fetch: globalThis.fetch, now: Date.now }
  const progress: string[] = []
  const generate = (input: Partial<GenerationInput> = {}) =>
    generateImages(gateway, {
      prompt: 'a red fox in fresh snow',
      n: 1,
      signal: new AbortController().signal,
      onProgress: (event) => {
        if (event.type === 'upstream-progress') progress.push(event.message)
      },
      ...input,
    })
  return { gateway, catalogue, storage, generate, progress }
}

/**
 * For polled providers (fal's queue, Replicate, BFL): aborts a generation once the fake has been
 * polled twice, checks no poll follows the abort, and returns the error the client got.
 */
export async function abortMidPoll(
  generate: (input: Partial<GenerationInput>) => Promise<unknown>,
  polls: () => number,
): Promise<GatewayError> {
  const controller = new AbortController()
  const pending = rejection(generate({ signal: controller.signal }))
  await eventually(() => polls() >= 2, 3_000)
  controller.abort()
  const error = await pending
  const seen = polls()
  await new Promise((resolve) => setTimeout(resolve, 300)) // many poll intervals of 20-80 ms
  expect(polls()).toBe(seen)
  return error
}

/**
 * For polled providers whose job never finishes: `POST /v1/images/generations` to a gateway over
 * HTTP with `entry` and 1 s timeouts. Checks the 504 comes in time and returns its body.
 */
export async function timeoutOverHttp(
  entry: TestEntry,
  track: <T extends { close(): Promise<void> }>(item: T) => T,
): Promise<{ error: { code: string } }> {
  const gateway = track(
    await startGateway({
      PROVIDERS: JSON.stringify([entry]),
      REQUEST_TIMEOUT: '1',
      UPSTREAM_TIMEOUT: '1',
    }),
  )
  const started = Date.now()
  const response = await fetch(`${gateway.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a slow fox' }),
  })
  expect(response.status).toBe(504)
  expect(Date.now() - started).toBeLessThan(2_500)
  return response.json()
}

/** The parts of a fake that picks its behaviour by the key it is sent. */
export type KeyedFake = {
  served: Uint8Array[]
  close(): Promise<void>
}

/**
 * The setup for a fake that picks its behaviour by key (its `keys` map a key to a behaviour):
 * each contract mode becomes the entry's key, set before the suite builds its gateway.
 */
export function keyedContract<Fake extends KeyedFake>(
  start: (slowMs: number) => Promise<Fake>,
  entryFor: (fake: Fake) => Omit<TestEntry, 'keys'>,
  count: { calls(fake: Fake): number; disconnects?(fake: Fake): number },
): ContractSetup {
  return async ({ slowMs }) => {
    const fake = await start(slowMs)
    const entry: ProviderEntry = {
      priority: 0,
      weight: 1,
      options: {},
      ...entryFor(fake),
      keys: [],
    }
    return {
      entry,
      fake: {
        mode(mode) {
          entry.keys = [mode]
        },
        calls: () => count.calls(fake),
        served: () => fake.served,
        disconnects: count.disconnects && (() => count.disconnects!(fake)),
        close: () => fake.close(),
      },
    }
  }
}

/**
 * Declares the contract suite for one provider type. Each test starts a fresh fake through
 * `setup`, sets its mode, and builds a gateway from `PROVIDERS=[entry]`. Modes or checks a
 * fake cannot offer go in `gaps`, with the reason, and show as skipped tests.
 *
 * @example
 * describeProviderContract('together', async ({ slowMs }) => {
 *   const fake = await startFakeTogether({ slowMs })
 *   return { entry: { type: 'together', keys: ['k'], baseUrl: fake.baseUrl, ... }, fake: ... }
 * })
 */
export function describeProviderContract(
  name: string,
  setup: ContractSetup,
  gaps: ContractGaps = {},
): void {
  const open: ContractFake[] = []

  /** A gateway over `copies` identical entries (so a retry would have a second target to hit). */
  async function start(mode: ContractMode, options: { copies?: number; timeout?: string } = {}) {
    const { entry, fake } = await setup({ slowMs: SLOW_MS })
    open.push(fake)
    fake.mode(mode)
    const timeout = options.timeout ?? '30'
    const thrown: GatewayError[] = []
    const { catalogue, storage, generate } = gatewayFor(
      Array.from({ length: options.copies ?? 1 }, () => entry),
      { REQUEST_TIMEOUT: timeout, UPSTREAM_TIMEOUT: timeout },
      (provider) => recording(provider, thrown),
    )
    const health = () => catalogue.targets[0]!.health
    /** No message, final or recorded, may quote a configured key. */
    const assertNoKeyIn = (...messages: string[]) => {
      for (const key of entry.keys) for (const text of messages) expect(text).not.toContain(key)
    }
    return { fake, thrown, storage, generate, health, assertNoKeyIn }
  }

  const test = (mode: ContractMode | 'disconnect', title: string, body: () => Promise<void>) =>
    gaps[mode] ? it.skip(`${title} (skipped: ${gaps[mode]})`, body) : it(title, body)

  describe(`${name}: provider contract`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((fake) => fake.close()))
    })

    test('ok', 'returns the bytes the upstream served, sniffable and stored', async () => {
      const { fake, storage, generate } = await start('ok')
      const result = await generate()
      expect(fake.calls()).toBe(1)
      expect(result.images).toHaveLength(1)
      const [image] = result.images
      expect(fake.served()).toHaveLength(1)
      expect(image!.bytes).toEqual(fake.served()[0])
      expect(sniffImage(image!.bytes)).toMatchObject({ contentType: image!.contentType })
      expect((await storage.get(image!.key!))?.body).toEqual(fake.served()[0])
    })

    test('rate-limited', 'cools the target down on a rate limit and answers 503', async () => {
      const { fake, thrown, generate, health, assertNoKeyIn } = await start('rate-limited')
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
      expect(thrown[0]).toMatchObject({ status: 503, code: 'upstream_rate_limited' })
      expect(thrown[0]!.upstream?.failure).toBe('rate-limited')
      expect(availability(health(), Date.now())).toBe('cooling')
      // While it cools down the upstream is not asked again.
      await rejection(generate())
      expect(fake.calls()).toBe(1)
      assertNoKeyIn(error.message, thrown[0]!.message)
    })

    test('unauthorized', 'disables the key on rejected credentials, 502 no retry', async () => {
      const { thrown, generate, health, assertNoKeyIn } = await start('unauthorized')
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream', retryable: false })
      expect(thrown[0]).toMatchObject({ status: 502, code: 'upstream_unauthorized' })
      expect(thrown[0]!.upstream?.failure).toBe('unauthorized')
      expect(health().disabled).toBe(thrown[0]!.message)
      assertNoKeyIn(error.message, thrown[0]!.message)
    })

    test('server-error', 'counts a 5xx toward the circuit and fails over', async () => {
      const { fake, thrown, generate, health } = await start('server-error', { copies: 2 })
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
      expect(thrown[0]).toMatchObject({ status: 502, code: 'upstream_error' })
      expect(thrown[0]!.upstream?.failure).toBe('server')
      expect(health()).toMatchObject({ failureStreak: 1, disabled: null })
      expect(fake.calls()).toBe(2) // the second target was tried: the control for 'refused'
    })

    test('malformed', 'treats a malformed 200 as a server failure', async () => {
      const { thrown, generate, health } = await start('malformed')
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
      expect(thrown[0]!.upstream?.failure).toBe('server')
      expect(health().failureStreak).toBe(1)
    })

    test('refused', 'answers 400 to a refused prompt and never retries it', async () => {
      const { fake, thrown, generate, health } = await start('refused', { copies: 2 })
      const error = await rejection(generate())
      expect(error).toMatchObject({
        status: 400,
        code: 'content_policy_violation',
        retryable: false,
      })
      expect(thrown[0]!.upstream?.failure).toBe('refused')
      expect(fake.calls()).toBe(1)
      expect(availability(health(), Date.now())).toBe('ready')
    })

    test('slow', 'stops at once when the client aborts mid-call', async () => {
      const { fake, generate, health } = await start('slow')
      const controller = new AbortController()
      const pending = rejection(generate({ signal: controller.signal }))
      await eventually(() => expect(fake.calls()).toBe(1))
      const aborted = Date.now()
      controller.abort()
      const error = await pending
      expect(Date.now() - aborted).toBeLessThan(1_000)
      expect(error).toMatchObject({ status: 499, code: 'client_closed' })
      // The client's leaving says nothing about the upstream.
      expect(health()).toMatchObject({ failures: 0, failureStreak: 0 })
    })

    test('disconnect', 'closes the upstream connection when the client aborts', async () => {
      const { fake, generate } = await start('slow')
      const controller = new AbortController()
      const pending = rejection(generate({ signal: controller.signal }))
      await eventually(() => expect(fake.calls()).toBe(1))
      controller.abort()
      await pending
      await eventually(() => expect(fake.disconnects?.()).toBe(1))
    })

    test('slow', 'answers 504 at REQUEST_TIMEOUT and hangs up on the upstream', async () => {
      const { fake, generate } = await start('slow', { timeout: '1' })
      const started = Date.now()
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 504 })
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
      expect(Date.now() - started).toBeLessThan(1_500)
      if (!gaps.disconnect) await eventually(() => expect(fake.disconnects?.()).toBe(1))
    })
  })
}
