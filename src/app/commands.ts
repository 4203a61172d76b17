import { authorize, type AccessConfig, type Permission } from '../cases/permissions.js';
import type { Membership } from '../cases/policy.js';
import type { Actor } from '../domain/actor.js';
import type { SummaryLayout } from '../metrics/summary-layout.js';
import { membershipOf, type PeopleDirectory } from './people-directory.js';

/** What a command answers: plain text lines (renderers escape them) and optional charts. */
export interface CommandReply {
  title?: string;
  /** The whole answer as text: what a surface shows when it has no layout of its own for `summary`, and the notification text. */
  lines: string[];
  /**
   * The same answer, structured, for surfaces that lay it out (Slack Block Kit fields,
   * a Teams FactSet): the summary, then `footer` lines (who may see what, where the
   * charts are). Unescaped like `lines`.
   */
  summary?: { layout: SummaryLayout; footer: string[] } | undefined;
  images?: Array<{ title: string; png: Buffer; filename: string }>;
  /** Visible to the channel rather than only to the person who asked. */
  public?: boolean;
}

export interface CommandContext {
  actor: Actor;
  /** Where the command was typed (Slack channel id or Teams conversation id). */
  channel?: string | undefined;
  /**
   * Who will see the answer: `private` (Slack's ephemeral answer, a Teams 1:1 chat) or
   * `shared` (a Teams channel or group chat). Each surface says which; answers about one
   * person are given only in private (see PERMISSIONS).
   */
  audience: 'private' | 'shared';
  now: Date;
  /** Slack user-group membership of the asker, resolved by the router before the handler runs. */
  memberOf?: Membership | undefined;
  /** Commands only this surface answers (Teams' personal chat: `my queue`), listed by `help` after the router's. */
  surfaceCommands?: readonly { title: string; description: string }[] | undefined;
}

/** One subcommand of `/earshot` (Slack) and of the bot's command list (Teams). */
export interface CommandHandler {
  name: string;
  usage: string;
  description: string;
  /** The row of the authorization table that governs this command; checked before `run`. */
  permission: Permission;
  run(args: string[], ctx: CommandContext): Promise<CommandReply>;
}

export class CommandUnknownError extends Error {
  readonly code = 'COMMAND_UNKNOWN';
  constructor(readonly command: string, known: string[]) {
    super(`Unknown command "${command}". Try: ${known.join(', ')}.`);
    this.name = 'CommandUnknownError';
  }
}

/** Splits command text into words, keeping "quoted phrases" together. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

/** One router for every chat surface: the same words do the same thing everywhere. */
export class CommandRouter {
  private readonly handlers = new Map<string, CommandHandler>();
  private directory: PeopleDirectory | undefined;

  constructor(private readonly access: AccessConfig) {
    this.register({
      name: 'help',
      usage: 'help',
      description: 'What Earshot can do here',
      permission: 'help',
      run: async (_args, ctx) => ({
        title: 'Earshot commands',
        lines: [
          ...[...this.handlers.values()].map((h) => `${h.usage} — ${h.description}`),
          ...(ctx.surfaceCommands ?? []).map((c) => `${c.title} — ${c.description}`),
        ],
      }),
    });
  }

  /** Slack user groups named in the policy are resolved through this (set once Slack is up). */
  useDirectory(directory: PeopleDirectory): void {
    this.directory = directory;
  }

  register(handler: CommandHandler): this {
    this.handlers.set(handler.name, handler);
    return this;
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  list(): CommandHandler[] {
    return [...this.handlers.values()];
  }

  async run(text: string, ctx: CommandContext): Promise<CommandReply> {
    const [name = 'help', ...args] = splitArgs(text.trim());
    const handler = this.handlers.get(name.toLowerCase());
    if (!handler) throw new CommandUnknownError(name, this.names());
    const memberOf = ctx.memberOf ?? (await membershipOf(this.directory, [ctx.actor]));
    const refusal = authorize(this.access, handler.permission, { actor: ctx.actor, audience: ctx.audience, memberOf });
    if (refusal) return { lines: [refusal.message] };
    return handler.run(args, { ...ctx, memberOf });
  }
}
