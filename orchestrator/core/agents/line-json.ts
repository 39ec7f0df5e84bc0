/** Helpers the stream parsers share: lenient JSON, field access, a tool call's target. */
import { relative, isAbsolute } from 'node:path';

export type Json = Record<string, unknown>;

/** The object on this line, or undefined (not JSON, or JSON but not an object). */
export function jsonObject(line: string): Json | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Text of a tool result's content: a string, or a list of text blocks. */
export function contentText(v: unknown): string {
  if (typeof v === 'string') return v;
  return arr(v).map((b) => str(obj(b).text) ?? '').filter(Boolean).join('\n');
}

/** What a tool call acts on, as a person would name it: the file (relative to cwd), the command, the pattern. */
export function toolTarget(input: unknown, cwd?: string): string {
  const i = obj(input);
  const file = str(i.file_path) ?? str(i.path) ?? str(i.notebook_path) ?? str(i.absolute_path);
  if (file) return cwd && isAbsolute(file) && !relative(cwd, file).startsWith('..') ? relative(cwd, file) || '.' : file;
  const direct = str(i.command) ?? str(i.pattern) ?? str(i.url) ?? str(i.query) ?? str(i.description);
  if (direct) return oneLine(direct);
  const first = Object.values(i).find((v) => typeof v === 'string');
  return first ? oneLine(first as string) : '';
}

export function oneLine(s: string, max = 80): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
