import * as assert from 'node:assert/strict';
import { escapeHtml, heatmapSvg, profileForPage, routingHtml, touchedFraction } from '../../../../src/routing/heatmap';
import { madeUpProfile } from '../../../helpers/routing-profile';

const counts = [
  [3, 0, 1, 0],
  [0, 0, 4, 4],
];

describe('expert routing page', () => {
  it('draws one cell per layer and expert, cold cells apart, with the count in each tooltip', () => {
    const svg = heatmapSvg({ title: 't', values: counts, layers: [1, 2], unit: (v) => `${v} tokens` });
    assert.equal(svg.match(/<rect /g)?.length, 8);
    assert.equal(svg.match(/class="cell cold"/g)?.length, 4);
    assert.match(svg, /<title>layer 2, expert 3: 4 tokens<\/title>/);
    assert.match(svg, />layer 1<\/text>/);
  });

  it('reports the touched fraction of the last reply', () => {
    assert.equal(touchedFraction(counts), 4 / 8);
    const html = routingHtml(
      { last: { expertCounts: counts, domain: 'code', promptTokens: 5, generatedTokens: 3 }, firstMoeLayer: 1 },
      'N0NCE',
    );
    assert.match(html, /<b>50\.0%<\/b> of the experts touched \(4 of 8\)/);
  });

  it("has a strict CSP: nothing but the nonce'd style and script, no network", () => {
    const html = routingHtml({ firstMoeLayer: 1 }, 'abc123');
    assert.match(html, /content="default-src 'none'; style-src 'nonce-abc123'; script-src 'nonce-abc123'"/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="abc123">/);
    assert.doesNotMatch(html, /\sstyle="/);
    assert.match(html, /No completion or chat reply yet/);
  });

  it('escapes every text that comes from the engine', () => {
    const html = routingHtml({ modelName: '<img src=x onerror=alert(1)>', firstMoeLayer: 0, profileNote: '"&<' }, 'n');
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('shows each domain profile and outlines the experts it favours', () => {
    const made = madeUpProfile('sha256:x', { defaultStrength: 1.5 });
    const frequency = { code: [1, 0], math: [0, 1], general: [0.5, 0.5] };
    made.layers = [{ ...made.layers[0], frequency, bias: { code: [0.1, -0.1], math: [-0.1, 0.1] } }];
    const profile = profileForPage(made);
    assert.deepEqual(profile.frequency, { code: [[1, 0]], math: [[0, 1]], general: [[0.5, 0.5]] });
    assert.deepEqual(profile.bias, { code: [[0.1, -0.1]], math: [[-0.1, 0.1]] });
    const html = routingHtml(
      {
        firstMoeLayer: 1,
        profile,
        last: { expertCounts: [[2, 0]], domain: 'code', promptTokens: 1, generatedTokens: 1 },
      },
      'n',
    );
    for (const d of ['code', 'math', 'general']) assert.match(html, new RegExp(`<figcaption>${d}</figcaption>`));
    assert.match(html, /default strength 1\.5/);
    assert.match(html, /layer 1, expert 0: 2 tokens \(favoured by the profile\)/);
  });
});
