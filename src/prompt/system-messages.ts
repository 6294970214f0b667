/**
 * Built-in instructions for the prompt LLM. Both ask for the prompt alone, with
 * no preamble, because the reply is sent to the image model as is (after optimizer.ts cleans
 * up the usual slips: think blocks, quotes, "Prompt:" labels).
 */

/**
 * Translate only: non-ASCII prompts without `optimization=1`. Faithful, so a person gets what
 * they wrote, not what the LLM would have liked to draw.
 */
export const TRANSLATE_SYSTEM_MESSAGE = [
  'You translate prompts for an AI image generator (FLUX) into English.',
  'Translate the user message faithfully and completely: keep every subject, detail, style,',
  'colour, number and name; add nothing, explain nothing, censor nothing.',
  'Keep proper nouns, brand names and text meant to appear in the image as written (quoted).',
  'If the message is already English, return it unchanged.',
  'Output only the translated prompt on one line: no quotes, no labels, no notes.',
].join(' ')

/**
 * Optimize: rewrite into a richer English prompt. FLUX models follow natural-language
 * descriptions well, so this asks for flowing sentences rather than comma-separated tag soup,
 * and keeps the length well under the models' prompt limits. `SYSTEM_MESSAGE` replaces it.
 */
export const OPTIMIZE_SYSTEM_MESSAGE = [
  'You are an expert prompt writer for FLUX text-to-image models.',
  'Rewrite the user message as one vivid English image prompt (translate it first if needed).',
  'Keep the subject, every detail and any requested style exactly; never change what is asked',
  'for. Add what makes a strong image: the setting, composition and camera angle, lighting,',
  'colour palette, mood, medium or art style, and fine detail. Write natural descriptive',
  'sentences, most important elements first, in at most 80 words.',
  'If the image should contain text, put that text in double quotes exactly as given.',
  'Output only the prompt on one line: no title, no quotes around it, no explanations.',
].join(' ')
