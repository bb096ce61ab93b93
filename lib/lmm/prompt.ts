// The prompt sent with each image. The default asks for a detailed, factual description, which is
// what the Image–Context–Text pipeline needs: a context that names what is visible, so that a
// text model can tell "Rocky" the dog from "Rocky" the boxer.

/**
 * The default template. `{text}` is replaced by the post's text; a line holding `{text}` is
 * dropped when there is no text (or the user did not ask for it).
 */
export const DEFAULT_PROMPT = [
  'Describe this image in detail and factually.',
  'Mention the people, places, organisations, logos, events and objects you can see, any visible text, and the setting.',
  'Say who or what they are only when the image makes it clear; do not guess.',
  'The image was posted with this text: "{text}"',
].join('\n');

/** Fills `{text}` in a template; lines that mention `{text}` are removed when text is empty. */
export function renderPrompt(template: string, text?: string): string {
  const value = text?.trim() ?? '';
  const lines = template.split('\n').filter((line) => value !== '' || !line.includes('{text}'));
  return lines.join('\n').replaceAll('{text}', value).trim();
}
