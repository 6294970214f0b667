import { expect } from 'vitest'

/**
 * A browser's CORS preflight for a chat call from another origin, with an OpenAI SDK's own
 * header, and what every runtime must answer to it: 204, any origin, the methods, and the
 * requested headers reflected.
 */
export const PREFLIGHT: RequestInit = {
  method: 'OPTIONS',
  headers: {
    Origin: 'https://chat.example',
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'authorization, content-type, x-stainless-os',
  },
}

export function expectPreflightAnswer(response: Response): void {
  expect(response.status).toBe(204)
  expect(response.headers.get('access-control-allow-origin')).toBe('*')
  // Lists compared item by item: they are written without spaces after the commas.
  expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual([
    'GET',
    'POST',
    'OPTIONS',
  ])
  expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual([
    'authorization',
    'content-type',
    'x-stainless-os',
  ])
}
