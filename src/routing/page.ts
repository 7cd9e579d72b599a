// What the expert-routing page shows, asked of the engine: the last completion or chat reply (`stats`) and the domain
// profile the model's requests are skewed by, or why there is none (`routing/profile`). The extension reads no engine
// files: the engine answers for the profile it applies. No vscode import, so it is tested against a fake engine.
import type { RequestType0 } from 'vscode-jsonrpc';
import { RoutingProfileRequest, StatsRequest } from '../../engine/protocol';
import { type RoutingPage, profileForPage } from './heatmap';

/** What this feature needs from the engine client (the supervisor): requests without parameters. */
export interface RoutingEngineClient {
  request0<R>(type: RequestType0<R, void>): Promise<R>;
}

export async function pageFor(engine: RoutingEngineClient): Promise<RoutingPage> {
  const stats = await engine.request0(StatsRequest);
  const model = stats.model;
  const page: RoutingPage = {
    modelName: model?.name,
    last: stats.lastGeneration,
    firstMoeLayer: model ? model.layers - model.moeLayers : 0,
  };
  if (!model) {
    page.profileNote = 'No model is loaded.';
    return page;
  }
  const answer = await engine.request0(RoutingProfileRequest);
  if (answer.profile) page.profile = profileForPage(answer.profile);
  else page.profileNote = answer.reason;
  return page;
}
