import { matchAnyPhrase, matchPhrase } from './match-phrase.js';

/**
 * Boolean queries for rules: words, "quoted phrases", AND, OR, NOT and parentheses.
 * Juxtaposition means AND (`lost bag OR luggage` = `(lost AND bag) OR luggage`), the
 * way search boxes read it. Precedence: NOT > AND > OR. A leading `-` also negates
 * (`refund -thanks`). Operators must be upper case so that "or" and "not" as words in
 * a phrase keep working.
 */
export type QueryNode =
  | { kind: 'term'; text: string }
  | { kind: 'not'; node: QueryNode }
  | { kind: 'and'; nodes: QueryNode[] }
  | { kind: 'or'; nodes: QueryNode[] };

export class QuerySyntaxError extends Error {
  readonly code = 'QUERY_SYNTAX';
  constructor(readonly query: string, readonly position: number, detail: string) {
    super(`query ${JSON.stringify(query)}: ${detail} at character ${position + 1}`);
    this.name = 'QuerySyntaxError';
  }
}

type Token =
  | { t: 'term'; text: string; pos: number }
  | { t: 'and' | 'or' | 'not' | '(' | ')' | '-'; pos: number };

function lex(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/u.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c, pos: i }); i++; continue; }
    if (c === '"' || c === '“' || c === '”') {
      const close = query.slice(i + 1).search(/["“”]/u);
      if (close < 0) throw new QuerySyntaxError(query, i, 'unclosed quote');
      const text = query.slice(i + 1, i + 1 + close).trim();
      if (!text) throw new QuerySyntaxError(query, i, 'empty phrase');
      out.push({ t: 'term', text, pos: i });
      i += close + 2;
      continue;
    }
    if (c === '-' && i + 1 < query.length && !/\s/u.test(query[i + 1]!)) {
      out.push({ t: '-', pos: i });
      i++;
      continue;
    }
    let j = i;
    while (j < query.length && !/[\s()"“”]/u.test(query[j]!)) j++;
    const word = query.slice(i, j);
    if (word === 'AND' || word === '&&') out.push({ t: 'and', pos: i });
    else if (word === 'OR' || word === '||') out.push({ t: 'or', pos: i });
    else if (word === 'NOT') out.push({ t: 'not', pos: i });
    else out.push({ t: 'term', text: word, pos: i });
    i = j;
  }
  return out;
}

/** Parses a query into a tree, or throws `QuerySyntaxError` saying where it went wrong. */
export function parseQuery(query: string): QueryNode {
  const toks = lex(query);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const fail = (detail: string): never => {
    throw new QuerySyntaxError(query, peek()?.pos ?? query.length, detail);
  };
  const parseOr = (): QueryNode => {
    const nodes = [parseAnd()];
    while (peek()?.t === 'or') { p++; nodes.push(parseAnd()); }
    return nodes.length === 1 ? nodes[0]! : { kind: 'or', nodes };
  };
  const parseAnd = (): QueryNode => {
    const nodes = [parseUnary()];
    for (;;) {
      const t = peek();
      if (!t || t.t === 'or' || t.t === ')') break;
      if (t.t === 'and') p++;
      nodes.push(parseUnary());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes };
  };
  const parseUnary = (): QueryNode => {
    const t = peek();
    if (!t) return fail('expected a word, a "phrase" or "("');
    if (t.t === 'not' || t.t === '-') { p++; return { kind: 'not', node: parseUnary() }; }
    if (t.t === '(') {
      p++;
      const inner = parseOr();
      if (peek()?.t !== ')') fail('missing ")"');
      p++;
      return inner;
    }
    if (t.t === 'term') { p++; return { kind: 'term', text: t.text }; }
    return fail(`unexpected ${t.t === ')' ? '")"' : t.t.toUpperCase()}`);
  };
  if (toks.length === 0) throw new QuerySyntaxError(query, 0, 'empty query');
  const tree = parseOr();
  if (p < toks.length) fail('unexpected ")"');
  return tree;
}

/** The result of matching a query: whether it holds and the terms that made it hold. */
export interface QueryMatch {
  matched: boolean;
  /** Terms found in the text (as written there) that support the match. */
  found: string[];
}

const orTerms = new WeakMap<QueryNode, string[] | null>();

/** The words of an OR whose children are all words (kept per node, so one array per query). */
function termsOf(node: Extract<QueryNode, { kind: 'or' }>): string[] | undefined {
  let t = orTerms.get(node);
  if (t === undefined) {
    t = node.nodes.every((n) => n.kind === 'term') ? node.nodes.map((n) => (n as Extract<QueryNode, { kind: 'term' }>).text) : null;
    orTerms.set(node, t);
  }
  return t ?? undefined;
}

/** Evaluates a parsed query against a text, whole-word and case-insensitively. */
export function matchQuery(node: QueryNode, text: string): QueryMatch {
  switch (node.kind) {
    case 'term': {
      const m = matchPhrase(text, node.text);
      return m === undefined ? { matched: false, found: [] } : { matched: true, found: [m] };
    }
    case 'not': {
      const inner = matchQuery(node.node, text);
      return { matched: !inner.matched, found: [] };
    }
    case 'and': {
      const found: string[] = [];
      for (const n of node.nodes) {
        const r = matchQuery(n, text);
        if (!r.matched) return { matched: false, found: [] };
        found.push(...r.found);
      }
      return { matched: true, found };
    }
    case 'or': {
      // An OR of plain terms is one combined pattern: one scan of the text, not one per term.
      const terms = termsOf(node);
      if (terms) {
        const m = matchAnyPhrase(text, terms);
        return m === undefined ? { matched: false, found: [] } : { matched: true, found: [m] };
      }
      for (const n of node.nodes) {
        const r = matchQuery(n, text);
        if (r.matched) return r;
      }
      return { matched: false, found: [] };
    }
  }
}
