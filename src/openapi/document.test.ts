import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { memoryStorage } from '../storage/memory.ts'
import { COMPONENT_SCHEMAS } from './document.ts'
import {
  chatCompletionReply,
  healthReply,
  imagesReply,
  modelListReply,
  modelNamesReply,
  modelReply,
  responsesReply,
  statusReply,
} from './response-schemas.ts'

type Operation = {
  security?: unknown[]
  parameters?: { name: string; in: string; schema: unknown }[]
  requestBody?: { content: Record<string, { schema: { $ref: string } }> }
  responses: Record<string, { content?: Record<string, unknown> }>
}
type Document = {
  openapi: string
  servers: { url: string }[]
  paths: Record<string, Record<string, Operation>>
  components: {
    schemas: Record<string, { properties?: Record<string, unknown> }>
    responses: Record<string, { content?: unknown }>
  }
}

const app = () =>
  createApp({
    config: loadConfig({ API_KEY: 'client-key' }),
    storage: memoryStorage(),
    log: () => {},
  })

async function served(): Promise<Document> {
  const response = await app().request('http://gw.test/openapi.json', {
    headers: { Origin: 'https://editor.example' },
  })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  // Readable from a browser-based API tool, like every other route.
  expect(response.headers.get('access-control-allow-origin')).toBe('*')
  return response.json()
}

const asJsonSchema = (schema: z.core.$ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  return rest
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without a client key', async () => {
    const document = await served()
    expect(document.openapi).toBe('3.1.0')
    expect(document.servers).toEqual([{ url: 'http://gw.test' }])
    const validator = new Validator()
    const result = await validator.validate(structuredClone(document))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    // Every $ref resolves.
    expect(() => validator.resolveRefs()).not.toThrow()
  })

  it('describes every route the app serves, with its method', async () => {
    const { paths } = await served()
    const routes = app()
      .routes.filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`)
    expect(routes.length).toBeGreaterThan(8)
    const described = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(described.sort()).toEqual([...new Set(routes)].sort())
  })

  it('gives each route the request schema it validates with', async () => {
    const { paths, components } = await served()
    const body = (path: string) =>
      paths[path]!.post!.requestBody!.content['application/json']!.schema.$ref
    expect(body('/v1/chat/completions')).toBe('#/components/schemas/ChatRequest')
    expect(body('/v1/images/generations')).toBe('#/components/schemas/ImagesRequest')
    expect(body('/v1/responses')).toBe('#/components/schemas/ResponsesRequest')
    expect(components.schemas.ResponsesRequest).toEqual(
      asJsonSchema(COMPONENT_SCHEMAS.ResponsesRequest),
    )
    expect(components.schemas.ChatRequest).toEqual(asJsonSchema(COMPONENT_SCHEMAS.ChatRequest))
    expect(components.schemas.ImagesRequest).toEqual(asJsonSchema(COMPONENT_SCHEMAS.ImagesRequest))
    const query = asJsonSchema(COMPONENT_SCHEMAS.DirectQuery).properties as Record<string, unknown>
    expect(paths['/']!.get!.parameters).toEqual(
      Object.entries(query).map(([name, schema]) => ({ name, in: 'query', schema })),
    )
    const { prompt, ...pollinations } = asJsonSchema(COMPONENT_SCHEMAS.PollinationsQuery)
      .properties as Record<string, unknown>
    for (const path of ['/prompt/{prompt}', '/p/{prompt}']) {
      expect(paths[path]!.get!.parameters).toEqual([
        { name: 'prompt', in: 'path', required: true, schema: prompt },
        ...Object.entries(pollinations).map(([name, schema]) => ({ name, in: 'query', schema })),
      ])
    }
    expect(paths['/image/{key}']!.get!.parameters).toEqual([
      expect.objectContaining({ name: 'key', in: 'path', required: true }),
    ])
  })

  it('publishes the shared limits and strict number forms', async () => {
    const { components } = await served()
    const images = components.schemas.ImagesRequest!.properties!
    expect(images.prompt).toMatchObject({ type: 'string', maxLength: 8192 })
    expect(JSON.stringify(images.seed)).toContain('"minimum":-1,"maximum":2147483647')
    expect(JSON.stringify(images.n)).toContain('"pattern":"^-?\\\\d+$"')
  })

  it('asks for the bearer key exactly where the app does, and documents the error shape', async () => {
    const { paths, components } = await served()
    const resolved = (response: { $ref?: string; content?: unknown } | undefined) =>
      response?.$ref ? components.responses[response.$ref.split('/').pop()!] : response
    for (const [path, item] of Object.entries(paths)) {
      for (const operation of Object.values(item)) {
        const keyed = path.startsWith('/v1/')
        expect(operation.security, path).toEqual(keyed ? [{ bearer: [] }] : expect.any(Array))
        if (keyed) {
          expect(resolved(operation.responses['401'])?.content, path).toHaveProperty([
            'application/json',
          ])
        }
      }
    }
    for (const status of ['400', '401', '404', '413', '429', '502', '503', '504']) {
      expect(paths['/v1/images/generations']!.post!.responses[status], status).toBeDefined()
    }
  })
})

it('is linked from the welcome page', async () => {
  const page = await (await app().request('/')).text()
  expect(page).toContain('href="/openapi.json"')
})

describe('reply schemas', () => {
  it('match what the routes answer', async () => {
    const gateway = app()
    const get = async (path: string) =>
      (await gateway.request(path, { headers: { Authorization: 'Bearer client-key' } })).json()
    const post = async (path: string, body: unknown) =>
      (
        await gateway.request(path, {
          method: 'POST',
          headers: { Authorization: 'Bearer client-key', 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()
    expect(healthReply.safeParse(await get('/healthz')).error).toBeUndefined()
    expect(modelListReply.safeParse(await get('/v1/models')).error).toBeUndefined()
    expect(modelReply.safeParse(await get('/v1/models/demo')).error).toBeUndefined()
    const names = await (await gateway.request('/models')).json()
    expect(modelNamesReply.safeParse(names).error).toBeUndefined()
    expect(statusReply.safeParse(await get('/v1/status')).error).toBeUndefined()
    const images = await post('/v1/images/generations', { prompt: 'a fox' })
    expect(imagesReply.safeParse(images).error).toBeUndefined()
    const chat = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] })
    expect(chatCompletionReply.safeParse(chat).error).toBeUndefined()
    const messages = [{ role: 'user', content: 'x' }]
    const imagesOut = await post('/v1/chat/completions', { messages, modalities: ['image'] })
    expect(chatCompletionReply.safeParse(imagesOut).data?.choices[0]?.message.images).toHaveLength(
      1,
    )
    for (const tools of [[], [{ type: 'image_generation' }]]) {
      const response = await post('/v1/responses', { input: 'a fox', tools })
      expect(responsesReply.safeParse(response).data?.output).toHaveLength(tools.length + 1)
    }
  })
})
