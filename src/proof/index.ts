// Check Proof, extension side: see check-proof.ts.
export { CHECK_PROOF, CheckProofController, registerCheckProof, type ProofEngine } from './check-proof';
