// API keys live in VS Code's SecretStorage (the OS keychain where there is one), never in settings files that get
// committed or synced. A remote key is kept per server origin, so pointing switchyard.remote.baseUrl at another server
// never sends it the key meant for the first one.
import * as vscode from 'vscode';
import { Disposable } from '../util/disposable';

const REMOTE_PREFIX = 'switchyard.remote.apiKey:';
const SERVER_KEY = 'switchyard.server.apiKey';

/** The origin a remote key belongs to (scheme, host, port), or undefined for a URL that does not parse. */
export function serverOrigin(baseUrl: string): string | undefined {
  try {
    const u = new URL(baseUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

export class ApiKeys extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<'remote' | 'server'>());
  /** a key was set or removed: 'remote' for any server's, 'server' for the local server's */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    super();
    this._register(
      secrets.onDidChange((e) => {
        if (e.key.startsWith(REMOTE_PREFIX)) this.changed.fire('remote');
        else if (e.key === SERVER_KEY) this.changed.fire('server');
      }),
    );
  }

  async remoteKey(baseUrl: string): Promise<string | undefined> {
    const origin = serverOrigin(baseUrl);
    return origin ? (await this.secrets.get(REMOTE_PREFIX + origin)) || undefined : undefined;
  }

  /** An empty key removes it. */
  async setRemoteKey(baseUrl: string, key: string): Promise<void> {
    const origin = serverOrigin(baseUrl);
    if (!origin) throw new Error(`'${baseUrl}' is not an http(s) URL`);
    if (key) await this.secrets.store(REMOTE_PREFIX + origin, key);
    else await this.secrets.delete(REMOTE_PREFIX + origin);
  }

  async serverKey(): Promise<string | undefined> {
    return (await this.secrets.get(SERVER_KEY)) || undefined;
  }

  async setServerKey(key: string): Promise<void> {
    if (key) await this.secrets.store(SERVER_KEY, key);
    else await this.secrets.delete(SERVER_KEY);
  }
}
