import * as assert from 'node:assert/strict';
import {
  buildFimPrompt,
  detectFimFormat,
  fimFormatByName,
  guessFimFormatFromModelName,
} from '../../../../engine/service/fim';

const vocabOf =
  (...tokens: string[]) =>
  (t: string) =>
    tokens.includes(t) ? tokens.indexOf(t) + 1000 : undefined;

describe('FIM formats', () => {
  it("detects DeepSeek-Coder's tokens with their exact Unicode (U+FF5C fullwidth bar, U+2581 lower block)", () => {
    const f = detectFimFormat(
      vocabOf(
        '<\u{ff5c}fim\u{2581}begin\u{ff5c}>',
        '<\u{ff5c}fim\u{2581}hole\u{ff5c}>',
        '<\u{ff5c}fim\u{2581}end\u{ff5c}>',
      ),
    );
    assert.equal(f?.name, 'deepseek');
    assert.deepEqual(
      [...f!.prefix].map((c) => c.codePointAt(0)!.toString(16)),
      ['3c', 'ff5c', '66', '69', '6d', '2581', '62', '65', '67', '69', '6e', 'ff5c', '3e'],
    );
    assert.equal(f?.fileSeparator, undefined);
    // ASCII look-alikes are not DeepSeek's tokens
    assert.equal(detectFimFormat(vocabOf('<|fim_begin|>', '<|fim_hole|>', '<|fim_end|>')), undefined);
  });

  it('detects Qwen2.5-Coder style (the default model) with its file separator only when the vocabulary has it', () => {
    assert.deepEqual(
      detectFimFormat(vocabOf('<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_sep|>')),
      fimFormatByName('qwen'),
    );
    assert.equal(
      detectFimFormat(vocabOf('<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'))?.fileSeparator,
      undefined,
    );
  });

  it('detects StarCoder2 and CodeLlama, and nothing for a plain language model', () => {
    assert.equal(
      detectFimFormat(vocabOf('<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'))?.fileSeparator,
      '<file_sep>',
    );
    assert.equal(detectFimFormat(vocabOf('\u2581<PRE>', '\u2581<SUF>', '\u2581<MID>'))?.name, 'codellama');
    assert.equal(detectFimFormat(vocabOf('<s>', '</s>')), undefined);
  });

  it('writes prefix-suffix-middle prompts in each family spelling', () => {
    const req = { prefix: 'def f(x):\n    ', suffix: '\n\nprint(f(2))\n', languageId: 'python' };
    assert.equal(
      buildFimPrompt(fimFormatByName('deepseek')!, req),
      '<｜fim▁begin｜>def f(x):\n    <｜fim▁hole｜>\n\nprint(f(2))\n<｜fim▁end｜>',
    );
    assert.equal(
      buildFimPrompt(fimFormatByName('qwen')!, req),
      '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n\nprint(f(2))\n<|fim_middle|>',
    );
    assert.equal(
      buildFimPrompt(fimFormatByName('codellama')!, req),
      '<PRE> def f(x):\n     <SUF>\n\nprint(f(2))\n <MID>',
    );
  });

  it('puts context chunks after file separators, or as path comments for families without one', () => {
    const req = {
      prefix: 'x = ',
      suffix: '',
      languageId: 'python',
      filePath: 'src/main.py',
      contextChunks: [{ filePath: 'src/util.py', text: 'def helper(): pass' }],
    };
    assert.equal(
      buildFimPrompt(fimFormatByName('qwen')!, req),
      '<|fim_prefix|><|file_sep|>src/util.py\ndef helper(): pass\n<|file_sep|>src/main.py\nx = <|fim_suffix|><|fim_middle|>',
    );
    assert.equal(
      buildFimPrompt(fimFormatByName('deepseek')!, req),
      '<｜fim▁begin｜># src/util.py\ndef helper(): pass\n\n# src/main.py\nx = <｜fim▁hole｜><｜fim▁end｜>',
    );
    assert.ok(
      buildFimPrompt(fimFormatByName('deepseek')!, { ...req, languageId: 'typescript' }).includes('// src/util.py\n'),
    );
  });

  it("guesses a served model's family from its name", () => {
    assert.equal(guessFimFormatFromModelName('deepseek-ai/DeepSeek-Coder-V2-Lite-Base')?.name, 'deepseek');
    assert.equal(guessFimFormatFromModelName('deepseek-coder-v2:16b')?.name, 'deepseek');
    assert.equal(guessFimFormatFromModelName('Qwen/Qwen2.5-Coder-7B')?.name, 'qwen');
    assert.equal(guessFimFormatFromModelName('starcoder2:3b')?.name, 'starcoder2');
    assert.equal(guessFimFormatFromModelName('codellama:7b-code')?.name, 'codellama');
    assert.equal(guessFimFormatFromModelName('llama3.1:8b'), undefined);
  });
});
