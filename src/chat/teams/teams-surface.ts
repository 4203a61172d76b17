import type { Request, Response } from 'express';
import type { CaseInteractions } from '../../app/case-interactions.js';
import type { CardOfCase } from '../../app/case-card.js';
import type { CaseService } from '../../app/case-service.js';
import type { CommandRouter } from '../../app/commands.js';
import type { PeopleNames } from '../../app/people-directory.js';
import type { StormService } from '../../app/storms.js';
import type { PersonalQueue } from '../../app/personal-queue-model.js';
import type { Env } from '../../config/env.js';
import type { Actor } from '../../domain/actor.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ChannelReferences } from './channel-references.js';
import type { TeamsGateway } from './teams-gateway.js';

export interface TeamsDeps {
  env: Env;
  /** The Teams channel each skill group names (`groups[].teams.channel`), checked at start. */
  bindings: ReadonlyArray<{ group: string; channel: string }>;
  store: Store;
  cases: CaseService;
  interactions: CaseInteractions;
  commands: CommandRouter;
  /** A case's card as the outbox renders it: a clicked card is answered with it. */
  cardOf: CardOfCase;
  /** Storm mode, for the storm cards' buttons. */
  storms?: StormService | undefined;
  /** A person's queue (the same lists as Slack's App Home), for `my queue` and `approvals` in the personal chat. */
  queue?: ((person: Actor, now: Date) => Promise<PersonalQueue>) | undefined;
  /** Remembers the names people show in Teams, for metrics answers (Teams has no lookup without Graph). */
  names?: PeopleNames | undefined;
  clock: Clock;
  log: Logger;
}

/** Teams as the server mounts it: the handler for POST /api/messages and, when on, the gateway. */
export interface TeamsSurface {
  /** `authenticated`: Bot Framework tokens checked; `local-dev`: nothing checked; `off`: every request refused. */
  mode: 'authenticated' | 'local-dev' | 'off';
  /** Why Teams is off, in words for the operator. */
  reason?: string;
  gateway?: TeamsGateway;
  channels: ChannelReferences;
  handle(req: Request, res: Response): Promise<void>;
}

/** How Bot Framework requests are authenticated, decided from the environment alone. */
export type TeamsAuth = { mode: 'authenticated' | 'local-dev'; appId: string } | { mode: 'off'; reason: string };
