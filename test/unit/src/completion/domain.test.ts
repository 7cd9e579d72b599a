import * as assert from 'node:assert/strict';
import { completionDomain } from '../../../../src/completion/domain';

describe('completion domain', () => {
  it('asks for code experts in programming languages, math in LaTeX, and lets the engine classify Markdown', () => {
    assert.equal(completionDomain('typescript'), 'code');
    assert.equal(completionDomain('python'), 'code');
    assert.equal(completionDomain('latex'), 'math');
    assert.equal(completionDomain('markdown'), 'auto');
  });
});
