import * as assert from 'node:assert/strict';
import { buildFimPrompt, detectFimFormat, FIM_FORMATS } from '../../../../src/completion/fim';

describe('completion/fim', () => {
  it("spells DeepSeek-Coder's markers with U+FF5C and U+2581", () => {
    const f = FIM_FORMATS['deepseek-coder'];
    assert.equal(f.prefix, '<｜fim▁begin｜>');
    assert.equal(f.suffix, '<｜fim▁hole｜>');
    assert.equal(f.middle, '<｜fim▁end｜>');
    assert.equal(buildFimPrompt(f, 'def f(', '):\n'), '<｜fim▁begin｜>def f(<｜fim▁hole｜>):\n<｜fim▁end｜>');
  });

  it('recognises each family from its special tokens, and nothing from unrelated ones', () => {
    assert.equal(detectFimFormat(['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>'])?.name, 'qwen2.5-coder');
    assert.equal(detectFimFormat(['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'])?.name, 'starcoder2');
    assert.equal(detectFimFormat(['<PRE>', '<SUF>', '<MID>', '<EOT>'])?.name, 'codellama');
    assert.equal(detectFimFormat(['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'])?.name, 'deepseek-coder');
    assert.equal(detectFimFormat(['<s>', '</s>']), undefined);
  });

  it('puts context files behind the file separator when the family has one', () => {
    const p = buildFimPrompt(FIM_FORMATS['qwen2.5-coder'], 'x = ', '\n', [{ filePath: 'util.py', text: 'def helper(): ...' }], 'main.py');
    assert.equal(
      p,
      '<|fim_prefix|><|file_sep|>util.py\ndef helper(): ...\n<|file_sep|>main.py\nx = <|fim_suffix|>\n<|fim_middle|>',
    );
  });

  it("writes CodeLlama's spaces around its markers", () => {
    assert.equal(buildFimPrompt(FIM_FORMATS.codellama, 'a', 'b'), '<PRE> a <SUF>b <MID>');
  });
});
