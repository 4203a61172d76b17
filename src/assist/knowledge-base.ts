import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { KnowledgePassage } from './assist-index.js';

/** A knowledge-base pattern that cannot be read; names the pattern and what to fix. */
export class KnowledgeBaseError extends Error {
  readonly code = 'knowledge_base_unreadable';
  constructor(message: string) {
    super(message);
    this.name = 'KnowledgeBaseError';
  }
}

const PASSAGE_MAX = 1200;

/**
 * Reads the knowledge base (`assist.knowledge`): each pattern is a folder and a file-name
 * pattern (`./kb/*.md`; `*` and `?` in the name only), relative to `baseDir`. Each file is
 * cut into passages at its headings, long sections again at blank lines, so retrieval
 * returns the part that answers rather than a whole file.
 */
export function loadKnowledgeBase(patterns: readonly string[], baseDir: string): KnowledgePassage[] {
  const out: KnowledgePassage[] = [];
  for (const pattern of patterns) {
    if (pattern.includes('**') || /[*?]/.test(dirname(pattern))) {
      throw new KnowledgeBaseError(`assist.knowledge: "${pattern}" has a wildcard in a folder name; put the wildcard in the file name only, like ./kb/*.md`);
    }
    const dir = resolve(baseDir, dirname(pattern));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new KnowledgeBaseError(`assist.knowledge: the folder of "${pattern}" (${relative(baseDir, dir) || '.'}) cannot be read; create it or fix the path`);
    }
    const match = globToRegExp(basename(pattern));
    for (const name of names.filter((n) => match.test(n)).sort()) {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      const file = relative(baseDir, path).split('\\').join('/');
      for (const text of passages(readFileSync(path, 'utf8'))) out.push({ file, text });
    }
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Sections at Markdown headings; a long section split at blank lines into pieces of at most PASSAGE_MAX characters. */
export function passages(markdown: string): string[] {
  const sections = markdown.replace(/\r\n?/g, '\n').split(/\n(?=#{1,6}\s)/);
  const out: string[] = [];
  for (const section of sections) {
    let piece = '';
    for (const para of section.split(/\n{2,}/)) {
      if (piece && piece.length + para.length + 2 > PASSAGE_MAX) {
        out.push(piece.trim());
        piece = '';
      }
      piece += (piece ? '\n\n' : '') + para.slice(0, PASSAGE_MAX);
    }
    if (piece.trim()) out.push(piece.trim());
  }
  return out.filter((p) => p.length > 0);
}
