// userinfo in switchyard.remote.baseUrl never reaches a log line, an error or the model's shown path: the real engine
// subprocess against a real OpenAI-compatible server on loopback.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { redactUserinfo } from '../../../../src/engine/redact';
import { EngineSupervisor } from '../../../../src/engine/supervisor';
import { tempDir } from '../../../helpers/fixture-models';
import { MODEL_ID, startLocalServer, type LocalServer } from '../../../helpers/local-server';

const ROOT = join(__dirname, '../../../..');

describe('URL userinfo is never logged or shown', function () {
  this.timeout(120_000);
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer({ apiKey: 'k', model: { family: 'qwen' } });
  });
  after(() => server.close());

  it('strips user:password@ from any URL in a line', () => {
    assert.equal(
      redactUserinfo('connecting to http://alice:s3cret@gpu-box:8000/v1 now'),
      'connecting to http://gpu-box:8000/v1 now',
    );
    assert.equal(redactUserinfo('https://tok@h/v1 and https://u:p@w@h2:1/x'), 'https://h/v1 and https://h2:1/x');
    assert.equal(
      redactUserinfo('mail me at a@b.example, see http://h/a@b'),
      'mail me at a@b.example, see http://h/a@b',
    );
  });

  it('logs, errors and the model path of a remote start carry no userinfo', async () => {
    const lines: string[] = [];
    const baseUrl = server.url.replace('http://', 'http://alice:s3cret@');
    const s = new EngineSupervisor(
      () => ({
        spawn: {
          enginePath: join(ROOT, 'engine/main.ts'),
          env: { NODE_OPTIONS: '--import tsx', XDG_CACHE_HOME: tempDir('redact-cache') },
          cwd: ROOT,
          onStderrLine: (l) => lines.push(l),
        },
        modelPath: '/unused',
        threads: 1,
        remote: { baseUrl, model: MODEL_ID, apiKey: 'k' },
      }),
      (l) => lines.push(l),
    );
    try {
      await s.start().catch((err: Error) => lines.push(`start failed: ${err.message}`));
      lines.push(s.lastError ?? '', s.model?.path ?? '');
      assert.ok(
        lines.some((l) => l.includes('connecting to http://127.0.0.1')),
        lines.join('\n'),
      );
      assert.deepEqual(
        lines.filter((l) => /s3cret|alice/.test(l)),
        [],
      );
    } finally {
      await s.dispose();
    }
  });
});
