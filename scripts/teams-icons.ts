/**
 * Draws the Teams app icons from SVG (resvg) into manifests/teams/:
 * color.png, 192×192 full colour, and outline.png, 32×32 white on transparent, as the
 * manifest schema asks. The PNGs are committed; run `npx tsx scripts/teams-icons.ts`
 * after changing the drawings.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { repoRoot, runsAsScript } from './repo-root.js';

/** A speech bubble with two sound waves: Earshot hears what is said about you. */
const COLOR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192">
  <rect width="192" height="192" rx="36" fill="#1D3557"/>
  <path d="M40 52h72a16 16 0 0 1 16 16v40a16 16 0 0 1-16 16H78l-24 22v-22H40a16 16 0 0 1-16-16V68a16 16 0 0 1 16-16z" fill="#F1FAEE"/>
  <path d="M144 70a32 32 0 0 1 0 36" stroke="#E63946" stroke-width="9" fill="none" stroke-linecap="round"/>
  <path d="M160 56a52 52 0 0 1 0 64" stroke="#A8DADC" stroke-width="9" fill="none" stroke-linecap="round"/>
</svg>`;

const OUTLINE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
  <path d="M6 8h13a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3h-6l-4 4v-4H6a3 3 0 0 1-3-3v-7a3 3 0 0 1 3-3z" stroke="#FFFFFF" stroke-width="2" fill="none" stroke-linejoin="round"/>
  <path d="M25 11a6 6 0 0 1 0 8" stroke="#FFFFFF" stroke-width="2" fill="none" stroke-linecap="round"/>
  <path d="M28 8a10 10 0 0 1 0 14" stroke="#FFFFFF" stroke-width="2" fill="none" stroke-linecap="round"/>
</svg>`;

/** Renders both icons; returns where they were written. */
export function renderTeamsIcons(dir = join(repoRoot(), 'manifests', 'teams')): string[] {
  const out: string[] = [];
  for (const [name, svg] of [['color.png', COLOR_SVG], ['outline.png', OUTLINE_SVG]] as const) {
    const png = new Resvg(svg, { background: 'rgba(0,0,0,0)' }).render().asPng();
    const file = join(dir, name);
    writeFileSync(file, png);
    out.push(file);
  }
  return out;
}

if (runsAsScript(import.meta.url)) {
  for (const f of renderTeamsIcons()) process.stdout.write(`wrote ${f}\n`);
}
