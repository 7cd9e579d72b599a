// Which formal prover a document goes to. Kept free of process code so the extension host can ask it too (a prover
// runs code from the file, so the editor must know before it sends the file).
import type { ProofCheckParams } from '../protocol';

export type ProverName = 'coq' | 'lean';

export function proverFor(params: Pick<ProofCheckParams, 'languageId' | 'filePath'>): ProverName | undefined {
  const path = params.filePath ?? '';
  if (params.languageId === 'coq' || path.endsWith('.v')) return 'coq';
  if (params.languageId === 'lean' || params.languageId === 'lean4' || path.endsWith('.lean')) return 'lean';
  return undefined;
}
