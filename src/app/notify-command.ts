import { parseNotify, personZone, type NotifyPreference } from '../cases/alerts.js';
import type { Config } from '../config/schema.js';
import type { AlertService } from './alerts.js';
import type { CommandRouter } from './commands.js';

/** The person's settings in words. */
function describe(pref: NotifyPreference, zone: string): string[] {
  if (pref.mode === 'off') return ['Personal alerts are off: Earshot sends you no direct messages about cases. Turn them back on with notify on.'];
  const quiet = pref.quiet
    ? `Quiet hours ${pref.quiet.from}-${pref.quiet.to} (${zone}): no new alerts then, except escalations.`
    : 'No quiet hours set (notify quiet 18:00-08:00 sets them).';
  return ['Personal alerts are on: Earshot sends you a direct message when a case is assigned to you, a draft waits for your approval, your draft is sent back, a case of yours nears its SLA or your claim lapses, and when a case is escalated to you.', quiet, 'Outside your working hours (availability in the config) and for cases you may not act on, no new alerts are sent.'];
}

/** `notify on|off|quiet 18:00-08:00|quiet off`: each person's own personal-alert settings. */
export function registerNotifyCommand(commands: CommandRouter, deps: { alerts: AlertService; config: Config }): void {
  commands.register({
    name: 'notify',
    usage: 'notify [on|off|quiet 18:00-08:00|quiet off]',
    permission: 'notify',
    description: 'Your personal alerts (direct messages from Earshot): on, off, or quiet hours',
    run: async (args, ctx) => {
      const ref = `${ctx.actor.platform}:${ctx.actor.id}`;
      const zone = personZone(deps.config, ref);
      const current = await deps.alerts.preference(ref);
      const parsed = parseNotify(args, current);
      if (!parsed.ok) return { title: 'Personal alerts', lines: [parsed.problem] };
      if (!parsed.pref) return { title: 'Personal alerts', lines: describe(current, zone) };
      await deps.alerts.setPreference(ref, parsed.pref);
      return { title: 'Personal alerts saved', lines: describe(parsed.pref, zone) };
    },
  });
}
