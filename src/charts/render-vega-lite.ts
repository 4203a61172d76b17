import { renderAsync } from '@resvg/resvg-js';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Rendering a chart failed; the text summary can still be sent without it. */
export class ChartRenderError extends Error {
  readonly code = 'CHART_RENDER_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChartRenderError';
  }
}

/**
 * Fonts the charts ask for, best first. resvg loads the system's fonts and takes the
 * first family it has; with none of them installed it falls back to any sans-serif it
 * finds, and with no fonts at all it draws the chart without text rather than failing.
 */
export const CHART_FONTS = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

export interface RenderOptions {
  /** Pixel density: 2 gives crisp images on high-density screens (default 2). */
  scale?: number | undefined;
}

/**
 * Renders a Vega-Lite spec to PNG without a browser or a canvas: Vega-Lite compiles to
 * Vega, a headless Vega View writes SVG, and resvg (Rust, no system libraries) rasterises
 * it. Specs must carry their data inline: no loader is used.
 */
export async function renderVegaLite(spec: TopLevelSpec, opts: RenderOptions = {}): Promise<Buffer> {
  let svg: string;
  let view: View | undefined;
  try {
    const vgSpec = compile(spec).spec;
    view = new View(parseVega(vgSpec), { renderer: 'none' });
    svg = await view.toSVG();
  } catch (e) {
    throw new ChartRenderError(`could not lay out the chart: ${(e as Error).message}`, { cause: e });
  } finally {
    view?.finalize();
  }
  try {
    // renderAsync rasterises on libuv's thread pool: the event loop stays free to ack
    // chat requests while a chart is drawn.
    const image = await renderAsync(svg, {
      fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
      // The SVG names CHART_FONTS; resvg takes the first one installed, else any font it has.
      font: { loadSystemFonts: true },
      background: 'white',
    });
    return image.asPng();
  } catch (e) {
    throw new ChartRenderError(`could not rasterise the chart: ${(e as Error).message}`, { cause: e });
  }
}
