/**
 * TOOL_RESULT_MAX_BYTES: an agent's context is small, so a tool result is bounded. A result
 * over the bound is cut where the cut loses least: the longest texts first, each at a
 * Markdown boundary (a blank line, else a line end, else a space), then the last items of
 * the longest lists. The result says it was cut (`truncated: true`) and how to get the rest.
 */

export const TRUNCATION_FIELDS = {
  truncated: { type: 'boolean', description: 'True when the result was cut to TOOL_RESULT_MAX_BYTES.' },
  truncated_hint: { type: 'string', description: 'What was cut, and how to get the rest.' },
} as const;

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** `text` cut to at most `max` characters, at the last Markdown boundary in its second half. */
export const cutText = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.max(0, max));
  const floor = Math.floor(max / 2);
  const at = [head.lastIndexOf('\n\n'), head.lastIndexOf('\n'), head.lastIndexOf(' ')].find((i) => i >= floor) ?? head.length;
  let cut = head.slice(0, at).trimEnd();
  // Never leave half a surrogate pair.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}\n\n…`;
};

type Json = unknown;

interface Leaf {
  readonly holder: Record<string, Json> | Json[];
  readonly key: string | number;
  readonly size: number;
}

/** Every string (longer than `min` characters) and every non-empty array below `value`. */
const leaves = (value: Json, min: number): { texts: Leaf[]; lists: Leaf[] } => {
  const texts: Leaf[] = [];
  const lists: Leaf[] = [];
  const walk = (holder: Record<string, Json> | Json[], key: string | number, v: Json, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string' && v.length > min) texts.push({ holder, key, size: v.length });
    else if (Array.isArray(v)) {
      if (v.length > 0) lists.push({ holder, key, size: byteLength(v) });
      v.forEach((item, i) => walk(v, i, item, depth + 1));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) walk(v as Record<string, Json>, k, item, depth + 1);
    }
  };
  if (typeof value === 'object' && value !== null) {
    for (const [k, item] of Object.entries(value)) walk(value as Record<string, Json>, k, item, 0);
  }
  return { texts, lists };
};

const get = (leaf: Leaf): Json => (leaf.holder as Record<string | number, Json>)[leaf.key];
const set = (leaf: Leaf, v: Json): void => {
  (leaf.holder as Record<string | number, Json>)[leaf.key] = v;
};

/**
 * The result as it is when it fits in `maxBytes` of JSON, else a cut copy with
 * `truncated: true` and a hint. Only object results are cut (every catalog output is one).
 */
export const boundResult = (result: unknown, maxBytes: number): unknown => boundResultJson(result, maxBytes).value;

/**
 * `boundResult`, with the JSON text of the value when measuring it produced one: a result
 * that fits is serialized once to measure it, and whoever sends it (MCP's text content)
 * can send that text instead of serializing the result again.
 */
export const boundResultJson = (result: unknown, maxBytes: number): { readonly value: unknown; readonly json?: string } => {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return { value: result };
  const json = JSON.stringify(result);
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return { value: result, json };
  return { value: cutToBound(result, maxBytes) };
};

const cutToBound = (result: object, maxBytes: number): unknown => {
  const copy = JSON.parse(JSON.stringify(result)) as Record<string, Json>;
  const hint = `The result was longer than ${maxBytes} bytes (TOOL_RESULT_MAX_BYTES) and was cut: long texts end with "…", and lists may miss their last items. Ask for fewer items (limit), fewer fields, or page with the cursor; the REST route answers in full.`;
  const room = (): number => maxBytes - byteLength({ ...copy, truncated: true, truncated_hint: hint });
  // Longest texts first, each cut to what the others leave room for (never below 200 characters).
  for (let round = 0; round < 50 && room() < 0; round += 1) {
    const [longest] = leaves(copy, 200).texts.sort((a, b) => b.size - a.size);
    if (!longest) break;
    const text = get(longest) as string;
    set(longest, cutText(text, Math.max(200, text.length + room() - 16)));
    if ((get(longest) as string).length >= text.length) break;
  }
  // Then the last items of the longest lists.
  for (let round = 0; round < 10_000 && room() < 0; round += 1) {
    const [longest] = leaves(copy, Number.MAX_SAFE_INTEGER).lists.sort((a, b) => b.size - a.size);
    if (!longest) break;
    (get(longest) as Json[]).pop();
  }
  return { ...copy, truncated: true, truncated_hint: hint };
};
