/**
 * The sandbox's sample mentions, written for this project (every person, account and number
 * in them is made up). They address Larkspur's airline, bank and mobile network and cover
 * what a care team meets: complaints, questions, praise, a post with a card number, a threat
 * to go to the ombudsman, spam, a post in Spanish, and a small viral burst when the mobile
 * network goes down. `at` spreads them over about two minutes so cards keep arriving.
 */

/** One post the replayer adds to the sandbox's X. */
export interface SampleMention {
  /** A stable name, used by reposts to point at the post they repeat. */
  key: string;
  /** Seconds after the sandbox starts. */
  at: number;
  author: { username: string; name: string; followers: number; verified?: boolean };
  text: string;
  lang?: string;
  /** The key of the sample this one reposts (heard, then dropped by screening). */
  repostOf?: string;
}

const person = (username: string, name: string, followers: number, verified = false) => ({ username, name, followers, verified });

const maya = person('maya_travels', 'Maya Lindqvist', 48_200, true);
const tomasz = person('tomasz_rides', 'Tomasz Kowal', 312);
const priya = person('priya_codes', 'Priya Raman', 1_870);
const dev = person('devon_h', 'Devon Hale', 96);
const grace = person('grace_in_leeds', 'Grace Whitfield', 540);
const omar = person('omar_builds', 'Omar Haddad', 2_310);
const lucia = person('lucia_viaja', 'Lucía Ferrer', 733);
const kim = person('kimchi_kim', 'Kim Park', 4_120);
const ben = person('ben_mcr', 'Ben Ashworth', 205);
const ana = person('ana_salford', 'Ana Costa', 1_044);
const ollie = person('ollie_m1', 'Ollie Grant', 88);
const jess = person('jess_works_here', 'Jess Nwosu', 15_600, true);
const spam = person('free_crypto_4u', 'FREE BTC', 3);

/** Every sample, in the order it arrives. */
export const sampleMentions: readonly SampleMention[] = [
  { key: 'delay', at: 0, author: maya, text: '@larkspurair Flight LK218 delayed 3 hours and still no update at gate B12. Two tired kids and no food vouchers. Not good enough.' },
  { key: 'app-logout', at: 1, author: priya, text: '@larkspurbank your app logs me out every time I open the savings tab. iPhone 15, latest update. Anyone else?' },
  { key: 'roaming', at: 2, author: tomasz, text: '@larkspurmobile is there a roaming pass for Canada? Travelling next week and your site just loops me back to the plans page.' },
  { key: 'card', at: 14, author: dev, text: '@larkspurbank my card keeps getting declined at every shop today. Card number 4111 1111 1111 1111 exp 09/27, can you check what is wrong??' },
  { key: 'bag', at: 24, author: grace, text: '@larkspurair my suitcase never made it to Oslo. Day two in the same clothes. File ref OSL-4471, nobody answers the phone.' },
  { key: 'praise', at: 34, author: kim, text: 'Shout out to the cabin crew on @larkspurair LK77 tonight: they found the teddy my daughter left on board and made her whole week. Thank you!' },
  { key: 'spam', at: 40, author: spam, text: '@larkspurbank CRYPTO GIVEAWAY!!! send 0.1 BTC, get 1 BTC back, free followers too' },
  { key: 'ombudsman', at: 48, author: omar, text: '@larkspurbank nine days and my transfer is still "processing". If it is not back by Friday I am taking this to the ombudsman.' },
  { key: 'spanish', at: 56, author: lucia, text: '@larkspurair mi maleta no llegó a Madrid y nadie me dice nada. ¿Qué hago?', lang: 'es' },
  { key: 'bill', at: 64, author: ben, text: '@larkspurmobile my bill went up £12 this month and nobody told me why. Can someone explain?' },
  // The viral burst: the network drops in Manchester and many people say so at once.
  { key: 'outage-1', at: 74, author: jess, text: '@larkspurmobile no signal in Manchester since 8am?? Whole office is offline and we have a launch today.' },
  { key: 'outage-2', at: 75, author: ana, text: '@larkspurmobile is the network down? No service at all in Salford' },
  { key: 'outage-rt', at: 76, author: ollie, text: 'RT @jess_works_here: @larkspurmobile no signal in Manchester since 8am?? Whole office is offline and we have a launch today.', repostOf: 'outage-1' },
  { key: 'outage-3', at: 77, author: ollie, text: '@larkspurmobile outage?? can\'t call anyone, M1 postcode' },
  { key: 'outage-4', at: 78, author: ben, text: '@larkspurmobile no service here either. Is anyone looking at this?' },
  { key: 'branch', at: 96, author: grace, text: 'Honestly the @larkspurbank branch team in Leeds were brilliant today, sorted my mortgage paperwork in twenty minutes. Great service.' },
  { key: 'upgrade', at: 110, author: priya, text: '@larkspurmobile how much is an upgrade to the unlimited plan if I keep my number? Thinking of switching from Orbit.' },
];
