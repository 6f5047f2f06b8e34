/** "90s", "2m", "1.5h", "250ms", "1d" -> milliseconds; undefined when the text is not a duration. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return text.trim() === '0' ? 0 : undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
