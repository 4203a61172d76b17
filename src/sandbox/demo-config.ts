/**
 * The sandbox's built-in configuration: Larkspur, a made-up group with an airline, a bank and
 * a mobile network, each answered by its own skill group, sharing one care account on X.
 *
 * It is kept as YAML, parsed by the same loader as `earshot.yaml`, so `earshot demo
 * --print-config` shows a newcomer a real, valid configuration file to start from.
 */
import { parseConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';

/** A person in the sandbox workspace. */
export interface SandboxPerson {
  id: string;
  /** The Slack username (what the bot shows once it has asked users.info). */
  name: string;
  realName: string;
  role: string;
}

/** The two people a newcomer can switch between: one who drafts, one who approves. */
export const DEMO_PEOPLE: readonly SandboxPerson[] = [
  { id: 'U0AGENT001', name: 'alice', realName: 'Alice Moreno', role: 'Agent' },
  { id: 'U0LEAD0001', name: 'lea', realName: 'Lea Okafor', role: 'Approver' },
];

/** The care account replies are posted from. */
export const DEMO_X_ACCOUNT = { id: '1500000000000000042', username: 'larkspur', name: 'Larkspur Care' } as const;

/** The workspace's channels, one per skill group (names as they appear in the sidebar). */
export const DEMO_CHANNELS: Readonly<Record<string, { name: string }>> = {
  C0AIRLINE1: { name: 'air-care' },
  C0BANK0001: { name: 'bank-care' },
  C0MOBILE01: { name: 'mobile-care' },
};

/** The configuration text, exactly as it would sit in earshot.yaml. */
export const DEMO_CONFIG_YAML = `# Earshot sandbox configuration (built in; print it with: earshot demo --print-config).
# Larkspur is made up: an airline, a bank and a mobile network sharing one care team.
brand:
  name: Larkspur
  handles:
    x: [larkspur, larkspurair, larkspurbank, larkspurmobile]
  # Flight numbers are public: never treated as personal data.
  publicNumberPatterns: ['\\bLK\\d{2,4}\\b']

sources:
  - name: x-mentions
    network: x
    queries: ['@larkspurair OR @larkspurbank OR @larkspurmobile']
    interval: 5s
    maxPages: 2
    budget: { perWindow: 450, window: 15m }
    # Move to DM sends an X direct message, and the customer's DMs join their case.
    options: { private: true }

groups:
  - { id: air, name: Larkspur Air, slack: { channel: C0AIRLINE1 } }
  - { id: bank, name: Larkspur Bank, slack: { channel: C0BANK0001 } }
  # Each new mobile case is suggested to Alice, who is told in a direct message.
  - id: mobile
    name: Larkspur Mobile
    slack: { channel: C0MOBILE01 }
    assign: { mode: suggest, members: ['slack:U0AGENT001'], maxOpen: 25 }

lists:
  vip: ['@maya_travels']

# Rules run in order; the first one with a route picks the group. Every rule that fires
# is listed on the card with why it fired.
routing:
  fallback: air
  rules:
    - name: spam
      when: { keywords: [giveaway, airdrop, free followers] }
      then: { drop: true }
      final: true
    - name: card-number
      when: { regex: '\\b(?:\\d[ -]?){12,18}\\d\\b' }
      then: { priority: urgent, tag: [card-number] }
    - name: legal-threat
      when: { keywords: [ombudsman, lawyer, solicitor, regulator, sue] }
      then: { priority: urgent, tag: [legal] }
    - name: vip
      when: { author: { vip: true } }
      then: { priority: high, tag: [vip] }
    - name: network-outage
      when: { query: 'outage OR "no signal" OR "no service" OR "network down" OR "network is down"' }
      then: { route: mobile, priority: high, tag: [outage] }
    - name: praise
      when: { intent: [praise] }
      then: { priority: low, tag: [kudos] }
    - { name: airline, when: { keywords: ['@larkspurair'] }, then: { route: air } }
    - { name: bank, when: { keywords: ['@larkspurbank'] }, then: { route: bank } }
    - { name: mobile, when: { keywords: ['@larkspurmobile'] }, then: { route: mobile } }

policy:
  approvers: [slack:U0LEAD0001]
  requireApproval: true
  allowSelfApproval: false
  bannedPhrases: [guarantee, '100%']
  linkAllowlist: [larkspur.example]

# The draft modal is prefilled with the best match for the case.
templates:
  - id: air-disruption
    name: Flight disruption
    groups: [air]
    keywords: [delay, delayed, cancelled, gate, rebook]
    text: "Hi {{author.name}}, we're sorry about the disruption. Please DM us your booking reference and we'll look at your options right away."
  - id: air-bags
    name: Baggage
    groups: [air]
    keywords: [bag, suitcase, luggage, baggage]
    text: "Hi {{author.name}}, sorry your bag hasn't reached you. DM us your file reference and we'll chase it with the airport today."
  - id: bank-help
    name: Banking help
    groups: [bank]
    text: "Hi {{author.name}}, thanks for flagging this. Please DM us and we'll look into your account securely."
  - id: private
    name: Move to DM (personal data)
    private: true
    keywords: [card]
    text: "Hi {{author.name}}, please never share card details publicly. Send us a DM and we'll help you there."
  - id: mobile-outage
    name: Network outage
    groups: [mobile]
    keywords: [signal, outage, service, down]
    text: "Hi {{author.name}}, we're aware of a network problem in your area and engineers are on it. Updates: https://status.larkspur.example"
  - id: thanks
    name: Thank you
    intents: [praise]
    text: "Thank you {{author.name}}! We'll pass this on to the team."
  - id: general
    name: General
    text: "Hi {{author.name}}, thanks for getting in touch. We're looking into it now."

# Customers' direct messages are read every 5 seconds (the default is a minute).
privateChannel:
  pollEvery: 5s

slack:
  mode: http
`;

/** The built-in configuration, validated like any configuration file. */
export function demoConfig(): Config {
  return parseConfig(DEMO_CONFIG_YAML, 'the built-in sandbox configuration');
}
