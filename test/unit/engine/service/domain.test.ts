// The routing choice of a request on a model with a (made-up) routing profile: the domain from the request's origin
// or classified for chat, the profile's default strength unless the request says, and no bias where nothing should
// change.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { ModelRouting } from '../../../../engine/routing/model-routing';
import { defaultProfilePath, saveProfile } from '../../../../engine/routing/profile-file';
import { minExpertWeightFor, resolveRouting, selectionBiasFor, userText } from '../../../../engine/service/domain';
import { MADE_UP_LAYOUT, fixtureWeightsCopy, madeUpProfile } from '../../../helpers/routing-profile';

const E = MADE_UP_LAYOUT.routedExperts;
const codeBias = Array.from({ length: E }, (_, e) => (e === 0 ? 0.5 : 0));
const mathBias = Array.from({ length: E }, (_, e) => (e === 1 ? 0.25 : 0));

describe('routing choice of a request', () => {
  let dir: string;
  let model: ModelRouting;
  before(() => {
    dir = fixtureWeightsCopy();
    saveProfile(
      madeUpProfile(checkpointFingerprint(dir), {
        codeBias,
        mathBias,
        defaultStrength: 2,
        minExpertWeight: { code: 0.1, math: 0.2 },
      }),
      defaultProfilePath(dir),
    );
    model = ModelRouting.load(dir, MADE_UP_LAYOUT) as ModelRouting;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const biasOf = (r: ReturnType<typeof resolveRouting>) =>
    selectionBiasFor(model, r)?.map((layer) => Array.from(layer));

  it("completions are code at the profile's default strength unless the client says", () => {
    const plain = resolveRouting('complete', undefined, model);
    assert.deepEqual(plain, { domain: 'code', strength: undefined });
    assert.deepEqual(biasOf(plain), [codeBias.map((b) => b * 2), codeBias.map((b) => b * 2)]);
    const math = resolveRouting('complete', { domain: 'math', strength: 4 }, model);
    assert.deepEqual(biasOf(math), [mathBias.map((b) => b * 4), mathBias.map((b) => b * 4)]);
  });

  it("classifies chat from the user's messages, and leaves `auto` completions undecided", () => {
    const messages = [
      { role: 'system' as const, content: 'def f(x): return x  # system text is not classified' },
      {
        role: 'user' as const,
        content: 'Prove that the integral of 2x dx from 0 to 1 equals 1, using the derivative of x^2.',
      },
    ];
    assert.equal(userText(messages), messages[1].content);
    assert.equal(resolveRouting('chat', undefined, model, userText(messages)).domain, 'math');
    assert.equal(resolveRouting('chat', { domain: 'code' }, model, userText(messages)).domain, 'code');
    assert.equal(resolveRouting('complete', { domain: 'auto' }, model, userText(messages)).domain, undefined);
  });

  it('passes no bias at strength 0, for general text and without a domain', () => {
    assert.equal(selectionBiasFor(model, { domain: 'code', strength: 0 }), undefined);
    assert.equal(selectionBiasFor(model, { domain: 'general' }), undefined);
    assert.equal(selectionBiasFor(model, {}), undefined);
  });

  it('without a profile: the domain the origin gives, chat undecided, and never a bias', () => {
    const code = resolveRouting('complete', { domain: 'code', strength: 3 });
    assert.equal(code.domain, 'code');
    assert.equal(selectionBiasFor(undefined, code), undefined);
    assert.equal(resolveRouting('chat', undefined, undefined, 'Prove that 1 + 1 = 2.').domain, undefined);
  });

  it("takes the domain's τ from the profile unless the request says; 0 without a profile, a domain or a τ", () => {
    type Req = Parameters<typeof resolveRouting>[1];
    const tau = (kind: 'complete' | 'chat', req?: Req, m: ModelRouting | undefined = model) =>
      minExpertWeightFor(m, resolveRouting(kind, req, m));
    const noProfile = (req?: Req) => minExpertWeightFor(undefined, resolveRouting('complete', req));
    assert.equal(tau('complete', undefined), 0.1);
    assert.equal(tau('complete', { domain: 'math' }), 0.2);
    assert.equal(tau('chat', { domain: 'general' }), 0, 'a domain the profile names no τ for');
    assert.equal(tau('chat', { domain: 'code', minExpertWeight: 0 }), 0, 'the request overrides');
    assert.equal(tau('complete', { domain: 'code', minExpertWeight: 0.3 }), 0.3);
    assert.equal(tau('complete', { domain: 'auto' }), 0, '`auto` completions stay undecided');
    assert.equal(noProfile(), 0, 'no profile');
    assert.equal(noProfile({ domain: 'code', minExpertWeight: 0.3 }), 0.3);
  });

  it('refuses a negative strength', () => {
    assert.throws(
      () => selectionBiasFor(model, { domain: 'code', strength: -1 }),
      /routing strength must be a finite number >= 0/,
    );
  });
});
