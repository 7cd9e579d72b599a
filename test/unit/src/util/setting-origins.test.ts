import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllowedOrigins } from '../../../../src/util/setting-origins';

describe('settings: the browser origins the local server allows', () => {
  it('keeps origins as browsers send them: scheme, host and port, lower case, no default port, no trailing slash', () => {
    const { origins, rejected } = parseAllowedOrigins([
      'https://example.com',
      'http://localhost:3000',
      ' HTTPS://Example.COM:443/ ',
      'http://[::1]:8080',
      'http://127.0.0.1:5173/',
    ]);
    assert.deepEqual(origins, [
      'https://example.com',
      'http://localhost:3000',
      'http://[::1]:8080',
      'http://127.0.0.1:5173',
    ]);
    assert.deepEqual(rejected, []);
  });

  it('drops what is not an origin, naming each entry: paths, queries, fragments, user names, other schemes, wildcards, null', () => {
    const bad = [
      'example.com',
      'https://example.com/app',
      'https://example.com/?',
      'https://example.com#',
      'https://user@example.com',
      'file:///home/me/page.html',
      'chrome-extension://abc',
      '*',
      'https://*.example.com',
      'null',
      '',
    ];
    const { origins, rejected } = parseAllowedOrigins([...bad, 'http://localhost:3000', 42]);
    assert.deepEqual(origins, ['http://localhost:3000']);
    assert.deepEqual(rejected, [...bad, '42']);
  });

  it('a value that is not a list allows nothing', () => {
    assert.deepEqual(parseAllowedOrigins('https://example.com'), { origins: [], rejected: [] });
    assert.deepEqual(parseAllowedOrigins(undefined), { origins: [], rejected: [] });
  });

  it('is declared as a restricted list, empty by default (a workspace cannot let a web page use the model)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
      contributes: {
        configuration: {
          properties: Record<
            string,
            { type: string; default: unknown; restricted?: boolean; markdownDescription?: string }
          >;
        };
      };
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    };
    const setting = pkg.contributes.configuration.properties['switchyard.server.allowOrigins'];
    assert.equal(setting?.type, 'array');
    assert.deepEqual(setting?.default, []);
    assert.equal(setting?.restricted, true);
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('switchyard.server.allowOrigins'));
  });
});
