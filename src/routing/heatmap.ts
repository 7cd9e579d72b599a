// The expert-routing page: heatmaps (MoE layers x routed experts) of how often each expert was selected, as static
// SVG built on the extension side from numbers only (every text that reaches the page is escaped). No vscode import:
// the page is a pure function of the engine's stats and the model's routing profile, and is tested as one.
import type { RoutingProfile } from '../../engine/protocol';
import { webviewDocument } from '../util/webview-document';

export interface HeatmapInput {
  title: string;
  /** [moeLayer][expert] */
  values: number[][];
  /** decoder-layer index of each row */
  layers: number[];
  /** how a cell's value reads in its tooltip, e.g. "12 tokens" */
  unit: (v: number) => string;
  /** [moeLayer] expert ids to outline (the experts the request's domain profile favours) */
  outlined?: Set<number>[];
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const CELL = 18;
const GAP = 2;
const LEFT = 64;
const TOP = 22;

/** Fraction of (layer, expert) cells with a non-zero value. */
export function touchedFraction(values: number[][]): number {
  const cells = values.flat();
  return cells.length === 0 ? 0 : cells.filter((v) => v > 0).length / cells.length;
}

/** One heatmap as an SVG element. Intensity is linear in the value, relative to the largest cell of the map. */
export function heatmapSvg(h: HeatmapInput): string {
  const experts = Math.max(0, ...h.values.map((r) => r.length));
  const max = Math.max(0, ...h.values.flat());
  const width = LEFT + experts * (CELL + GAP);
  const height = TOP + h.values.length * (CELL + GAP) + 4;
  const parts: string[] = [];
  parts.push(
    `<svg class="heatmap" role="img" aria-label="${escapeHtml(h.title)}" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
  );
  for (let e = 0; e < experts; e++) {
    if (experts <= 32 || e % 4 === 0) {
      parts.push(
        `<text class="axis" x="${LEFT + e * (CELL + GAP) + CELL / 2}" y="14" text-anchor="middle">${e}</text>`,
      );
    }
  }
  h.values.forEach((row, l) => {
    const y = TOP + l * (CELL + GAP);
    parts.push(
      `<text class="axis" x="${LEFT - 6}" y="${y + CELL - 5}" text-anchor="end">layer ${h.layers[l] ?? l}</text>`,
    );
    row.forEach((v, e) => {
      const x = LEFT + e * (CELL + GAP);
      const level = max > 0 ? v / max : 0;
      const cls = v > 0 ? 'cell' : 'cell cold';
      const outline = h.outlined?.[l]?.has(e) ? ' favoured' : '';
      const tip = `layer ${h.layers[l] ?? l}, expert ${e}: ${h.unit(v)}${outline ? ' (favoured by the profile)' : ''}`;
      parts.push(
        `<rect class="${cls}${outline}" x="${x}" y="${y}" width="${CELL}" height="${CELL}" rx="2" ` +
          `fill-opacity="${v > 0 ? (0.15 + 0.85 * level).toFixed(3) : '1'}"><title>${escapeHtml(tip)}</title></rect>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** What the page shows: the engine's last generation and, when the model has one, its routing profile. */
export interface RoutingPage {
  modelName?: string;
  /** GenerationStats of the last completion or chat reply */
  last?: {
    expertCounts?: number[][];
    domain?: string;
    promptTokens: number;
    generatedTokens: number;
  };
  /** first decoder layer that is MoE (the dense ones come first) */
  firstMoeLayer: number;
  profile?: {
    /** per domain, [moeLayer][expert] selection frequency on the calibration text */
    frequency: Record<string, number[][]>;
    /** per biased domain, [moeLayer][expert] bias at strength 1 */
    bias: Record<string, number[][]>;
    defaultStrength: number;
  };
  /** why there is no profile, when there is none */
  profileNote?: string;
}

const STYLE = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px 16px; }
h1 { font-size: 1.3em; font-weight: 600; } h2 { font-size: 1.05em; font-weight: 600; margin-top: 1.6em; }
.summary { color: var(--vscode-descriptionForeground); }
.heatmap .axis { fill: var(--vscode-descriptionForeground); font-size: 10px; font-family: var(--vscode-editor-font-family); }
.heatmap .cell { fill: var(--vscode-charts-blue, #3794ff); }
.heatmap .cell.cold { fill: transparent; stroke: var(--vscode-panel-border, #8884); }
.heatmap .favoured { stroke: var(--vscode-charts-orange, #d18616); stroke-width: 2; }
.profiles { display: flex; flex-wrap: wrap; gap: 24px; }
figure { margin: 0; } figcaption { margin-bottom: 4px; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
.empty { color: var(--vscode-descriptionForeground); font-style: italic; }
`;

function favouredSets(bias: number[][] | undefined): Set<number>[] | undefined {
  return bias?.map((row) => new Set(row.flatMap((b, e) => (b > 0 ? [e] : []))));
}

/** The whole webview document. `nonce` guards the one style block and the one script; `cspSource` is unused media. */
export function routingHtml(page: RoutingPage, nonce: string): string {
  const layersOf = (rows: number) => Array.from({ length: rows }, (_, i) => page.firstMoeLayer + i);
  const body: string[] = [];
  body.push(`<h1>Expert routing${page.modelName ? ` — ${escapeHtml(page.modelName)}` : ''}</h1>`);
  body.push('<p><button id="refresh" type="button">Refresh</button></p>');
  const counts = page.last?.expertCounts;
  if (!page.last || !counts || counts.length === 0) {
    body.push('<p class="empty">No completion or chat reply yet: ask for one, then refresh.</p>');
  } else {
    const touched = touchedFraction(counts);
    const domain = page.last.domain ?? 'unknown';
    const favoured = favouredSets(page.profile?.bias[domain]);
    body.push(
      `<p class="summary">Last reply: domain <b>${escapeHtml(domain)}</b>, ${page.last.promptTokens} prompt + ` +
        `${page.last.generatedTokens} generated tokens; <b>${(100 * touched).toFixed(1)}%</b> of the experts touched ` +
        `(${counts.flat().filter((c) => c > 0).length} of ${counts.flat().length}).` +
        `${favoured ? ' Outlined: experts the domain profile favours.' : ''}</p>`,
    );
    body.push(
      heatmapSvg({
        title: 'Selections in the last reply',
        values: counts,
        layers: layersOf(counts.length),
        unit: (v) => `${v} token${v === 1 ? '' : 's'}`,
        outlined: favoured,
      }),
    );
  }
  body.push('<h2>Domain profiles (calibration)</h2>');
  if (!page.profile) {
    body.push(`<p class="empty">${escapeHtml(page.profileNote ?? 'This model has no routing profile.')}</p>`);
  } else {
    body.push(
      `<p class="summary">How often each expert was selected on each domain's calibration text; default strength ` +
        `${page.profile.defaultStrength}.</p>`,
    );
    body.push('<div class="profiles">');
    for (const [domain, freq] of Object.entries(page.profile.frequency)) {
      body.push(
        `<figure><figcaption>${escapeHtml(domain)}</figcaption>${heatmapSvg({
          title: `Selection frequency on ${domain} text`,
          values: freq,
          layers: layersOf(freq.length),
          unit: (v) => `selected for ${(100 * v).toFixed(1)}% of tokens`,
          outlined: favouredSets(page.profile.bias[domain]),
        })}</figure>`,
      );
    }
    body.push('</div>');
  }
  return webviewDocument({
    title: 'Switchyard: Expert Routing',
    allow: [`style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`],
    head: `<style nonce="${nonce}">${STYLE}</style>`,
    body: `${body.join('\n')}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
</script>`,
  });
}

/** The parts of the model's routing profile the page shows, per domain as [moeLayer][expert]. */
export function profileForPage(profile: RoutingProfile): NonNullable<RoutingPage['profile']> {
  const frequency: Record<string, number[][]> = {};
  const bias: Record<string, number[][]> = {};
  for (const layer of profile.layers) {
    for (const [d, v] of Object.entries(layer.frequency)) (frequency[d] ??= []).push(v);
    for (const [d, v] of Object.entries(layer.bias)) (bias[d] ??= []).push(v);
  }
  return { frequency, bias, defaultStrength: profile.defaultStrength };
}
