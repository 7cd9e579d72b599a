// Every command package.json contributes, by id: the one place in code where the ids are spelled. package.json stays
// the list users see; test/unit/src/commands/ids.test.ts holds the two equal. No `vscode` import, so that test runs
// in plain Node. Most commands are registered by registerCommands (./index.ts), one handler per id, which the
// compiler holds to this list; the two features that own their command's state register it themselves.

export const CommandIds = {
  checkProof: 'switchyard.checkProof',
  explainSelection: 'switchyard.explainSelection',
  askAboutSelection: 'switchyard.askAboutSelection',
  toggleInlineCompletions: 'switchyard.toggleInlineCompletions',
  restartEngine: 'switchyard.restartEngine',
  showEngineLog: 'switchyard.showEngineLog',
  selectModel: 'switchyard.selectModel',
  clearModelCache: 'switchyard.clearModelCache',
  showMenu: 'switchyard.showMenu',
  newChat: 'switchyard.chat.newChat',
  stopChat: 'switchyard.chat.stop',
  showExpertRouting: 'switchyard.showExpertRouting',
  setRemoteApiKey: 'switchyard.setRemoteApiKey',
  setServerApiKey: 'switchyard.setServerApiKey',
  copyServerUrl: 'switchyard.copyServerUrl',
} as const;

export type CommandName = keyof typeof CommandIds;
export type CommandId = (typeof CommandIds)[CommandName];

/** Registered by their feature: Check Proof in src/proof/, Show Expert Routing in src/routing/. */
export const FEATURE_COMMANDS = ['checkProof', 'showExpertRouting'] as const satisfies readonly CommandName[];

/** The commands registerCommands registers. */
export type OwnCommandName = Exclude<CommandName, (typeof FEATURE_COMMANDS)[number]>;
