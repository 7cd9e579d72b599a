// The loaded model's opinion on a proof step that algebra could not decide (Check Proof's "ask the model"). It is
// only ever shown as an opinion; the checker never lets it change a verdict.
import type { ProofStep } from '../protocol';
import type { EngineService } from './engine-service';

const INSTRUCTION =
  'You review one step of a mathematical derivation. In at most two sentences, say whether the step follows from ' +
  'what precedes it and why. Do not restate the step.';

/** A critic for engine/math's checkProof, or undefined when no model is loaded to ask. */
export function modelCritic(service: EngineService, signal: AbortSignal) {
  if (!service.model) return undefined;
  return async (step: ProofStep, context: string): Promise<string | undefined> => {
    const reply = await service.chat(
      {
        messages: [
          { role: 'system', content: INSTRUCTION },
          {
            role: 'user',
            content: `Context:\n${context}\n\nStep (line ${step.line}): ${step.text}\nChecker: ${step.detail}`,
          },
        ],
        maxTokens: 96,
        temperature: 0,
        routing: { domain: 'math', strength: 1 },
        streamId: `proof-critic-${step.line}`,
      },
      { signal },
    );
    return reply.text.trim() || undefined;
  };
}
