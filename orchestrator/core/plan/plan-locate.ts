/**
 * Where a plan problem is: file, line:column, task or agent, field. Positions come from the YAML
 * document (JSON parses as YAML, so JSON plans get them too); the task id and agent name are read
 * from the document itself so that syntax errors, which have no parsed value, are placed as well.
 */
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import type { PlanProblem } from '../errors.js';
import { yamlReader } from './yaml-reader.js';

export type Path = ReadonlyArray<PropertyKey>;

/** `needs[1]`, `env.KEY`: how a field path reads in a message. */
export function fieldName(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${String(s)}`)).join('');
}

export class Locator {
  constructor(private doc: Document, private lines: LineCounter, readonly file: string) {}

  /**
   * A problem at a document path. When the path does not exist (a missing field), the problem
   * is placed on the nearest node that does; `onKey` points at a key rather than its value.
   */
  at(path: Path, message: string, onKey = false): PlanProblem {
    const offset = this.offset(path, onKey);
    return { ...this.where(offset), ...this.context(path), message };
  }

  /** A problem at a byte offset (YAML syntax errors), with the task/field around it if any. */
  atOffset(offset: number, message: string): PlanProblem {
    return { ...this.where(offset), ...this.context(this.pathAt(offset)), message };
  }

  /** Line of the node at `path`, for messages such as "first defined at line 4". */
  lineOf(path: Path): number | undefined {
    const offset = this.offset(path, false);
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  /** Offset where the quoted scalar spanning `offset` opens (for an unclosed quote). */
  openingQuote(offset: number): number | undefined {
    let found: number | undefined;
    const { visit } = yamlReader();
    visit(this.doc, {
      Scalar(_key, node) {
        const r = node.range;
        if (r && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r[0] < offset && offset <= r[2]) {
          found = r[0];
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }

  private where(offset: number | undefined): Pick<PlanProblem, 'file' | 'line' | 'col'> {
    return offset === undefined ? { file: this.file } : { file: this.file, ...this.lines.linePos(offset) };
  }

  private context(path: Path): Pick<PlanProblem, 'task' | 'agent' | 'field'> {
    const [top, i, ...rest] = path;
    if ((top === 'tasks' || top === 'agents') && typeof i === 'number') {
      const label = this.scalarAt([top, i, top === 'tasks' ? 'id' : 'name']) ?? `#${i + 1}`;
      const who = top === 'tasks' ? { task: label } : { agent: label };
      return rest.length ? { ...who, field: fieldName(rest) } : who;
    }
    return path.length ? { field: fieldName(path) } : {};
  }

  private scalarAt(path: Path): string | undefined {
    const v = this.doc.getIn(path as PropertyKey[]);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  }

  private offset(path: Path, onKey: boolean): number | undefined {
    const { isMap, isScalar, isSeq } = yamlReader();
    let node: unknown = this.doc.contents;
    let keyNode: YamlNode | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => String(isScalar(it.key) ? it.key.value : it.key) === String(seg));
        if (!pair) break;
        keyNode = pair.key as YamlNode;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        keyNode = undefined;
        node = node.items[seg];
      } else break;
    }
    const target = (onKey && keyNode) || (node as YamlNode | null | undefined);
    return target?.range?.[0];
  }

  /** The path of the deepest map/sequence entry whose key or value spans `offset`. */
  private pathAt(offset: number): PropertyKey[] {
    const path: PropertyKey[] = [];
    const spans = (n: unknown) => {
      const r = (n as YamlNode | null)?.range;
      return !!r && r[0] <= offset && offset <= r[2];
    };
    const { isMap, isScalar, isSeq } = yamlReader();
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((it) => spans(it.key) || spans(it.value));
        if (!pair || !isScalar(pair.key)) return path;
        path.push(String(pair.key.value));
        node = pair.value;
      } else if (isSeq(node)) {
        const i = node.items.findIndex(spans);
        if (i < 0) return path;
        path.push(i);
        node = node.items[i];
      } else return path;
    }
  }
}
