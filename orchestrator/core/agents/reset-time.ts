/**
 * When a usage limit ends, from the wording each CLI uses (shared facts, section 3). Pure: the
 * clock and the local time zone are passed in. Unparseable -> now + 5 h (the usual window).
 */

export const UNKNOWN_RESET_MS = 5 * 3_600_000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Minutes east of UTC of `tz` at `at` (e.g. -240 for New York in summer). */
export function tzOffsetMinutes(tz: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at / 1000) * 1000) / 60_000);
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (y, m0, d) of `at` in `tz`. */
function dateIn(tz: string, at: number): [number, number, number] {
  const local = new Date(at + tzOffsetMinutes(tz, at) * 60_000);
  return [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
}

/** The instant of the wall-clock time y-m0-d h:mi:s in `tz`. */
function instantIn(tz: string, y: number, m0: number, d: number, h: number, mi: number, s = 0): number {
  const guess = Date.UTC(y, m0, d, h, mi, s);
  // Two passes settle the offset across a DST change.
  let at = guess - tzOffsetMinutes(tz, guess) * 60_000;
  at = guess - tzOffsetMinutes(tz, at) * 60_000;
  return at;
}

/** The next time (after now, today or tomorrow) the clock in `tz` shows h:mi:s. */
function nextClock(tz: string, now: number, h: number, mi: number, s = 0): number {
  const [y, m0, d] = dateIn(tz, now);
  const today = instantIn(tz, y, m0, d, h, mi, s);
  return today > now ? today : instantIn(tz, y, m0, d + 1, h, mi, s);
}

function to24(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  const pm = ampm.toLowerCase() === 'pm';
  return (h % 12) + (pm ? 12 : 0);
}

/** A reset time from any known limit message, or undefined when none is recognised. */
export function parseResetTime(text: string, now: number, localTz = 'UTC'): number | undefined {
  // Legacy Claude: "Claude AI usage limit reached|1755772800".
  const epoch = /limit reached\|(\d{9,11})/i.exec(text);
  if (epoch) return Number(epoch[1]) * 1000;
  // Gemini: "Your quota will reset after 2h52m39s."
  const after = /reset after\s+((?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s)?)/i.exec(text);
  if (after && after[1]) {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(after[1])!;
    return now + ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  // Codex with a date: "try again at Aug 27th, 2026 8:00 PM."
  const dated = /try again at ([A-Za-z]{3})[a-z]* (\d{1,2})(?:st|nd|rd|th)?,? (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)?/i.exec(text);
  if (dated) {
    const m0 = MONTHS.indexOf(dated[1]!.toLowerCase());
    if (m0 >= 0) return instantIn(localTz, Number(dated[3]), m0, Number(dated[2]), to24(Number(dated[4]), dated[7]), Number(dated[5]), Number(dated[6] ?? 0));
  }
  // Codex: "try again at 3:28 PM." (the machine's local time)
  const at = /try again at (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)?/i.exec(text);
  if (at) return nextClock(localTz, now, to24(Number(at[1]), at[4]), Number(at[2]), Number(at[3] ?? 0));
  // Claude: "resets 8pm (America/New_York)", "resets 8:30pm", older "will reset at 4pm (Europe/Berlin)".
  const resets = /reset(?:s| at)\s+(\d{1,2})(?::(\d{2}))?\s*([ap]m)?\s*(?:\(([^)]+)\))?/i.exec(text);
  if (resets) {
    const tz = resets[4] && validZone(resets[4]) ? resets[4] : localTz;
    return nextClock(tz, now, to24(Number(resets[1]), resets[3]), Number(resets[2] ?? 0));
  }
  return undefined;
}

/** Is this text a usage-limit message (not a context or rate warning)? */
export function isLimitText(text: string): boolean {
  return /hit your (?:session |weekly |opus |sonnet |usage credit |usage )?limit|usage limit reached|exhausted your capacity|quota will reset|limit will reset/i.test(text);
}

/** parseResetTime, or now + 5 h when the time cannot be read. */
export function resetTimeOr5h(text: string, now: number, localTz?: string): number {
  return parseResetTime(text, now, localTz) ?? now + UNKNOWN_RESET_MS;
}
