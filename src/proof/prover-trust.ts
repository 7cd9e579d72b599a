// Workspace trust for Check Proof's formal provers. coqc and lean execute the file they check (`#eval`, `run_cmd`,
// Coq plugins and extraction), so a `.v` / `.lean` file from an untrusted workspace is not sent to them; the user is
// told why and offered VS Code's "Manage Workspace Trust". The LaTeX / Markdown checker runs no workspace code and
// works everywhere. Free of the VS Code API, so the rule is unit-tested in plain Node.
import { proverFor } from '../../engine/math/prover-kind';
import type { ProofCheckParams, ProofCheckResult } from '../../engine/protocol';

export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
export const MANAGE_TRUST_LABEL = 'Manage Workspace Trust';

const PROGRAM = { coq: 'coqc', lean: 'lean' } as const;

/** The result to show instead of running a prover, or undefined when the check may go to the engine. */
export function refuseUntrusted(
  params: Pick<ProofCheckParams, 'languageId' | 'filePath'>,
  trusted: boolean,
): ProofCheckResult | undefined {
  const name = proverFor(params);
  if (!name || trusted) return undefined;
  const message = `not run: this workspace is not trusted, and ${PROGRAM[name]} would run code from this file. Trust the workspace to check it (${MANAGE_TRUST_LABEL}).`;
  return {
    steps: [],
    proverDiagnostics: [],
    prover: { name, available: true, proved: false, refused: 'untrusted-workspace', message },
  };
}
