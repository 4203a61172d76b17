/**
 * The shell commands README.md shows: every line of its sh/bash/shell/console code blocks
 * (comments and a leading `$ ` removed, `a && b` split in two) and every inline code span
 * that starts with a command (npm, npx, earshot, node, cp, apt-get, .ci/run), outside code
 * blocks. Table cells escape `|` as `\|`; it is read back as `|`.
 */
const SHELL_BLOCKS = new Set(['sh', 'bash', 'shell', 'console']);
const COMMAND_WORDS = new Set(['npm', 'npx', 'earshot', 'node', 'cp', 'apt-get', '.ci/run']);

export interface ReadmeCommand {
  text: string;
  line: number;
}

export function readmeCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const open = /^```(\w*)/.exec(raw);
    if (open) {
      fence = fence === undefined ? open[1] ?? '' : undefined;
      return;
    }
    if (fence !== undefined) {
      if (!SHELL_BLOCKS.has(fence)) return;
      const cmd = raw.replace(/^\s*\$\s+/, '').replace(/\s+#.*$/, '').trim();
      if (cmd && !cmd.startsWith('#')) for (const part of cmd.split(/\s+&&\s+/)) out.push({ text: part.trim(), line });
      return;
    }
    for (const m of raw.matchAll(/`([^`]+)`/g)) {
      const text = m[1]!.replace(/\\\|/g, '|').trim();
      const first = text.split(/\s+/)[0]!;
      const word = /^[A-Z_]+=/.test(first) ? text.split(/\s+/).find((w) => !/^[A-Z_]+=/.test(w)) ?? '' : first;
      // A lone `earshot` is the name (the default namespace), not a command.
      if (COMMAND_WORDS.has(word) && text !== 'earshot') out.push({ text, line });
    }
  });
  return out;
}

/** Each distinct command once, with every line that shows it. */
export function distinctCommands(commands: readonly ReadmeCommand[]): Array<{ text: string; lines: number[] }> {
  const byText = new Map<string, number[]>();
  for (const c of commands) byText.set(c.text, [...(byText.get(c.text) ?? []), c.line]);
  return [...byText].map(([text, lines]) => ({ text, lines }));
}

/** A synopsis shows a command's shape (`<file>`, `[--port 3000]`) rather than a line to type. */
export const isSynopsis = (text: string): boolean => /<[^>]+>|\[[^\]]+\]/.test(text);

/**
 * The README writes `…` where the reader puts their own value. Each is replaced by a value
 * of the right form; a `…` with no known replacement is an error naming it.
 */
const PLACEHOLDERS: Record<string, string> = {
  MICROSOFT_APP_ID: '00000000-0000-4000-8000-00000000e45d',
  TEAMS_WEBSITE_URL: 'https://example.com/earshot',
};

export function fillPlaceholders(text: string): string {
  const filled = text.replace(/\b([A-Z_]+)=(\S*…\S*)/g, (whole, name: string) => {
    const value = PLACEHOLDERS[name];
    if (value === undefined) throw new Error(`the README command "${text}" has a placeholder for ${name} that the test has no value for: add one to PLACEHOLDERS`);
    return `${name}=${value}`;
  });
  if (filled.includes('…')) throw new Error(`the README command "${text}" has a placeholder the test cannot fill: ${filled}`);
  return filled;
}
